#!/usr/bin/env python3
"""Writes assets/samples/media/NAME.json: one GSTV media update message per demo clip
(`shared/seeds/upstream/media.md`: guid, updatedOn, filename and the MD5 of the file),
for the reference cloud and `gstv demo`. Run it again when a clip in assets/media
changes; tests/gstv/test_samples.py checks the checksums still match.

    python3 scripts/make-media-messages.py
"""

import hashlib
import json
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEDIA, OUT = ROOT / "assets" / "media", ROOT / "assets" / "samples" / "media"
SITE_NAMESPACE = uuid.UUID("6f1c2d3e-0a4b-4c5d-9e8f-112233445566")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.json"):
        old.unlink()
    for clip in sorted(MEDIA.glob("*.mp4")):
        message = {"guid": str(uuid.uuid5(SITE_NAMESPACE, clip.name)),
                   "updatedOn": "2026-11-22 23:00:00.000", "filename": clip.name,
                   "checksum": hashlib.md5(clip.read_bytes()).hexdigest()}
        (OUT / f"{clip.stem}.json").write_text(json.dumps(message, indent=2) + "\n")


if __name__ == "__main__":
    main()
