"""Where the package's files live. Apart from `avcore.data.dataset` (pandas, OpenCV) so the app's
first page can find the shipped results without importing either."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "assets"
SHIPPED = ASSETS / "embedded"  # the full metadata table, with a playable sample of its clips
# the file kinds a folder of clips or an upload is read from (ffmpeg reads them all)
VIDEO_SUFFIXES = (".mp4", ".mpg", ".mpeg", ".mov", ".mkv", ".webm", ".avi")


def data_dir() -> Path:
    """Generated data (gitignored): `data/` beside the package, or $AVCORE_DATA."""
    return Path(os.environ.get("AVCORE_DATA", ROOT / "data"))


def default_embedded_dir() -> Path:
    return data_dir() / "embedded"
