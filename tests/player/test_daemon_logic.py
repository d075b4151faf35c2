"""The player's logic on a fake screen in virtual time (tests/player/fakes.py): slots,
joins, prompts, proof of play and steering, with the real daemon, slot loop, content
choice, POP tracker and steering. No libVLC and no sleeps: a minute of playback takes a
moment, and every instant is exact."""

from __future__ import annotations

import json
import logging

import pytest

from player.daemon import HEAP_TRIM_CLEAR_MS, HEAP_TRIM_INTERVAL_S, HEAP_TRIM_OVERDUE_S
from player.payment_protocol import PaymentState
from player.media_timing import MediaTiming
from player.rate import RATE_BASE
from player.engine import START_LEAD_MS
from player.slot_loop import JOIN_HEADROOM_MS
from player.steering import REJOIN_AFTER_TICKS, STEER_INTERVAL_S
from tests.player.fakes import noon_today_ms, virtual_player
from tests.messages import SAMPLES
from tests.player.harness import asset, stage, terminal_config

DURATIONS = {"one.mp4": 1000, "two.mp4": 1500, "three.mp4": 2000}
IDLE, PROMPT = PaymentState(), PaymentState(prompting=True)
PRE, FUELING = PaymentState(phase="prefueling"), PaymentState(phase="fueling")
POST = PaymentState(phase="postfueling")


def three_clips(tmp_path):
    config = terminal_config(tmp_path)
    stage(config, [asset("one.mp4", "A1"), asset("two.mp4", "A2"), asset("three.mp4", "A3")])
    return config


async def test_every_slot_goes_on_screen_at_its_exact_instant(tmp_path):
    async with virtual_player(three_clips(tmp_path), DURATIONS) as player:
        await player.advance(20)
        started = player.started()
        timeline = player.timeline
    assert len(started) >= 12
    first_at = started[0][0]
    # The first join: 300 ms of headroom from the start (no keyframes known: any instant).
    assert first_at - (player.clock.now_ms() - 20_000) >= JOIN_HEADROOM_MS - 1
    for at, label in started[1:]:
        slot = timeline.slot_at(at)
        assert (slot.start, slot.filename) == (at, label)  # on its boundary, to the ms
    # Every deck was unpaused START_LEAD_MS ahead of its instant, never after it.
    for deck in player.screen.decks.values():
        assert deck.started_at is not None


@pytest.mark.parametrize(("start_after_noon_ms", "first_at"), [
    pytest.param(0, 1_000, id="joins-at-the-keyframe-1-s-in"),  # join due at 0.3 s
    pytest.param(1_300, 2_000, id="no-keyframe-left-next-boundary"),  # join due at 1.6 s
])
async def test_a_join_waits_for_the_next_keyframe_or_the_next_slot(tmp_path,
                                                                  start_after_noon_ms,
                                                                  first_at):
    config = terminal_config(tmp_path)
    stage(config, [asset("three.mp4", "A3")])
    noon = noon_today_ms()
    async with virtual_player(config, {"three.mp4": 2000}, start_ms=noon + start_after_noon_ms,
                              timing=lambda path: MediaTiming(keyframes_ms=(0, 1000))) as player:  # 2 s slots
        await player.advance(5)
        (at, label), *_ = player.started()
        first_preroll = player.screen.prerolled[0]
    assert (at - noon, label) == (first_at, "three.mp4")
    assert first_preroll == ("three.mp4", first_at % 2000)  # primed there, on its keyframe


async def test_a_webm_deck_opens_at_container_time_and_starts_its_clock_early(tmp_path):
    # VP9+Opus as ffmpeg muxes it: picture from +7 ms, sound blocks from -6.5 ms.
    webm = MediaTiming(keyframes_ms=(0, 1000), video_start_ms=7.0, audio_start_ms=-6.5,
                       audio_codec_delay_ms=6.5, origin_known=True)
    config = terminal_config(tmp_path)
    stage(config, [asset("three.mp4", "A3")])
    noon = noon_today_ms()
    async with virtual_player(config, {"three.mp4": 2000}, start_ms=noon,
                              timing=lambda path: webm) as player:
        await player.advance(5)
        (at, _), *_ = player.started()
        seek = player.screen.prerolled[0]
        unpaused_at = player.clock.site_at_monotonic(round(player.screen.unpauses[0] * 1e9))
    # The join at the keyframe 1 s in opens the file at its container time, and the
    # clock starts the codec delay early (what libVLC does after a seek).
    assert (at - noon, seek) == (1000, ("three.mp4", 1007))
    assert at - unpaused_at == pytest.approx(START_LEAD_MS + 6.5, abs=0.01)


