#!/usr/bin/env bash
# Regenerate the short clips the player tests use (tests/data/). A developer tool (needs
# ffmpeg); the results are committed. 160x90, 30 fps, 1 keyframe a second, with a tone.
set -euo pipefail
cd "$(dirname "$0")/../tests/data"
clip() {  # name seconds pattern tone
    ffmpeg -loglevel error -y -f lavfi -i "$3=size=160x90:rate=30:duration=$2" \
        -f lavfi -i "sine=frequency=$4:sample_rate=48000:duration=$2" \
        -c:v libx264 -preset veryfast -crf 36 -pix_fmt yuv420p -g 30 \
        -c:a aac -b:a 32k -ac 1 -shortest -movflags +faststart "$1"
}
clip one.mp4   1 testsrc2 440
clip two.mp4   1.5 smptebars 660
clip three.mp4 2 rgbtestsrc 880
