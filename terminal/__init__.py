"""The shared kernel of a terminal: what every process of it and every package above
the pure scheduler share.

- `terminal.config`: the terminal configuration (`terminal.toml`).
- `terminal.outbox`: `state_dir/outbox.db`, the one place its SQL is written: the
  player's POP records, the agent's notifications and deliveries, the reads of rigs.
- `terminal.errors`: the exception root of every package, drawn in its docstring.

It imports only the standard library, pydantic and `scheduler`; `sync`, `player` and
`sync_agent` import it, never the other way round.
"""
