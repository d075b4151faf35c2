"""A coverage-guided raw byte fuzzer (atheris, libFuzzer) on the payment socket's
path: bytes cut into chunks where the input says, through the socket's line framing
(`LineFramer`) and the protocol (`handle_line`), from a state the input picks.

Checked on every input: nothing raises; every reply is JSON with `ok`, and a refusal
says why and leaves the state as it was; the framer never holds more than a line and
a chunk; and the lines do not depend on where the chunks were cut (the same bytes in
one piece give the same lines). A failed check is a crash to libFuzzer, which stops
and saves the input. Memory is bounded by `-rss_limit_mb`.

    python bench/_fuzz_payment_bytes.py -max_total_time=60 -rss_limit_mb=512 [corpus]

bench/reliability.py (`fuzz_payment_bytes`) runs it for its time budget.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

with atheris.instrument_imports():
    from player.payment_protocol import (MAX_LINE_BYTES, PHASES, TOO_LONG, LineFramer,
                                         PaymentState, handle_line)

CHUNK = 4096  # what the server reads at most at a time


def one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    state = PaymentState(PHASES[provider.ConsumeIntInRange(0, 3)], provider.ConsumeBool())
    cuts = [provider.ConsumeIntInRange(1, CHUNK) for _ in range(provider.ConsumeIntInRange(0, 8))]
    stream = provider.ConsumeBytes(provider.remaining_bytes())
    framer, lines, at, sizes = LineFramer(), [], 0, iter(cuts)
    while at < len(stream):
        piece = stream[at:at + next(sizes, CHUNK)]
        at += len(piece)
        lines += framer.feed(piece)
        if framer.held > MAX_LINE_BYTES + CHUNK:
            raise AssertionError(f"the framer holds {framer.held} bytes")
    whole = LineFramer()
    in_one = [line for start in range(0, len(stream), CHUNK)
              for line in whole.feed(stream[start:start + CHUNK])]
    if lines != in_one:
        raise AssertionError("the lines depend on where the chunks were cut")
    for line in lines:
        if line is TOO_LONG:
            continue
        new, reply = handle_line(state, line)
        json.dumps(reply)
        if not reply.get("ok"):
            if new != state:
                raise AssertionError(f"a refused line changed the state: {line[:80]!r}")
            if not reply.get("error"):
                raise AssertionError(f"a refusal without a reason: {line[:80]!r}")
        state = new


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
