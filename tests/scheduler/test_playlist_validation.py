"""Playlist update validation: every seed text, the first-defect order, our own rules."""

from __future__ import annotations

from typing import Any

import pytest

from scheduler.errors import UpdateRejected
from scheduler.playlist_validation import parse_playlist_update
from tests.messages import SITE, asset, mutated, playlist, sample
from tests.scheduler import seed_texts


def site(m):
    return m["playlist"][0]


def banner(m):
    return site(m)["banners"][0]


def schedule(m):
    return site(m)["schedules"][0]


def loop(m):
    return schedule(m)["loops"][0]


def the_asset(m):
    return loop(m)["assets"][0]


def daypart(m):
    return the_asset(m)["dayparts"][0]


def coupon(m):
    return the_asset(m)["coupons"][0]


def drop(where, *keys):
    def change(m):
        for key in keys:
            del where(m)[key]
    return change


def put(where, key, value):
    def change(m):
        where(m)[key] = value
    return change


def both(*changes):
    def change(m):
        for c in changes:
            c(m)
    return change


def top(m):
    return m


# (seed text with placeholders, change to the valid message, expected exact text)
SEED_CASES = [
    ("GUID is Missing", drop(top, "guid"), "GUID is Missing"),
    ("Updated On is Missing", drop(top, "updatedOn"), "Updated On is Missing"),
    ("Updated On is Incorrectly Formatted", put(top, "updatedOn", "2026-11-22T10:00:00Z"),
     "Updated On is Incorrectly Formatted"),
    ("The Playlist Structure is Missing Information", drop(top, "playlist"),
     "The Playlist Structure is Missing Information"),
    ("Site Identifier is Missing", drop(site, "siteId"), "Site Identifier is Missing"),
    ("Banner Filename is Missing", drop(banner, "filename"), "Banner Filename is Missing"),
    ("Banner Filename is Missing Extension - {filename}", put(banner, "filename", "welcome"),
     "Banner Filename is Missing Extension - welcome"),
    ("Banner Type is Missing for {filename}", drop(banner, "type"),
     "Banner Type is Missing for b.png"),
    ("Banner Start Date is Missing for {filename}", drop(banner, "start"),
     "Banner Start Date is Missing for b.png"),
    ("Banner End Date is Missing for {filename}", drop(banner, "end"),
     "Banner End Date is Missing for b.png"),
    ("Banner Structure is Missing Information", drop(banner, "filename", "type"),
     "Banner Structure is Missing Information"),
    ("Banner Start Date is After End Date for {filename}", put(banner, "start", "2026-12-01"),
     "Banner Start Date is After End Date for b.png"),
    ("Banner Type Does Not Exist", put(banner, "type", "midfueling"),
     "Banner Type Does Not Exist"),
    ("Schedule Structure is Missing Information", drop(site, "schedules"),
     "Schedule Structure is Missing Information"),
    ("Segment ID is Missing", drop(schedule, "segmentId"), "Segment ID is Missing"),
    ("Segment Date is Missing", drop(schedule, "date"), "Segment Date is Missing"),
    ("Schedule Date is Incorrectly Formatted", put(schedule, "date", "11/23/2026"),
     "Schedule Date is Incorrectly Formatted"),
    ("Loop Structure is Missing Information", drop(schedule, "loops"),
     "Loop Structure is Missing Information"),
    ("Loop Number is Missing", drop(loop, "loopNumber"), "Loop Number is Missing"),
    ("Loop Number is Incorrectly Formatted", put(loop, "loopNumber", "first"),
     "Loop Number is Incorrectly Formatted"),
    ("Asset Structure is Missing Information", drop(loop, "assets"),
     "Asset Structure is Missing Information"),
    ("Asset ID is Missing for {filename}", drop(the_asset, "assetId"),
     "Asset ID is Missing for clip.mp4"),
    ("Asset Filename is Missing", drop(the_asset, "filename"), "Asset Filename is Missing"),
    ("Asset Filename is Missing Extension - {filename}", put(the_asset, "filename", "clip"),
     "Asset Filename is Missing Extension - clip"),
    ("Asset Type is Missing for {filename}", drop(the_asset, "type"),
     "Asset Type is Missing for clip.mp4"),
    ("Asset Type Does Not Exist", put(the_asset, "type", "infomercial"),
     "Asset Type Does Not Exist"),
    ("Asset Start Date is Missing for {filename}", drop(the_asset, "start"),
     "Asset Start Date is Missing for clip.mp4"),
    ("Asset End Date is Missing for {filename}", drop(the_asset, "end"),
     "Asset End Date is Missing for clip.mp4"),
    ("Asset Information is Missing", drop(the_asset, "filename", "assetId"),
     "Asset Information is Missing"),
    ("Start Date is Incorrectly Formatted for {filename}", put(the_asset, "start", "2026-11-1"),
     "Start Date is Incorrectly Formatted for clip.mp4"),
    ("End Date is Incorrectly Formatted for {filename}", put(the_asset, "end", "2026-02-30"),
     "End Date is Incorrectly Formatted for clip.mp4"),
    ("Start Date is After End Date for {filename}", put(the_asset, "start", "2026-12-25"),
     "Start Date is After End Date for clip.mp4"),
    ("Asset Daypart Start Time is Missing for {filename}", drop(daypart, "start"),
     "Asset Daypart Start Time is Missing for clip.mp4"),
    ("Asset Daypart End Time is Missing for {filename}", drop(daypart, "end"),
     "Asset Daypart End Time is Missing for clip.mp4"),
    ("Asset Daypart Information is Missing", both(drop(the_asset, "filename"),
                                                  drop(daypart, "end")),
     "Asset Daypart Information is Missing"),
    ("Start Time is Incorrectly Formatted for {filename}", put(daypart, "start", "6:00"),
     "Start Time is Incorrectly Formatted for clip.mp4"),
    ("End Time is Incorrectly Formatted for {filename}", put(daypart, "end", "10:60"),
     "End Time is Incorrectly Formatted for clip.mp4"),
    ("Daypart Start Time is After End Time for {filename}", put(daypart, "start", "11:00"),
     "Daypart Start Time is After End Time for clip.mp4"),
    ("Coupon Title is Missing", drop(coupon, "title"), "Coupon Title is Missing"),
    ("Coupon Detail is Missing", drop(coupon, "detail"), "Coupon Detail is Missing"),
    ("Coupon Barcode is Missing", drop(coupon, "barcode"), "Coupon Barcode is Missing"),
    ("Coupon Restriction is Missing", drop(coupon, "restriction"),
     "Coupon Restriction is Missing"),
    ("Coupon Valid From is Missing", drop(coupon, "validFrom"), "Coupon Valid From is Missing"),
]


