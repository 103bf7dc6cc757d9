"""Put a clip's sound back in sync, only when the offset was measured with confidence.

A wrong repair damages a good clip, so anything short of a confident, sizeable offset is refused
with the reason instead of guessed at.
"""

from __future__ import annotations

import os
from pathlib import Path

from avcore import anomalies, media, sync
from avcore.errors import AvcoreError

MIN_OFFSET_MS = 40.0  # one frame at 25 fps: below this the clip is already in sync


def repair(src: str | os.PathLike, dst: str | os.PathLike, offset_ms: float | None = None) -> float:
    """Write `dst` with the audio re-timed by the offset (ms, positive: audio late); returns it.

    Give `offset_ms` when it was already measured with confidence (the detector's verdict
    carries one), so the clip is not decoded and analysed a second time; without it the clip
    is measured here, and refused unless the sync analysis is confident.
    """
    media.check_output(dst, [src])
    if offset_ms is None:
        offset_ms = _confident_offset(src)
    if abs(offset_ms) < MIN_OFFSET_MS:
        raise AvcoreError(f"The sound is already in sync (offset {offset_ms:+.0f} ms); nothing to repair.")
    anomalies.time_shift(src, Path(dst), -offset_ms)
    return offset_ms


def _confident_offset(src: str | os.PathLike) -> float:
    result = sync.analyse(sync.measure(src)[1])
    if result.offset_ms is None or not result.synchronizable:
        why = result.reason or "the offset could not be measured with confidence"
        raise AvcoreError(f"Cannot repair this clip: {why}. It was left unchanged.")
    return result.offset_ms
