"""The payment socket protocol: newline-delimited JSON lifecycle events, one JSON reply
line each. Pure: bytes in, new state and reply out; the socket lives in
`player.payment_server`.

    {"event": "transaction_start"}  idle -> prefueling   (prefueling banners)
    {"event": "fueling_start"}      prefueling -> fueling
    {"event": "fueling_end"}        fueling -> postfueling (postfueling banners)
    {"event": "transaction_end"}    prefueling | fueling | postfueling -> idle
    {"event": "prompt_start"}       a PCI prompt: picture and sound gone at once
    {"event": "prompt_end"}         back on the site timeline where it is now

An optional `"id"` (text or number) is echoed. Replies are `{"ok": true, "state":
<phase>, "prompt": <bool>}` or `{"ok": false, "error": "<clear text>"}`; a rejected
line never changes the state.

Decisions: a prompt may start in any phase (payment software prompts before a
transaction too: "insert card"), but not while one is already showing; phases may
advance during a prompt; a transaction may be cancelled from any of its phases.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

MAX_LINE_BYTES = 4096
TOO_LONG = None  # what `LineFramer` yields for a line it skipped for its length
PHASES = ("idle", "prefueling", "fueling", "postfueling")
_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "transaction_start": (frozenset({"idle"}), "prefueling"),
    "fueling_start": (frozenset({"prefueling"}), "fueling"),
    "fueling_end": (frozenset({"fueling"}), "postfueling"),
    "transaction_end": (frozenset({"prefueling", "fueling", "postfueling"}), "idle"),
}
EVENTS = (*_TRANSITIONS, "prompt_start", "prompt_end")


@dataclass(frozen=True)
class PaymentState:
    phase: str = "idle"
    prompting: bool = False

    @property
    def in_transaction(self) -> bool:
        return self.phase != "idle"


class LineFramer:
    """Bytes as they come off the socket, in chunks of any size, to lines. A line
    longer than `MAX_LINE_BYTES` is yielded once as `TOO_LONG` and skipped up to its
    newline, so a client cannot make the player buffer without bound: what is held
    never exceeds `MAX_LINE_BYTES` plus one chunk. Blank lines are dropped; a
    trailing CR is taken off. The lines do not depend on where the chunks were cut
    (bench/_fuzz_payment_bytes.py checks it)."""

    def __init__(self) -> None:
        self._buffer = b""
        self._skipping = False  # inside an over-long line, until its newline

    @property
    def held(self) -> int:
        return len(self._buffer)

    def feed(self, chunk: bytes) -> list[bytes | None]:
        out: list[bytes | None] = []
        buffer = self._buffer + chunk
        while True:
            newline = buffer.find(b"\n")
            if newline < 0:
                if len(buffer) > MAX_LINE_BYTES:
                    if not self._skipping:
                        out.append(TOO_LONG)
                    self._skipping, buffer = True, b""
                break
            line, buffer = buffer[:newline], buffer[newline + 1:]
            if self._skipping:
                self._skipping = False
                continue
            if len(line) > MAX_LINE_BYTES:
                out.append(TOO_LONG)
                continue
            if line.strip():
                out.append(line.rstrip(b"\r"))
        self._buffer = buffer
        return out


def handle_line(state: PaymentState, line: bytes) -> tuple[PaymentState, dict[str, Any]]:
    """Apply one line (without its newline) to `state`."""
    try:
        message = json.loads(line)
    except (ValueError, RecursionError) as exc:
        return state, _error(f"invalid JSON: {str(exc)[:120]}")
    if not isinstance(message, dict):
        return state, _error('expected a JSON object like {"event": "transaction_start"}')
    reply_id = message.get("id")
    if reply_id is not None and (
        isinstance(reply_id, bool) or not isinstance(reply_id, (str, int, float))
        or len(str(reply_id)) > 128
    ):
        return state, _error('"id" must be a short text or a number')
    event = message.get("event")
    if not isinstance(event, str):
        return state, _error('missing "event"', reply_id)
    new_state, problem = _apply(state, event)
    if problem:
        return state, _error(problem, reply_id)
    reply: dict[str, Any] = {"ok": True, "state": new_state.phase, "prompt": new_state.prompting}
    if reply_id is not None:
        reply["id"] = reply_id
    return new_state, reply


def _apply(state: PaymentState, event: str) -> tuple[PaymentState, str | None]:
    if event == "prompt_start":
        if state.prompting:
            return state, "event 'prompt_start' is not allowed: a prompt is already showing"
        return replace(state, prompting=True), None
    if event == "prompt_end":
        if not state.prompting:
            return state, "event 'prompt_end' is not allowed: no prompt is showing"
        return replace(state, prompting=False), None
    if event not in _TRANSITIONS:
        shown = event[:40].encode("unicode_escape").decode()
        return state, f"unknown event '{shown}' (expected one of: {', '.join(EVENTS)})"
    allowed, target = _TRANSITIONS[event]
    if state.phase not in allowed:
        return state, f"event '{event}' is not allowed in state '{state.phase}'"
    return replace(state, phase=target), None


def _error(text: str, reply_id: Any = None) -> dict[str, Any]:
    reply: dict[str, Any] = {"ok": False, "error": text}
    if reply_id is not None:
        reply["id"] = reply_id
    return reply