def rejection(message: Any, site_id: str | None = None) -> str:
    with pytest.raises(UpdateRejected) as caught:
        parse_playlist_update(message, site_id=site_id)
    return caught.value.message


def test_the_base_message_and_the_sample_are_valid():
    assert parse_playlist_update(playlist(), site_id=SITE).guid == "guid-playlist-1"
    update = parse_playlist_update(sample("playlist.json"), site_id=SITE)
    assert len(update.site(SITE).schedules) == 7


@pytest.mark.parametrize(
    ("change", "expected"), [pytest.param(c, e, id=t) for t, c, e in SEED_CASES]
)
def test_seed_error_text(change, expected):
    assert rejection(mutated(playlist(), change)) == expected


def test_every_seed_text_is_covered():
    assert sorted(t for t, _, _ in SEED_CASES) == sorted(
        t for t in seed_texts.PLAYLIST if t != "Site ID Does Not Exist"
    )


def test_site_of_another_terminal_does_not_exist():
    message = mutated(playlist(), put(site, "siteId", "SITE-9999"))
    assert rejection(message, site_id=SITE) == "Site ID Does Not Exist"
    # Without the terminal's own site the same message is valid.
    assert parse_playlist_update(message).playlist[0].siteId == "SITE-9999"


def test_a_multi_site_update_is_valid_for_each_of_its_sites():
    other = mutated(playlist(), put(site, "siteId", "SITE-7"))["playlist"][0]
    message = mutated(playlist(), lambda m: m["playlist"].insert(0, other))
    update = parse_playlist_update(message, site_id=SITE)
    assert update.site(SITE) is not None and update.site("SITE-7") is not None


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(lambda m: m["playlist"].append({}),
                     "The Playlist Structure is Missing Information", id="empty-site-object"),
        pytest.param(put(top, "playlist", []), "The Playlist Structure is Missing Information",
                     id="empty-playlist-array"),
        pytest.param(put(site, "schedules", [{}]), "Schedule Structure is Missing Information",
                     id="empty-schedule-object"),
        pytest.param(put(schedule, "loops", []), "Loop Structure is Missing Information",
                     id="empty-loops-array"),
        pytest.param(put(loop, "assets", [{}]), "Asset Structure is Missing Information",
                     id="empty-asset-object"),
        pytest.param(put(site, "banners", [{}]), "Banner Structure is Missing Information",
                     id="empty-banner-object"),
        pytest.param(put(the_asset, "dayparts", [{}]),
                     "Asset Daypart Start Time is Missing for clip.mp4", id="empty-daypart"),
        pytest.param(put(the_asset, "coupons", [{}]), "Coupon Title is Missing",
                     id="empty-coupon"),
        pytest.param(put(top, "guid", "  "), "GUID is Missing", id="blank-guid"),
        pytest.param(put(top, "updatedOn", None), "Updated On is Missing", id="null-updatedOn"),
        pytest.param(put(top, "updatedOn", "2026-11-22 10:00:00"),
                     "Updated On is Incorrectly Formatted", id="updatedOn-without-millis"),
        pytest.param(put(top, "updatedOn", "2026-11-22 25:00:00.000"),
                     "Updated On is Incorrectly Formatted", id="updatedOn-hour-25"),
        pytest.param(put(loop, "loopNumber", 1.5), "Loop Number is Incorrectly Formatted",
                     id="fractional-loopNumber"),
        pytest.param(put(loop, "loopNumber", True), "Loop Number is Incorrectly Formatted",
                     id="boolean-loopNumber"),
        pytest.param(put(daypart, "end", "24:01"),
                     "End Time is Incorrectly Formatted for clip.mp4", id="daypart-past-24"),
    ],
)
def test_structure_edge_cases(change, expected):
    assert rejection(mutated(playlist(), change)) == expected


