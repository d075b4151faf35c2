#!/usr/bin/env bash
# Make the frame-numbered clips the sync rigs play (gstv sim --clip, bench/).
#
#   scripts/make-sync-clip.sh                      assets/sync/frame-counter.mp4 (committed)
#   scripts/make-sync-clip.sh NAME OUT [SECONDS]   one clip of the content matrix into OUT
#
# Every clip draws frame N's number in binary as 16 black/white cells across the top
# quarter of the picture, most significant bit first (player.frames.read_frame_number
# reads it back from any picture size), and N in digits below it for a person looking
# at a screenshot. The second quarter carries the clip's tag the same way, 0x5A00 plus
# the clip's place in the matrix (gstv_rigs.clips.clip_tag): an observer that sees only
# pixels (gstv_rigs.window_observer) tells from it which file a picture belongs to, and
# that a picture is one of these clips at all (black reads 0). The sound is a quiet 440 Hz bed, continuous (a gap or a prompt's
# silence shows in it), and a loud 1 kHz tone burst one frame long on every frame
# whose number is a multiple of 30 (about once a second): its onset is the sound mark
# the analysis finds (gstv_rigs.sound).
#
# The content matrix is made the way GSTV content usually is: widescreen, 2 s GOPs,
# encoders' defaults otherwise (x264 with B-frames, hence an edit list; libopus in WebM,
# hence audio that starts before the video):
#   webm720-vp9   1280x720   VP9 + Opus    WebM
#   webm1080-vp9  1920x1080  VP9 + Opus    WebM
#   webm720-vp8   1280x720   VP8 + Vorbis  WebM
#   mp4720-h264   1280x720   H.264 + AAC   MP4
#   mp41080-h264  1920x1080  H.264 + AAC   MP4
# with the suffix -2997 for 29.97 fps instead of 30 (webm720-vp9-2997, ...), and the
# prefix small- for a 320x180 version of the same encoding. The small 720p ones are
# committed under assets/sync/matrix/ (6 s each), for the tests. Below the cells the picture moves
# (ffmpeg's testsrc2), so a decoder has real work to do.
#
# A developer and rig tool (needs ffmpeg, which `make setup` installs for tests and
# benches); the terminal never runs it.
set -euo pipefail

if [ $# -eq 0 ]; then
    cd "$(dirname "$0")/../assets/sync"
    ffmpeg -loglevel error -y \
        -f lavfi -i "color=c=black:size=320x180:rate=30:duration=10" \
        -f lavfi -i "sine=frequency=440:beep_factor=4:sample_rate=48000:duration=10" \
        -vf "geq=lum='if(lt(Y\,H/2)\,255*mod(floor(N/pow(2\,15-floor(X*16/W)))\,2)\,16)':cb=128:cr=128,drawtext=text='%{n}':fontsize=64:fontcolor=white:x=(w-tw)/2:y=h*0.55" \
        -c:v libx264 -preset veryfast -crf 20 -pix_fmt yuv420p -g 15 \
        -c:a aac -b:a 48k -ac 2 -shortest -movflags +faststart frame-counter.mp4
    exit 0
fi

name=$1 out=$2 seconds=${3:-20}
base=${name#small-}
rate=30
case $base in
    *-2997) rate=30000/1001; base=${base%-2997} ;;
esac
case $base in
    webm720-vp9)  size=1280x720  ext=webm video=(-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -row-mt 1 -b:v 1500k) audio=(-c:a libopus -b:a 96k) ;;
    webm1080-vp9) size=1920x1080 ext=webm video=(-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -row-mt 1 -b:v 3000k) audio=(-c:a libopus -b:a 96k) ;;
    webm720-vp8)  size=1280x720  ext=webm video=(-c:v libvpx -deadline realtime -cpu-used 8 -b:v 1500k) audio=(-c:a libvorbis -q:a 4) ;;
    mp4720-h264)  size=1280x720  ext=mp4  video=(-c:v libx264 -preset veryfast -crf 23 -pix_fmt yuv420p -sc_threshold 0) audio=(-c:a aac -b:a 96k) ;;
    mp41080-h264) size=1920x1080 ext=mp4  video=(-c:v libx264 -preset veryfast -crf 23 -pix_fmt yuv420p -sc_threshold 0) audio=(-c:a aac -b:a 96k) ;;
    *) echo "make-sync-clip: unknown clip $name (webm720-vp9, webm1080-vp9, webm720-vp8, mp4720-h264, mp41080-h264, each also with -2997, each also small-)" >&2; exit 2 ;;
esac
if [ "$name" != "${name#small-}" ]; then
    size=320x180
    [ "$ext" = mp4 ] || video+=(-b:v 250k)  # a later -b:v wins
fi
width=${size%x*} height=${size#*x}
# The tag: 0x5A00 + 1 + 4 x the base's place + 2 for 29.97 fps + 1 for small-.
index=0
for known in webm720-vp9 webm1080-vp9 webm720-vp8 mp4720-h264 mp41080-h264; do
    [ "$known" = "${base}" ] && break
    index=$((index + 1))
done
tag=$((0x5A00 + 1 + 4 * index))
[ "$rate" = 30 ] || tag=$((tag + 2))
[ "$name" = "${name#small-}" ] || tag=$((tag + 1))
gop=60  # 2 s at 30 fps, 2.002 s at 29.97
mkdir -p "$out"
target="$out/$name.$ext"
partial="$out/.$name.partial.$ext"
# The cells are drawn small and scaled up without smoothing: geq over a full HD picture
# would take ten times as long.
ffmpeg -loglevel error -y \
    -f lavfi -i "testsrc2=size=${size}:rate=${rate}:duration=${seconds}" \
    -f lavfi -i "color=c=black:size=320x90:rate=${rate}:duration=${seconds}" \
    -f lavfi -i "aevalsrc='0.05*sin(2*PI*440*t)+0.6*sin(2*PI*1000*t)*eq(mod(floor(t*${rate}+1e-6)\,30)\,0)':s=48000:c=stereo:d=${seconds}" \
    -filter_complex "[1:v]geq=lum='255*mod(floor(if(lt(Y\,H/2)\,N\,${tag})/pow(2\,15-floor(X*16/W)))\,2)':cb=128:cr=128,scale=${width}:$((height / 2)):flags=neighbor[cells];[0:v][cells]overlay=0:0,drawtext=text='%{n}':fontsize=$((height / 8)):fontcolor=white:box=1:boxcolor=black:x=(w-tw)/2:y=h*0.55[v]" \
    -map "[v]" -map 2:a "${video[@]}" -g "$gop" -keyint_min "$gop" "${audio[@]}" -ac 2 \
    -shortest "$partial"
mv "$partial" "$target"
echo "$target"
