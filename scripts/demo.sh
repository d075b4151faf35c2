#!/usr/bin/env bash
# `make demo`: validate the bundled sample messages, show how a bad one is refused,
# then run the whole product on this machine (gstv demo): the reference cloud with the
# sample site, three terminals each with `gstv agent` and `gstv player`, a simulated
# payment terminal, a live table and a summary. DEMO_SECONDS changes its length.
set -euo pipefail
cd "$(dirname "$0")/.."
gstv=.venv/bin/gstv
samples=assets/samples

echo "== gstv validate playlist $samples/playlist.json --site-id SITE-0042"
$gstv validate playlist "$samples/playlist.json" --site-id SITE-0042
echo
echo "== gstv validate config $samples/config.json --site-id SITE-0042"
$gstv validate config "$samples/config.json" --site-id SITE-0042
echo
broken=$(mktemp --suffix=.json)
trap 'rm -f "$broken"' EXIT
sed 's/"type": "advertising"/"type": "infomercial"/' "$samples/playlist.json" > "$broken"
echo "== the same playlist with an asset type that does not exist (exit status 1)"
$gstv validate playlist "$broken" --site-id SITE-0042 || echo "(exit status $?)"
echo
echo "== gstv demo: the sample site of three terminals, for ${DEMO_SECONDS:-60} s"
echo "   (the reference cloud, and per terminal a content agent and a player; a simulated"
echo "    payment terminal runs transactions with PCI prompts; DISPLAY set: real windows)"
$gstv demo --seconds "${DEMO_SECONDS:-60}"