def test_accepted_spellings_and_optional_fields():
    message = mutated(
        playlist(updatedOn="2026-11-22 10:00:00:5"),  # colon before the milliseconds
        both(
            put(the_asset, "dayparts", [{"start": "20:00", "end": "24:00"}]),
            put(the_asset, "assetId", 1234),  # numeric ids are kept as text
            drop(the_asset, "tiNumber", "coupons"),
            put(site, "banners", []),
        ),
    )
    update = parse_playlist_update(message)
    parsed = update.playlist[0].schedules[0].loops[0].assets[0]
    assert parsed.assetId == "1234" and parsed.tiNumber is None and parsed.coupons == ()
    assert (parsed.dayparts[0].start, parsed.dayparts[0].end) == (20 * 60, 24 * 60)
    assert update.updatedOn.microsecond == 500_000


# First defect in document order: each message below has two defects; the earlier wins.
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(both(drop(top, "guid"), drop(top, "updatedOn")), "GUID is Missing",
                     id="guid-before-updatedOn"),
        pytest.param(both(put(top, "updatedOn", "x"), drop(site, "siteId")),
                     "Updated On is Incorrectly Formatted", id="updatedOn-before-site"),
        pytest.param(both(drop(site, "siteId"), drop(banner, "type")),
                     "Site Identifier is Missing", id="siteId-before-banners"),
        pytest.param(both(drop(banner, "type"), drop(schedule, "segmentId")),
                     "Banner Type is Missing for b.png", id="banners-before-schedules"),
        pytest.param(both(put(schedule, "date", "x"), drop(loop, "loopNumber")),
                     "Schedule Date is Incorrectly Formatted", id="schedule-before-loops"),
        pytest.param(both(drop(loop, "loopNumber"), drop(the_asset, "type")),
                     "Loop Number is Missing", id="loop-before-assets"),
        pytest.param(both(drop(the_asset, "type"), drop(daypart, "end")),
                     "Asset Type is Missing for clip.mp4", id="asset-before-dayparts"),
        pytest.param(both(put(daypart, "start", "x"), drop(coupon, "title")),
                     "Start Time is Incorrectly Formatted for clip.mp4",
                     id="dayparts-before-coupons"),
        pytest.param(both(drop(the_asset, "end"), put(the_asset, "start", "bad")),
                     "Start Date is Incorrectly Formatted for clip.mp4",
                     id="start-before-end-within-asset"),
    ],
)
def test_first_defect_in_document_order(change, expected):
    assert rejection(mutated(playlist(), change)) == expected


