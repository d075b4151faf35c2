from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from player.payment_protocol import (EVENTS, MAX_LINE_BYTES, TOO_LONG, LineFramer, PaymentState,
                                     handle_line)


def run(*events: str, state: PaymentState | None = None):
    state = state or PaymentState()
    replies = []
    for event in events:
        state, reply = handle_line(state, json.dumps({"event": event}).encode())
        replies.append(reply)
    return state, replies


def test_a_whole_transaction_with_a_prompt():
    state, replies = run("transaction_start", "prompt_start", "prompt_end", "fueling_start",
                         "fueling_end", "transaction_end")
    assert [r["state"] for r in replies] == ["prefueling", "prefueling", "prefueling",
                                            "fueling", "postfueling", "idle"]
    assert [r["prompt"] for r in replies] == [False, True, False, False, False, False]
    assert state == PaymentState()


@pytest.mark.parametrize(
    ("events", "error"),
    [
        (["fueling_start"], "event 'fueling_start' is not allowed in state 'idle'"),
        (["transaction_end"], "event 'transaction_end' is not allowed in state 'idle'"),
        (["transaction_start", "transaction_start"],
         "event 'transaction_start' is not allowed in state 'prefueling'"),
        (["prompt_end"], "event 'prompt_end' is not allowed: no prompt is showing"),
        (["prompt_start", "prompt_start"],
         "event 'prompt_start' is not allowed: a prompt is already showing"),
        (["refuel"], "unknown event 'refuel' (expected one of: transaction_start, "
                     "fueling_start, fueling_end, transaction_end, prompt_start, prompt_end)"),
    ],
)
def test_illegal_events_are_refused_and_change_nothing(events, error):
    state, replies = run(*events[:-1])
    after, (reply,) = run(events[-1], state=state)
    assert reply == {"ok": False, "error": error}
    assert after == state


@pytest.mark.parametrize(
    ("line", "error"),
    [
        (b"{", "invalid JSON: Expecting property name enclosed in double quotes: line 1 "
               "column 2 (char 1)"),
        (b"[1]", 'expected a JSON object like {"event": "transaction_start"}'),
        (b'{"id": 3}', 'missing "event"'),
        (b'{"event": 5}', 'missing "event"'),
        (b'{"event": "prompt_start", "id": [1]}', '"id" must be a short text or a number'),
        (b"\xff\xfe", "invalid JSON"),
    ],
)
def test_malformed_lines_get_a_clear_error(line, error):
    state, reply = handle_line(PaymentState(), line)
    assert reply["ok"] is False and reply["error"].startswith(error)
    assert state == PaymentState()


def test_the_id_is_echoed():
    _, reply = handle_line(PaymentState(), b'{"event": "transaction_start", "id": "tx-9"}')
    assert reply["id"] == "tx-9"
    _, reply = handle_line(PaymentState(), b'{"event": "fueling_start", "id": 7}')
    assert reply == {"ok": False, "error": "event 'fueling_start' is not allowed in state "
                                           "'idle'", "id": 7}


STATES = st.builds(PaymentState, st.sampled_from(["idle", "prefueling", "fueling",
                                                  "postfueling"]), st.booleans())


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STATES, st.binary(max_size=300) | st.text(max_size=100).map(str.encode)
       | st.dictionaries(st.text(max_size=10), st.none() | st.integers() | st.text(max_size=20),
                         max_size=3).map(lambda d: json.dumps(d).encode()))
def test_random_input_never_raises_and_invalid_input_changes_nothing(state, line):
    after, reply = handle_line(state, line)
    assert isinstance(reply, dict) and isinstance(reply["ok"], bool)
    json.dumps(reply)
    if not reply["ok"]:
        assert after == state and reply["error"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STATES, st.sampled_from(EVENTS))
def test_valid_events_reply_with_the_new_state(state, event):
    after, reply = handle_line(state, json.dumps({"event": event}).encode())
    if reply["ok"]:
        assert (reply["state"], reply["prompt"]) == (after.phase, after.prompting)


def test_the_framer_gives_the_same_lines_however_the_bytes_are_cut():
    stream = (b'{"event": "transaction_start"}\r\n\n  \n' + b"x" * 5000 + b"\n"
              + b'{"event": "prompt_start"}\n' + b"y" * 9000 + b'\n{"event": "pro')
    whole = LineFramer().feed(stream)
    framer = LineFramer()
    one_by_one = [line for i in range(len(stream)) for line in framer.feed(stream[i:i + 1])]
    assert whole == one_by_one == [b'{"event": "transaction_start"}', TOO_LONG,
                                   b'{"event": "prompt_start"}', TOO_LONG]
    assert framer.held == len(b'{"event": "pro')  # the unfinished line waits


def test_the_framer_holds_no_more_than_a_line_and_a_chunk():
    framer = LineFramer()
    for _ in range(1000):  # 4 MB without a newline
        assert framer.feed(b"z" * 4096) in ([], [TOO_LONG])
        assert framer.held <= MAX_LINE_BYTES + 4096
    assert framer.feed(b'z\n{"event": "prompt_start"}\n') == [b'{"event": "prompt_start"}']
