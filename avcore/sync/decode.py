"""The one decode of a clip that every path reads (`measure`): colour frames for the speech
path's face tracker as they are decoded, their small grey copies for the events path's motion
curves and for the damage cues, and the audio.

Sign convention, units and time base as in `avcore.sync.events`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import cv2
import numpy as np

from avcore.io import media
from avcore.sync.events import SYNC_FPS, SYNC_SIZE, SyncCurves, _MotionCurves, _sync_curves

# the colour decode every path shares: about this many pixels, aspect kept, never enlarged. A
# 9:16 portrait of a seated speaker then has a face ~40 px wide and a mouth of ~15 px, still
# enough for the speech path's face mesh
ANALYSIS_PIXELS = 480 * 270


def measure(
    path,
    *,
    max_seconds: float = media.DEFAULT_MAX_SECONDS,
    on_colour: Callable[[np.ndarray, np.ndarray], None] | None = None,
) -> tuple[media.Decoded, SyncCurves]:
    """The one decode every path reads, and the events path's curves from it.

    ffmpeg decodes colour frames of about ANALYSIS_PIXELS (`colour_size`) at SYNC_FPS, which
    `on_colour` (the speech path's face tracker) is handed a run at a time as they come; their
    grey SYNC_SIZE copies, shrunk here, feed the motion curves while ffmpeg is still decoding,
    and the cues. So a clip is read and decoded once for every path; only the small grey
    frames are kept.

    Parameters
    ----------
    path : str or os.PathLike
        The clip.
    max_seconds : float
        Only the first this many seconds are decoded (`media.decode`).
    on_colour : callable or None
        Handed each run of RGB frames (N, H, W, 3) uint8 of `colour_size`, in order, and their
        grey copies (N, H, W) uint8 (`media.to_grey`), made once for every path.

    Returns
    -------
    decoded : media.Decoded
        Its `frames` the grey SYNC_SIZE copies (N, 48, 64) uint8 at SYNC_FPS.
    curves : events.SyncCurves
        The events path's curves of those frames and the audio.
    """
    info = media.probe(path)
    media.require_video(info)
    picture = _MotionCurves()
    grey: list[np.ndarray] = []

    def take(frames: np.ndarray) -> None:
        grey_frames = media.to_grey(frames)
        if on_colour is not None:
            on_colour(frames, grey_frames)
        small = np.stack([cv2.resize(g, SYNC_SIZE, interpolation=cv2.INTER_AREA) for g in grey_frames])
        grey.append(small)
        picture.add(small)

    size = colour_size(info.video.width, info.video.height)
    decoded = media.decode(
        path,
        SYNC_FPS,
        size,
        color=True,
        info=info,
        max_seconds=max_seconds,
        on_frames=take,
        keep_frames=False,
        deblock=False,
    )
    frames = np.concatenate(grey) if grey else np.zeros((0, SYNC_SIZE[1], SYNC_SIZE[0]), np.uint8)
    decoded = dataclasses.replace(decoded, frames=frames)
    return decoded, _sync_curves(decoded, picture)


def colour_size(width: int, height: int) -> tuple[int, int]:
    """(width, height) of about ANALYSIS_PIXELS with the clip's aspect, even, never enlarged."""
    s = min(1.0, math.sqrt(ANALYSIS_PIXELS / (width * height)))
    return max(2, int(round(width * s / 2)) * 2), max(2, int(round(height * s / 2)) * 2)
