"""Clips as the app receives them: a dataset path, bytes made by the app, or a user's upload.

Cached analyses are keyed by the sha256 of a clip's bytes and take the clip itself as an unhashed
argument; only on a cache miss does `as_file` put it on disk, in a temporary folder that is
removed as soon as the analysis is done. So an upload is never copied into the cache, the
session or a lingering file.

An upload's bytes are read with `getvalue()`, never `getbuffer()`: an `UploadedFile` is a
`BytesIO` over the bytes Streamlit's upload manager holds, shared until something asks for a
writable view, and `getbuffer()` does, so it copied the whole upload (190 MB) on every run that
hashed or wrote it. `getvalue()` of a shared buffer is the manager's own bytes object, which
`st.video(uploaded)` then registers too, so the session holds one copy of its clip, not three.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from avcore import paths

Clip = str | bytes | UploadedFile
VIDEO_TYPES = tuple(s.lstrip(".") for s in paths.VIDEO_SUFFIXES)  # as the uploader takes them
_CHUNK = 1 << 20


def max_mb() -> int:
    """The upload cap (server.maxUploadSize in .streamlit/config.toml)."""
    return st.get_option("server.maxUploadSize")


def uploader_label(what: str) -> str:
    """An uploader's label that states the cap. A larger file is refused by the browser before
    anything is sent, so no page code runs for it, and the widget marks it only with a red icon
    whose reason shows on hover: the cap must be in plain sight beforehand."""
    return f"{what} (up to {max_mb()} MB)"


def data(clip: bytes | UploadedFile) -> bytes:
    """The clip's bytes without a copy (see the module's docstring)."""
    return clip if isinstance(clip, bytes) else clip.getvalue()


def sha256(clip: Clip) -> str:
    if isinstance(clip, str):
        from avcore.features.seed_features import (
            file_hash,  # not at the top: OpenCV, which the first page must not load
        )

        return file_hash(clip)
    return hashlib.sha256(data(clip)).hexdigest()


def suffix(clip: Clip) -> str:
    """The extension ffmpeg should see (it probes content, but some containers need a hint)."""
    name = clip if isinstance(clip, str) else getattr(clip, "name", "clip.mp4")
    ext = Path(name).suffix.lower()
    return ext if ext.lstrip(".") in VIDEO_TYPES else ".mp4"


@contextmanager
def as_file(clip: Clip) -> Iterator[str]:
    """A path to the clip for as long as the block runs: the file itself for a path, else a
    temporary copy that is always deleted afterwards."""
    if isinstance(clip, str):
        yield clip
        return
    with tempfile.TemporaryDirectory(prefix="avlab-") as tmp:
        path = os.path.join(tmp, "clip" + suffix(clip))
        view = memoryview(data(clip))
        with open(path, "wb") as f:
            for start in range(0, len(view), _CHUNK):
                f.write(view[start : start + _CHUNK])
        yield path