def test_the_clock_lead_of_each_kind_of_file():
    webm = MediaTiming(video_start_ms=7.0, audio_start_ms=-6.5, audio_codec_delay_ms=6.5,
                       origin_known=True)
    assert webm.clock_lead_ms(0) == 13.5  # from the start: the sound's first sample
    assert webm.clock_lead_ms(20) == 6.5  # after a seek: the codec delay
    assert webm.seek_ms(0) == 0 and webm.seek_ms(20) == 27
    vorbis = MediaTiming(video_start_ms=3.0, audio_start_ms=0.0, origin_known=True)
    assert vorbis.clock_lead_ms(0) == 3.0 and vorbis.clock_lead_ms(2000) == 0
    silent = MediaTiming(video_start_ms=14.0, origin_known=True)
    assert silent.clock_lead_ms(0) == 0 and silent.clock_lead_ms(500) == 0
    assert MediaTiming(keyframes_ms=(0,)).clock_lead_ms(0) == 0  # MP4: edit lists


async def test_a_prompt_hides_at_once_and_the_deck_behind_it_shows_again_at_its_end(tmp_path):
    async with virtual_player(three_clips(tmp_path), DURATIONS) as player:
        await player.advance(3)
        prompt_at = player.clock.now_ms()
        player.daemon.on_payment_change(IDLE, PROMPT)
        # Hidden in the same moment: the first composition since asks for the prompt.
        assert player.screen.composed[-1][1].prompting
        shows_before = len(player.screen.shown)
        unpauses_before = len(player.screen.unpauses)
        await player.advance(4)
        assert len(player.screen.shown) == shows_before  # nothing shown behind it
        # ... but the slots went on starting on their instants, hidden.
        assert len(player.screen.unpauses) > unpauses_before
        pop_during = [r for r in player.pop.rows() if r["start_ms"] > prompt_at]
        player.daemon.on_payment_change(PROMPT, IDLE)
        ended_at = player.clock.now_ms()
        await player.advance(1)
        back_at, label = player.started()[shows_before]
        rows = player.pop.rows()
        timeline = player.timeline
    assert not player.screen.composed[-1][1].prompting
    assert pop_during == []  # no POP record behind a prompt
    assert back_at == ended_at  # the next picture, no rejoin
    assert timeline.slot_at(back_at).filename == label  # where the timeline is, not
    assert back_at - prompt_at >= 4000  # where it stopped
    revealed = [r for r in rows if r["start_ms"] == ended_at]  # a record from the reveal
    assert [r["filename"] for r in revealed] == [label]


async def test_a_clock_step_behind_a_prompt_makes_the_screen_rejoin_at_its_end(tmp_path,
                                                                               caplog):
    async with virtual_player(three_clips(tmp_path), DURATIONS) as player:
        await player.advance(3)
        player.daemon.on_payment_change(IDLE, PROMPT)
        shows_before = len(player.screen.shown)
        await player.advance(1)
        with caplog.at_level(logging.INFO, logger="player.slot_loop"):
            player.clock.site.correct(900.0)  # stepped while hidden
            await player.advance(1)
            assert len(player.screen.shown) == shows_before  # still hidden
            player.daemon.on_payment_change(PROMPT, IDLE)
            ended_at = player.clock.now_ms()
            await player.advance(3)
        back_at, label = player.started()[shows_before]
        timeline = player.timeline
    assert "rejoin reason=clock_step" in caplog.text
    assert ended_at + JOIN_HEADROOM_MS <= back_at < ended_at + JOIN_HEADROOM_MS + 2000
    assert timeline.slot_at(back_at).filename == label


