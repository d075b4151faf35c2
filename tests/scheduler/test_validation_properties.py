"""Property: any mutation of a valid message is either accepted or rejected with one
readable line; the validator never raises anything else."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.validation import validate_update
from tests.messages import configuration, playlist

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20)
    | st.sampled_from(["", " ", "2026-11-23", "06:00", "2400", "x.mp4", "../x.mp4", "a\x00b"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8),
                                                                        children, max_size=3),
    max_leaves=6,
)


def containers(node: Any, found: list) -> list:
    """Every dict and list in the message, the message included."""
    if isinstance(node, (dict, list)):
        found.append(node)
        for child in (node.values() if isinstance(node, dict) else node):
            containers(child, found)
    return found


@st.composite
def mutated_messages(draw, base: dict) -> dict:
    message = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        target = draw(st.sampled_from(containers(message, [])))
        action = draw(st.sampled_from(["delete", "replace", "insert", "duplicate"]))
        if isinstance(target, dict) and target:
            key = draw(st.sampled_from(sorted(target)))
            if action == "delete":
                del target[key]
            elif action == "replace":
                target[key] = draw(JSON_VALUES)
            else:
                target[draw(st.text(max_size=8))] = draw(JSON_VALUES)
        elif isinstance(target, list) and target:
            index = draw(st.integers(0, len(target) - 1))
            if action == "delete":
                del target[index]
            elif action == "replace":
                target[index] = draw(JSON_VALUES)
            elif action == "duplicate":
                target.append(copy.deepcopy(target[index]))
            else:
                target.insert(index, draw(JSON_VALUES))
    return message


def assert_readable(outcome) -> None:
    if outcome.ok:
        assert outcome.update is not None
        return
    text = outcome.error
    assert isinstance(text, str) and 0 < len(text) < 400
    assert "\n" not in text and text.isprintable()
    assert "Traceback" not in text and "validation error" not in text
    assert text[0].isupper()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_messages(playlist()))
def test_mutated_playlists_are_accepted_or_rejected_readably(message):
    assert_readable(validate_update("playlist", message, site_id="SITE-0042"))
    # The same through the byte path the agent uses.
    assert_readable(validate_update("playlist", json.dumps(message).encode()))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_messages(configuration()))
def test_mutated_configurations_are_accepted_or_rejected_readably(message):
    assert_readable(validate_update("configuration", message, site_id="SITE-0042"))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200) | JSON_VALUES.map(lambda v: json.dumps(v).encode()))
def test_arbitrary_bytes_are_rejected_readably(raw):
    assert_readable(validate_update("playlist", raw))
    assert_readable(validate_update("configuration", raw))
