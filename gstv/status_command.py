"""`gstv status [--config FILE] [--json]`: ask the running player how it is doing, and
show the agent's downloads in flight (sync_agent.download_progress)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from terminal.config import DEFAULT_CONFIG, ConfigError, load_config
from player.status import query_status
from sync_agent.download_progress import describe, read_downloads


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("status", help="show the running player's state")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, metavar="FILE")
    parser.add_argument("--json", action="store_true", help="one JSON object instead")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
        status = query_status(config.player.status_socket)
        status["downloads"] = read_downloads(config.agent_dir / "status.json")
    except ConfigError as exc:
        print(f"gstv status: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"gstv status: the player is not answering on {config.player.status_socket}: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(status))
    else:
        print(render(status))
    return 0


def render(status: dict) -> str:
    playing = status.get("now_playing") or {}
    upcoming = status.get("next") or {}
    clock = status.get("clock") or {}
    rows = [
        ("terminal", f"{status['site_id']} / {status['terminal_id']}"),
        ("state", _state(status)),
        ("phase", f"{status['phase']} (video {status.get('layout', '-')})"),
        ("now playing", _slot(playing, "since")),
        ("next", _slot(upcoming, "at")),
        ("playlist", status.get("playlist_version") or "none staged"),
        ("configuration", status.get("config_version") or "default"),
        ("network", _network(status.get("network") or {})),
        ("volume", status.get("volume")),
        ("outbox pending", status.get("outbox_pending")),
        ("site time", f"{clock.get('site_time')} (offset {clock.get('offset_ms')} ms, "
                      f"{'trusted' if clock.get('trusted') else 'NOT trusted: system time'})"),
        ("site sync", _sync(status.get("sync") or {})),
        ("downloads", "; ".join(describe(d) for d in status.get("downloads") or []) or "none"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def _state(status: dict) -> str:
    halted = status.get("halted")
    if not halted:
        return status["state"]
    return (f"{status['state']}: HALTED, the site has been {halted.get('reason')} since "
            f"{halted.get('since')} (longer than shutdownHours); plays again once the "
            f"cloud answers")


def _network(network: dict) -> str:
    shutdown = network.get("shutdown_hours") or 0
    swaps = network.get("evergreen") or []
    return (f"{network.get('version') or 'default'} (shutdownHours {shutdown:g}, "
            f"{len(swaps)} evergreen file{'s' if len(swaps) != 1 else ''})")


def _sync(sync: dict) -> str:
    role = sync.get("role", "-")
    if sync.get("keys") == "missing":
        return "NO SITE KEY: playing alone, not in sync (gstv keys install; see the log)"
    if role == "alone":
        return "alone (a site of one)"
    parts = [role, f"leader {sync.get('leader') or '-'}",
             "in step" if sync.get("in_step") else "NOT in step"]
    if sync.get("offset_error_ms") is not None and role == "follower":
        parts.append(f"clock error {sync['offset_error_ms']} ms")
    if sync.get("position_error_ms") is not None:
        parts.append(f"picture {sync['position_error_ms']} ms off")
    parts.append(f"peers reachable: {', '.join(sync.get('reachable') or []) or 'none'}")
    if sync.get("keys") == "plaintext":
        parts.append("IN THE CLEAR (insecure_plaintext)")
    return ", ".join(parts)


def _slot(slot: dict, when: str) -> str:
    if not slot:
        return "-"
    what = slot.get("file") or slot.get("kind")
    asset = f" [{slot['asset']}]" if slot.get("asset") else ""
    return f"{what}{asset} {when} {slot.get(when)}"
