"""The site's "offline since" instant from the agent's record of its last contact."""

from __future__ import annotations

from terminal.cloud_contact import (
    CONTACT_FILE,
    contact_record,
    last_contact_ms,
    offline_after_ms,
    offline_since,
)


def test_offline_only_past_three_missed_polls_and_since_the_last_contact():
    after = offline_after_ms(60)
    assert after == 240_000  # three polls of 60 s and one poll's deadline
    assert offline_since(1_000, 1_000 + after, after) is None  # one more poll may answer
    assert offline_since(1_000, 1_001 + after, after) == 1_000
    assert offline_since(None, 10**13, after) is None  # never reached: online


def test_a_missing_or_damaged_record_reads_as_none(tmp_path):
    assert last_contact_ms(tmp_path) is None
    for text in ("", "{", '{"last_contact_ms": "yesterday"}', '{"last_contact_ms": true}',
                 "[]"):
        (tmp_path / CONTACT_FILE).write_text(text)
        assert last_contact_ms(tmp_path) is None, text
    (tmp_path / CONTACT_FILE).write_bytes(contact_record(1_796_000_000_000))
    assert last_contact_ms(tmp_path) == 1_796_000_000_000
