#!/usr/bin/env bash
# Regenerate assets/sync/frame-counter.mp4, the frame-numbered clip `gstv sim` plays on
# every simulated screen. A developer tool (needs ffmpeg); the result is committed.
#
# 320x180, 30 fps, 10 s, H.264 with a keyframe every half second (a screen rejoins
# at a keyframe: see player.keyframes) + AAC (a 440 Hz tone beeping every second). Frame N
# draws N in binary as 16 black/white cells across the top half, most significant bit
# first (player.engine.read_frame_number reads it back from the headless picture
# buffer), and N in digits below for a person looking at a screenshot.
set -euo pipefail
cd "$(dirname "$0")/../assets/sync"
ffmpeg -loglevel error -y \
    -f lavfi -i "color=c=black:size=320x180:rate=30:duration=10" \
    -f lavfi -i "sine=frequency=440:beep_factor=4:sample_rate=48000:duration=10" \
    -vf "geq=lum='if(lt(Y\,H/2)\,255*mod(floor(N/pow(2\,15-floor(X*16/W)))\,2)\,16)':cb=128:cr=128,drawtext=text='%{n}':fontsize=64:fontcolor=white:x=(w-tw)/2:y=h*0.55" \
    -c:v libx264 -preset veryfast -crf 20 -pix_fmt yuv420p -g 15 \
    -c:a aac -b:a 48k -ac 2 -shortest -movflags +faststart frame-counter.mp4
