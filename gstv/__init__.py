"""The `gstv` command: the composition root, one module per subcommand."""