async def test_pop_one_record_per_asset_shown_cut_short_by_a_prompt(tmp_path):
    async with virtual_player(three_clips(tmp_path), DURATIONS) as player:
        await player.advance(6)
        prompt_at = player.clock.now_ms()
        player.daemon.on_payment_change(IDLE, PROMPT)
        await player.advance(1)
        rows = player.pop.rows()
        timeline = player.timeline
    assert rows and all(r["end_ms"] is not None for r in rows)
    for row in rows[:-1]:  # each from its slot's start to its end, on the ms
        slot = timeline.slot_at(row["start_ms"])
        assert (row["filename"], row["start_ms"], row["end_ms"]) == (
            slot.filename, max(slot.start, rows[0]["start_ms"]), slot.end)
    assert rows[-1]["end_ms"] == prompt_at  # cut short where the prompt came
    assert [a["end_ms"] for a in rows[:-1]] == [b["start_ms"] for b in rows[1:]]


async def test_a_transaction_splits_the_record_partial_around_a_full_screen_fueling(
        tmp_path):
    config = terminal_config(tmp_path)
    stage(config, [asset("three.mp4", "A3")])
    # One 60 s slot from noon: the transaction falls inside it.
    async with virtual_player(config, {"three.mp4": 60_000},
                              start_ms=noon_today_ms()) as player:
        changes = []
        for old, new in ((IDLE, PRE), (PRE, FUELING), (FUELING, POST), (POST, IDLE)):
            await player.advance(1)
            changes.append(player.clock.now_ms())
            player.daemon.on_payment_change(old, new)
        await player.advance(1)
        rows = player.pop.rows()
        composed = [state.transaction for _, state in player.screen.composed[-4:]]
    states = [(r["screen_state"], r["start_ms"], r["end_ms"]) for r in rows]
    # Idle full screen, picture in picture before fueling, full screen while the fuel
    # flows (QA cases 195-198), picture in picture after, full screen again.
    assert [s[0] for s in states] == ["Full", "Partial", "Full", "Partial", "Full"]
    assert [s[1] for s in states[1:]] == changes
    assert [s[2] for s in states[:-1]] == changes
    assert composed == [True, False, True, False]


async def test_a_record_waits_for_the_first_picture_and_none_comes_for_black(tmp_path):
    config = terminal_config(tmp_path)
    stage(config, [asset("one.mp4", "A1"), asset("two.mp4", "A2")])
    async with virtual_player(config, DURATIONS, pictures="wait") as player:
        await player.advance(1.4)  # one.mp4 is on screen, no picture yet
        assert player.pop.records == {}
        showing = player.daemon.pop.showing
        deck = next(i for i, d in player.screen.decks.items() if d.label == showing.slot.filename)
        player.screen.trigger_picture(deck)
        await player.advance(0.1)
        first = player.pop.rows()
        # The next slot's file ends before any picture: black, never a record.
        await player.advance(showing.slot.end / 1000 - player.clock.now_ms() / 1000 + 0.05)
        nothing = player.daemon.pop.showing
        deck = next(i for i, d in player.screen.decks.items() if d.label == nothing.slot.filename)
        player.screen.trigger_end(deck)
        await player.advance(0.5)
        rows = player.pop.rows()
    assert len(first) == 1 and first[0]["start_ms"] == showing.since_ms  # from it appeared
    assert [r["filename"] for r in rows] == [showing.slot.filename]


async def test_a_file_that_will_not_open_is_black_for_its_slot_and_the_loop_goes_on(
        tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="player.slot_loop"):
        async with virtual_player(three_clips(tmp_path), DURATIONS,
                                  unopenable={"two.mp4"}) as player:
            await player.advance(12)
            labels = [label for _, label in player.started()]
            rows = player.pop.rows()
    assert None in labels and "two.mp4" not in labels and labels.count("three.mp4") >= 2
    assert {r["filename"] for r in rows} == {"one.mp4", "three.mp4"}
    assert "slot_skipped file=two.mp4 asset=A2 reason=cannot_open_or_decode" in caplog.text
    # In its place, for its slot only, the placeholder (GSTV's QA case 192).
    assert len(player.screen.placeholders) >= 2 and not player.screen.placeholder


async def test_an_idle_slot_is_black_without_the_placeholder(tmp_path):
    config = terminal_config(tmp_path)  # nothing staged: one idle slot
    async with virtual_player(config, DURATIONS) as player:
        await player.advance(3)
        assert player.screen.placeholders == [] and player.screen.active is None


