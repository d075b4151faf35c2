"""The rig subcommands of `gstv` (entry points `gstv.commands`, rigs/pyproject.toml)."""
