#!/usr/bin/env bash
# Regenerate the small demo clips and banners in assets/media/ that the sample
# playlist and configuration name. A developer tool (needs ffmpeg); the results are
# committed, so nothing at run time or in CI needs ffmpeg.
#
# Each clip is 320x180, 30 fps, H.264 + AAC, with its own test pattern and tone so a
# person can tell them apart on screen and by ear. Across the top eighth, frame N
# carries N in binary as 16 black/white cells (as assets/sync/frame-counter.mp4 does
# across its top half): `make demo` reads them back from each headless screen to
# measure how far apart the screens show the same frame.
set -euo pipefail
cd "$(dirname "$0")/../assets/media"

clip() {  # name seconds video-source tone-hz
    local sep="="; [[ $3 == *=* ]] && sep=":"
    ffmpeg -loglevel error -y \
        -f lavfi -i "$3$sep""size=320x180:rate=30:duration=$2" \
        -f lavfi -i "color=c=black:size=320x22:rate=30:duration=$2" \
        -f lavfi -i "sine=frequency=$4:sample_rate=48000:duration=$2" \
        -filter_complex "[1:v]format=yuv420p,geq=lum='255*mod(floor(N/pow(2\,15-floor(X*16/W)))\,2)':cb=128:cr=128[band];[0:v][band]overlay=0:0,format=yuv420p[v]" \
        -map "[v]" -map 2:a \
        -c:v libx264 -preset veryfast -crf 34 -pix_fmt yuv420p -g 30 \
        -c:a aac -b:a 48k -ac 2 -shortest -movflags +faststart "$1"
}
banner() {  # name colour
    ffmpeg -loglevel error -y -f lavfi -i "color=c=$2:size=640x120" -frames:v 1 "$1"
}

clip gstv-news-open.mp4        12 testsrc2   440
clip acme-coffee-15s.mp4       15 smptebars  523
clip tyre-shop-15s.mp4         15 rgbtestsrc 587
clip gstv-weather.mp4          10 testsrc    659
clip speedy-rewards.mp4         8 smptehdbars 698
clip late-night-snacks-15s.mp4 15 "color=c=navy" 784
clip amber-alert-psa.mp4        6 "color=c=orange" 880
clip gstv-sports.mp4           12 testsrc2   988
clip car-wash-15s.mp4          15 "color=c=teal" 330
clip gstv-blankout.mp4         10 "color=c=black" 220
banner banner-welcome.png  darkgreen
banner banner-thanks.png   darkblue
banner banner-holiday.png  darkred