async def test_a_swapped_evergreen_slot_records_the_file_shown_under_the_spots_asset(
        tmp_path):
    config = terminal_config(tmp_path)
    stage(config, [asset("one.mp4", "A1"), asset("three.mp4", "A3")],
          media=["one.mp4", "three.mp4", "two.mp4"])
    network = json.loads((SAMPLES / "network.json").read_text())
    network["configuration"][0]["evergreen"] = [
        {"filename": "one.mp4", "expiryHours": 0, "swapFilename": "two.mp4"}]
    (config.active_dir / "network.json").write_text(json.dumps(network))
    async with virtual_player(config, DURATIONS) as player:
        await player.advance(8)
        labels = {label for _, label in player.started()}
        rows = player.pop.rows()
    assert "one.mp4" not in labels and "two.mp4" in labels
    swapped = [r for r in rows if r["filename"] == "two.mp4"]
    assert swapped and all(r["asset_id"] == "A1" and r["ti_number"] is None for r in swapped)
    assert all(r["ti_number"] == "TI-A3" for r in rows if r["filename"] == "three.mp4")


async def test_a_staged_playlist_is_taken_at_a_boundary_never_mid_asset(tmp_path):
    config = terminal_config(tmp_path)
    stage(config, [asset("three.mp4", "A3")], media=["three.mp4", "one.mp4"])
    async with virtual_player(config, {"three.mp4": 10_000, "one.mp4": 1000}) as player:
        await player.advance(2)
        before = player.timeline
        stage(config, [asset("one.mp4", "A1")], media=[])
        staged_at = player.clock.now_ms()
        await player.advance(12)
        started = player.started()
        # A broken staged file: the playlist in force stays.
        (config.active_dir / "playlist.json").write_text("{not json")
        await player.advance(3)
        late = [label for _, label in player.started()[len(started):]]
    switch = next(at for at, label in started if label == "one.mp4")
    # At a boundary of the playlist in force (taken when the next slot is prepared,
    # 1.5 s before it), so three.mp4 played to the end of its slot, never cut.
    assert before.slot_at(switch - 1).end == switch
    assert switch <= before.slot_at(staged_at + 1_500).end
    assert {label for at, label in started if staged_at < at < switch} <= {"three.mp4"}
    assert set(late) == {"one.mp4"}


async def test_a_persistent_position_error_is_rejoined_not_steered_forever(tmp_path, caplog):
    config = terminal_config(tmp_path)
    stage(config, [asset("three.mp4", "A3")])
    with caplog.at_level(logging.WARNING, logger="player.daemon"):
        # From noon: the one 60 s slot lasts the whole test (from the wall clock's now,
        # a slot boundary a few seconds on made it flaky).
        async with virtual_player(config, {"three.mp4": 60_000},
                                  start_ms=noon_today_ms()) as player:
            await player.advance(1)
            deck = player.daemon.steering.playing.deck
            slot_start = player.daemon.steering.playing.slot_start
            frame_ms = 33.3667

            def late_pictures(by_ms: float) -> None:
                now_site = player.clock.now_ms()
                times = [round(player.clock.monotonic_at(slot_start + k * frame_ms + by_ms) * 1e9)
                         for k in range(int((now_site - slot_start - 300) / frame_ms),
                                        int((now_site - slot_start) / frame_ms))]
                player.screen.trigger_pictures(deck, times, frame_ms)

            late_pictures(3.0)  # a small error: steered by the rate
            await player.advance(STEER_INTERVAL_S * 3)
            assert player.screen.rates and 2.5 < player.daemon.steering.error_ms < 3.5
            assert "rejoin" not in caplog.text
            shows = len(player.screen.shown)
            for _ in range(REJOIN_AFTER_TICKS + 1):  # 14 ms, held: rejoined
                late_pictures(14.0)
                await player.advance(STEER_INTERVAL_S)
            await player.advance(1.5)
    assert "rejoin reason=position_error error_ms=14.0" in caplog.text
    assert len(player.screen.shown) > shows  # it went on screen again, at a new instant


