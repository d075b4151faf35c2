"""Rigs for the GSTV terminal player: everything that runs a terminal, a site or a cloud
for tests, the demo and benchmarks, and never ships to a terminal (`make install`
installs only the product; `make setup` installs this beside it).

- `cloud`, `hostile_cloud`: the reference cloud and a hostile one (the cloud contract
  over real HTTP on loopback).
- `relay`, `skew`: delay relays between terminals, and the skew analysis of what the
  screens displayed.
- `inprocess`, `staging`, `payment`: a player inside a test's event loop, content
  staged as the agent would, the payment software's side of the payment socket.
- `site`: a site of real `gstv player` processes (build, supervise, measure), which
  `gstv sim` and `gstv demo` compose.
- `commands`: `gstv cloud`, `gstv sim`, `gstv demo`, found by the `gstv` command
  through the `gstv.commands` entry points.
"""
