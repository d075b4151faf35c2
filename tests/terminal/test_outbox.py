"""The outbox repository (terminal.outbox): a record's life, its recovery after a crash,
the counts a rig reads while a terminal writes."""

from __future__ import annotations

import sqlite3

from terminal.outbox import Outbox, PopRow, delivery_counts


def open_one(outbox: Outbox, start: int) -> str:
    return outbox.open_record(filename="a.mp4", asset_id="A1", ti_number="TI-1",
                              start_ms=start, screen_state="Full", site_id="S",
                              screen_id="T1")


def test_lifecycle_and_recovery(tmp_path):
    outbox = Outbox(tmp_path / "outbox.db")
    done = open_one(outbox, 1_000)
    outbox.mark_progress(done, 1_500)
    outbox.close_record(done, 2_000)
    cut = open_one(outbox, 3_000)
    outbox.mark_progress(cut, 3_900)
    outbox.mark_progress(cut, 3_400)  # progress never moves back
    assert outbox.pending_count() == 2
    assert outbox.recover() == 1
    rows = {r.record_id: r for r in outbox.rows()}
    assert (rows[done].start_ms, rows[done].end_ms) == (1_000, 2_000)
    assert (rows[cut].start_ms, rows[cut].end_ms) == (3_000, 3_900)
    assert outbox.recover() == 0
    outbox.close_record(cut, 9_999)  # a closed record is never reopened or moved
    assert {r.record_id: r for r in outbox.rows()}[cut].end_ms == 3_900
    outbox.close()
    db = sqlite3.connect(tmp_path / "outbox.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_counts_read_without_writing_and_zeros_without_an_outbox(tmp_path):
    path = tmp_path / "outbox.db"
    assert delivery_counts(path)["records"] == 0 and not path.exists()
    outbox = Outbox(path)
    outbox.add_finished([PopRow("r1", "a.mp4", "A1", None, 1_000, 2_000, 2_000, "Full", "S",
                                "T1"),
                         PopRow("r2", "a.mp4", "A1", None, 2_000, 3_000, 3_000, "Full", "S",
                                "T1")])
    open_one(outbox, 3_000)
    outbox.mark_pop_sent(["r1"], 9_000)
    outbox.queue_notification({"id": "n1", "notificationType": "MEDIA_CHECK"}, 9_000)
    assert delivery_counts(path) == {"records": 3, "finished": 2, "sent": 1, "pending": 1,
                                     "notifications_pending": 1}
    assert outbox.integrity() == "ok"
    outbox.close()
