"""A fresh site key for a test site (sync.site_keys), as `gstv keys new` makes it."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sync import site_keys


def new_site_key() -> Path:
    path = Path(tempfile.mkdtemp(prefix="gstv-key-")) / "site.key_secret"
    site_keys.write(site_keys.generate(), path)
    return path