def test_first_defect_across_sibling_assets():
    def change(m):
        loop(m)["assets"] = [asset("one.mp4", type="bad"), asset("two"), asset("three.mp4")]
    assert rejection(mutated(playlist(), change)) == "Asset Type Does Not Exist"

    def change_later(m):
        loop(m)["assets"] = [asset("one.mp4"), asset("two"), asset("three.mp4", type="bad")]
    assert rejection(mutated(playlist(), change_later)) == (
        "Asset Filename is Missing Extension - two"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("../../etc/passwd.mp4",
                     "Asset Filename is Not a Plain File Name (contains a path separator) - "
                     "../../etc/passwd.mp4", id="traversal"),
        pytest.param("/var/lib/gstv/outbox.db",
                     "Asset Filename is Not a Plain File Name (contains a path separator) - "
                     "/var/lib/gstv/outbox.db", id="absolute"),
        pytest.param("media\\clip.mp4",
                     "Asset Filename is Not a Plain File Name (contains a path separator) - "
                     "media\\clip.mp4", id="backslash"),
        pytest.param("..", "Asset Filename is Not a Plain File Name (is a directory reference)"
                     " - ..", id="dot-dot"),
        pytest.param("clip\x00.mp4", "Asset Filename is Not a Plain File Name (contains a "
                     "control character) - clip\\x00.mp4", id="nul"),
        pytest.param("clip\n.mp4", "Asset Filename is Not a Plain File Name (contains a "
                     "control character) - clip\\x0a.mp4", id="newline"),
        pytest.param(".clip.mp4.part", "Asset Filename is Not a Plain File Name (starts with a "
                     "dot) - .clip.mp4.part", id="hidden"),
        pytest.param("x" * 300 + ".mp4", "Asset Filename is Not a Plain File Name (is longer "
                     "than 255 bytes) - " + "x" * 77 + "...", id="too-long"),
        pytest.param(42, "Asset Filename is Incorrectly Formatted", id="not-text"),
    ],
)
def test_dangerous_asset_filenames_are_rejected(name, expected):
    assert rejection(mutated(playlist(), put(the_asset, "filename", name))) == expected


def test_dangerous_banner_filename_is_rejected():
    message = mutated(playlist(), put(banner, "filename", "../b.png"))
    assert rejection(message) == (
        "Banner Filename is Not a Plain File Name (contains a path separator) - ../b.png"
    )


def test_a_name_with_two_dots_inside_is_a_plain_name():
    message = mutated(playlist(), put(the_asset, "filename", "spot..final.mp4"))
    assert parse_playlist_update(message).playlist[0].schedules[0].loops[0].assets[0].filename


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(put(site, "schedules", [dict(segmentId=f"S{i}", date="2026-11-23",
                                                  loops=[{"loopNumber": 1,
                                                          "assets": [asset()]}])
                                             for i in range(401)]),
                     "Schedule Structure has Too Many Entries (401, at most 400)",
                     id="schedules"),
        pytest.param(put(schedule, "loops", [{"loopNumber": i, "assets": [asset()]}
                                             for i in range(501)]),
                     "Loop Structure has Too Many Entries (501, at most 500)", id="loops"),
        pytest.param(put(loop, "assets", [asset()] * 2001),
                     "Asset Structure has Too Many Entries (2001, at most 2000)", id="assets"),
        pytest.param(put(the_asset, "dayparts", [{"start": "01:00", "end": "02:00"}] * 97),
                     "Asset Dayparts for clip.mp4 has Too Many Entries (97, at most 96)",
                     id="dayparts"),
        pytest.param(put(coupon, "title", "t" * 1025),
                     "Coupon Title for clip.mp4 is Too Long (1025 characters, at most 1024)",
                     id="long-text"),
        pytest.param(put(top, "guid", "g" * 2000),
                     "GUID is Too Long (2000 characters, at most 1024)", id="long-guid"),
    ],
)
def test_absurd_sizes_are_rejected(change, expected):
    assert rejection(mutated(playlist(), change)) == expected