@pytest.mark.parametrize(("off_ms", "revealed"), [(5.0, True), (14.0, False)])
async def test_a_deck_off_behind_a_prompt_is_shown_again_if_steering_can_close_it(
        tmp_path, caplog, off_ms, revealed):
    """A slot started behind a prompt is a few ms off as any start is: shown again at
    the prompt's end and steered; one off by more than steering closes is rejoined."""
    config = terminal_config(tmp_path)
    stage(config, [asset("three.mp4", "A3")])
    async with virtual_player(config, {"three.mp4": 60_000},
                              start_ms=noon_today_ms()) as player:
        await player.advance(1)
        player.daemon.on_payment_change(IDLE, PROMPT)
        playing = player.daemon.steering.playing
        now_site, frame_ms = player.clock.now_ms(), 33.3667
        player.screen.trigger_pictures(playing.deck, [
            round(player.clock.monotonic_at(playing.slot_start + k * frame_ms + off_ms) * 1e9)
            for k in range(int((now_site - playing.slot_start - 300) / frame_ms),
                           int((now_site - playing.slot_start) / frame_ms))], frame_ms)
        await player.advance(STEER_INTERVAL_S * 2)
        with caplog.at_level(logging.INFO, logger="player.slot_loop"):
            player.daemon.on_payment_change(PROMPT, IDLE)
            await player.advance(0.1)
    assert ("prompt_revealed" in caplog.text) is revealed
    assert ("rejoin reason=after_prompt" in caplog.text) is not revealed


async def test_a_clock_step_makes_the_screen_rejoin(tmp_path, caplog):
    async with virtual_player(three_clips(tmp_path), DURATIONS) as player:
        await player.advance(2)
        with caplog.at_level(logging.INFO, logger="player.slot_loop"):
            player.clock.site.correct(900.0)  # stepped: site time jumps 0.9 s
            await player.advance(3)
        started = player.started()
        timeline = player.timeline
    assert "rejoin reason=clock_step" in caplog.text
    after = [at for at, _ in started if at > player.clock.now_ms() - 3000]
    for at in after:
        assert timeline.slot_at(at).start == at or at == after[0]


async def test_the_zones_follow_the_phase_banners_and_coupons(tmp_path):
    config = terminal_config(tmp_path)
    coupon = {"title": "300 Bonus Points", "detail": "with coffee", "barcode": "03600029145",
              "restriction": "One per customer", "validFrom": "Today Only"}
    banners = [{"filename": "pre.png", "start": "2020-01-01", "end": "2099-12-31",
                "type": "prefueling"},
               {"filename": "post.png", "start": "2020-01-01", "end": "2099-12-31",
                "type": "postfueling"}]
    for name in ("pre.png", "post.png"):
        (config.media / name).write_bytes(b"\x89PNG banner")
    stage(config, [asset("three.mp4", "A3", coupons=[coupon])], banners=banners)
    durations = {"three.mp4": 10_000, "pre.png": 0, "post.png": 0}
    async with virtual_player(config, durations) as player:
        await player.advance(1)
        player.daemon.on_payment_change(IDLE, PRE)
        pre = player.screen.composed[-1][1]
        player.daemon.on_payment_change(PRE, FUELING)
        during = player.screen.composed[-1][1]
        player.daemon.on_payment_change(FUELING, PaymentState(phase="postfueling"))
        post = player.screen.composed[-1][1]
        player.daemon.on_payment_change(PaymentState(phase="postfueling"),
                                        PaymentState(phase="postfueling", prompting=True))
        prompt = player.screen.composed[-1][1]
    assert pre.transaction and pre.banner.name == "pre.png" and not pre.prompting
    assert during.banner is None and post.banner.name == "post.png"
    assert pre.coupon.barcode == "036000291452"  # the check digit computed for drawing
    assert prompt.prompting and prompt.pop_state == "Partial"


async def test_the_volume_schedule_is_applied(tmp_path):
    config = terminal_config(tmp_path)
    stage(config, [asset("one.mp4", "A1")])
    (config.active_dir / "config.json").write_text(json.dumps({
        "guid": "c-1", "updatedOn": "2026-11-22 10:00:00.000",
        "configuration": [{"siteId": config.site_id,
                           "volume": [{"startTime": "00:00", "level": 35}]}]}))
    async with virtual_player(config, DURATIONS) as player:
        await player.advance(2)
    assert player.screen.volumes and set(player.screen.volumes) == {35}
    assert RATE_BASE > 0


