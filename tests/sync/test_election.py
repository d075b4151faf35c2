from __future__ import annotations

from sync.election import Candidate, choose_leader


def test_the_lowest_in_step_id_leads():
    me = Candidate("T3", True)
    assert choose_leader(me, [Candidate("T2", True), Candidate("T4", True)]) == "T2"


def test_a_terminal_not_in_step_never_leads_over_one_in_step():
    # The site's old leader T1, just restarted on its own clock, follows T2 first.
    me = Candidate("T1", False)
    assert choose_leader(me, [Candidate("T2", True), Candidate("T3", True)]) == "T2"


def test_the_configured_leader_wins_when_it_is_in_step():
    me = Candidate("T1", True)
    peers = [Candidate("T2", True), Candidate("T3", True)]
    assert choose_leader(me, peers, configured="T3") == "T3"
    out = [Candidate("T2", True), Candidate("T3", False)]
    assert choose_leader(me, out, configured="T3") == "T1"


def test_when_nobody_is_in_step_the_lowest_reachable_starts_the_site():
    me = Candidate("T2", False)
    assert choose_leader(me, [Candidate("T3", False), Candidate("T1", False)]) == "T1"
    assert choose_leader(me, []) == "T2"