def test_total_assets_over_the_update_are_capped():
    def change(m):
        schedule_ = schedule(m)
        loops = [{"loopNumber": n, "assets": [asset()] * 2000} for n in range(1, 251)]
        site(m)["schedules"] = [dict(schedule_, date=f"2026-11-{d:02d}", loops=loops)
                                for d in (1, 2)]
    assert rejection(mutated(playlist(), change)) == (
        "The Playlist has Too Many Assets (at most 500000 in one update)"
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(lambda m: site(m)["schedules"].append(dict(schedule(m), segmentId="S2")),
                     "Schedule Date is Duplicated - 2026-11-23", id="duplicate-date"),
        pytest.param(put(coupon, "barcode", "12345"),
                     "Coupon Barcode is Incorrectly Formatted for clip.mp4 "
                     "(a UPC-A barcode is 11 digits, or 12 with its check digit)",
                     id="short-barcode"),
        pytest.param(put(coupon, "barcode", "0360002914521"),
                     "Coupon Barcode is Incorrectly Formatted for clip.mp4 "
                     "(a UPC-A barcode is 11 digits, or 12 with its check digit)",
                     id="13-digits"),
        pytest.param(put(coupon, "barcode", "0360002914a"),
                     "Coupon Barcode is Incorrectly Formatted for clip.mp4 "
                     "(a UPC-A barcode is 11 digits, or 12 with its check digit)",
                     id="letter"),
        pytest.param(put(coupon, "barcode", "\u0660\u0663\u0666" + "00029145"),
                     "Coupon Barcode is Incorrectly Formatted for clip.mp4 "
                     "(a UPC-A barcode is 11 digits, or 12 with its check digit)",
                     id="arabic-indic-digits"),
        pytest.param(put(coupon, "barcode", "036000291457"),
                     "Coupon Barcode Check Digit is Wrong for clip.mp4 "
                     "(7, where 03600029145 takes 2)", id="wrong-check-digit"),
        pytest.param(put(site, "banners", "b.png"), "Banner Structure is Incorrectly Formatted",
                     id="banners-not-array"),
        pytest.param(put(top, "playlist", {"siteId": SITE}),
                     "The Playlist Structure is Incorrectly Formatted", id="playlist-object"),
        pytest.param(put(the_asset, "dayparts", ["06:00-10:00"]),
                     "Asset Daypart is Incorrectly Formatted for clip.mp4", id="daypart-text"),
        pytest.param(put(site, "siteId", {"id": 1}), "Site Identifier is Incorrectly Formatted",
                     id="siteId-object"),
    ],
)
def test_own_rules_have_clear_messages(change, expected):
    assert rejection(mutated(playlist(), change)) == expected


def test_models_are_frozen_and_dump_back_to_seed_spellings():
    update = parse_playlist_update(playlist())
    dumped = update.model_dump(mode="json", exclude_none=True)
    assert dumped["updatedOn"] == "2026-11-22 10:00:00.000"
    assert dumped["playlist"][0]["schedules"][0]["loops"][0]["assets"][0]["dayparts"] == [
        {"start": "06:00", "end": "10:00"}
    ]
    # A dumped update validates to the same update: what the agent stages, the player reads.
    assert parse_playlist_update(dumped) == update
    with pytest.raises(Exception):
        update.guid = "other"  # type: ignore[misc]


@pytest.mark.parametrize(("given", "drawn"), [
    pytest.param("03600029145", "036000291452", id="11-digits-as-gstv-sends"),
    pytest.param("036000291452", "036000291452", id="12-digits-right-check-digit"),
    pytest.param("07084700010", "070847000105", id="another-11"),
])
def test_a_coupon_barcode_is_kept_as_the_12_digits_to_draw(given, drawn):
    update = parse_playlist_update(mutated(playlist(), put(coupon, "barcode", given)))
    asset = update.playlist[0].schedules[0].loops[0].assets[0]
    assert asset.coupons[0].barcode == drawn