async def test_a_playlist_staged_after_the_start_plays_within_a_minute(tmp_path):
    """A terminal boots before its agent has anything: black, then the first playlist
    from the next idle minute on, not from midnight (bench/soak.py found it)."""
    config = terminal_config(tmp_path)
    async with virtual_player(config, DURATIONS, start_ms=noon_today_ms() + 5_000) as player:
        await player.advance(3)
        assert player.started() == [] or {label for _, label in player.started()} == {None}
        stage(config, [asset("one.mp4", "A1")])
        await player.advance(60)
        labels = [label for _, label in player.started()]
    assert "one.mp4" in labels


async def test_the_networks_volume_applies_where_the_site_sets_none(tmp_path):
    config = terminal_config(tmp_path)
    stage(config, [asset("one.mp4", "A1")])
    network = json.loads((SAMPLES / "network.json").read_text())
    network["configuration"][0]["volume"] = [{"startTime": "00:00", "level": 15}]
    (config.active_dir / "network.json").write_text(json.dumps(network))
    async with virtual_player(config, DURATIONS) as player:
        await player.advance(2)
    assert player.screen.volumes and set(player.screen.volumes) == {15}


async def test_a_halted_site_shows_no_banner_in_a_transaction(tmp_path):
    """Offline past shutdownHours: black and silent, the zones too."""
    import time as wall

    from sync_agent.staging import stage_atomically
    from terminal.cloud_contact import CONTACT_FILE, contact_record

    config = terminal_config(tmp_path)
    banner = {"filename": "one.mp4", "start": "2020-01-01", "end": "2099-12-31",
              "type": "prefueling"}
    stage(config, [asset("two.mp4", "A2")], banners=[banner], media=["two.mp4", "one.mp4"])
    network = json.loads((SAMPLES / "network.json").read_text())
    network["configuration"][0]["shutdownHours"] = 1
    (config.active_dir / "network.json").write_text(json.dumps(network))
    stage_atomically(config.agent_dir / CONTACT_FILE,
                     contact_record(int(wall.time() * 1000) - 2 * 3_600_000))
    async with virtual_player(config, DURATIONS) as player:
        await player.advance(2)
        player.daemon.on_payment_change(IDLE, PRE)
        await player.advance(1)
        state = player.screen.composed[-1][1]
        halted = player.daemon.halted
    assert halted is not None and halted["reason"] == "offline"
    assert state.transaction and state.banner is None and state.coupon is None
    assert player.started() == [] or {label for _, label in player.started()} == {None}


async def test_the_c_heap_is_trimmed_once_a_minute_away_from_slot_boundaries(tmp_path):
    config = terminal_config(tmp_path)
    stage(config, [asset("three.mp4", "A1"), asset("one.mp4", "A2")])
    durations = {"three.mp4": 20_000, "one.mp4": 3_000}  # a boundary every 3 or 20 s
    async with virtual_player(config, durations) as player:
        await player.advance(330)
        trimmed = player.heap.trimmed_at
        boundaries = [s.start for s in player.timeline.slots_between(
            trimmed[0] - 60_000, trimmed[-1] + 60_000)]
        status = await player.daemon.status()
    assert 4 <= len(trimmed) <= 5
    assert all(b - a >= HEAP_TRIM_INTERVAL_S * 1000 for a, b in zip(trimmed, trimmed[1:]))
    for at in trimmed:  # the heap's lock never held near a picture starting
        assert min(abs(at - b) for b in boundaries) >= HEAP_TRIM_CLEAR_MS
    assert status["heap"] == {"trims": len(trimmed), "longest_trim_ms": 0.0}


async def test_a_screen_without_a_quiet_moment_still_trims_when_overdue(tmp_path):
    config = terminal_config(tmp_path)
    stage(config, [asset("one.mp4", "A1"), asset("two.mp4", "A2")])  # 1 and 1.5 s slots
    async with virtual_player(config, DURATIONS) as player:
        started = player.clock.now_ms()
        await player.advance(HEAP_TRIM_OVERDUE_S - 5)
        assert player.heap.trimmed_at == []
        await player.advance(10)
        trimmed = player.heap.trimmed_at
    assert len(trimmed) == 1
    assert trimmed[0] - started >= HEAP_TRIM_OVERDUE_S * 1000
