#!/usr/bin/env bash
# `make demo` until the full site demo exists: validate the bundled sample messages,
# show how a bad one is refused, describe the sample playlist, and run a small site
# in sync (gstv sim).
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
echo "== gstv summary $samples/playlist.json"
$gstv summary "$samples/playlist.json"
echo
echo "== gstv sim --terminals 3 --duration 20 --clock-faults --prompts"
echo "   (three players on this machine, clocks up to 2 s and 200 ppm apart, random"
echo "    payment prompts; the skew is how far apart the screens show the same frame)"
$gstv sim --terminals 3 --duration "${SIM_SECONDS:-20}" --clock-faults --prompts
