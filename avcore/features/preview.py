"""What the app shows of a clip beside its analysis: its first facts and frame (`clip_facts`),
and what the Features page browses (frames at a low rate and size, grey and in colour, and the
seed MFCC of the same stretch; the shipped clips' MFCC made ahead).

librosa's first call imports scipy.signal and librosa's core: 1.5 s, more than the page may
take on a fresh server. A shipped clip's MFCC is a few hundred numbers, so
`assets/embedded/view_mfcc.npz` holds each one, keyed by the clip's sha256; `evaluate --ship`
writes it with the clips it ships, and a test checks the file is what this code makes. librosa
then loads only for other clips. numpy and the rest load inside the functions: the app imports
this module on its first page.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING

from avcore.paths import SHIPPED

if TYPE_CHECKING:
    import numpy as np

    from avcore.io.media import Decoded

VIEW_FPS = 10.0
VIEW_WIDTH = 256
VIEW_SECONDS = 20.0
FACTS_WIDTH = 320
SHIPPED_MFCC = SHIPPED / "view_mfcc.npz"


def small_size(width: int, height: int, target_width: int) -> tuple[int, int]:
    """An even-sized frame `target_width` wide (never wider than the source) with its aspect."""
    w = min(target_width, width) // 2 * 2 or 2
    h = max(2, int(round(height * w / width / 2)) * 2)
    return w, h


def clip_facts(path: str | os.PathLike) -> dict:
    """What a person checks first (length, size, rate, audio codec) and a colour frame from the
    first second, FACTS_WIDTH wide, for the sound-source map. The frame is decoded at VIEW_FPS:
    at 1 fps ffmpeg's fps filter emits no frame at all for a clip shorter than about 0.6 s."""
    from avcore.io import media

    info = media.probe(path)
    if info.video is None:
        media.decode(path, 1.0, None, info=info)  # raises the "no video stream" message
    size = small_size(info.video.width, info.video.height, FACTS_WIDTH)
    first_second = media.decode(path, VIEW_FPS, size, color=True, max_seconds=min(info.duration, 1.0), info=info)
    return {
        "frame": first_second.frames[-1],
        "duration_s": round(info.duration, 2),
        "resolution": f"{info.video.width}x{info.video.height}",
        "fps": round(info.video.fps, 2),
        "audio": info.audio.codec if info.audio else "none",
    }


def decode(path: str | os.PathLike) -> Decoded:
    """Colour frames at VIEW_FPS, VIEW_WIDTH wide, and the sound, of the first VIEW_SECONDS."""
    from avcore.io import media

    info = media.probe(path)
    if info.video is None:
        media.decode(path, VIEW_FPS, None, info=info)  # raises the "no video stream" message
    size = small_size(info.video.width, info.video.height, VIEW_WIDTH)
    return media.decode(path, VIEW_FPS, size, color=True, max_seconds=VIEW_SECONDS, info=info)


def frames_view(path: str | os.PathLike, sha: str) -> dict:
    """The frames (colour and grey) and the seed MFCC of the first VIEW_SECONDS of the clip
    whose sha256 is `sha`."""
    from avcore.features import seed_features
    from avcore.io import media

    decoded = decode(path)
    frames = decoded.frames
    grey = media.to_grey(frames)
    mfcc = None
    if decoded.audio is not None:
        mfcc = _shipped_mfcc().get(sha)
        if mfcc is None:
            mfcc = seed_features.mfcc(decoded.audio)
    return {
        "frames": frames,
        "grey": grey,
        "fps": decoded.fps,
        "mfcc": mfcc,
        "mfcc_step_s": seed_features.MFCC_HOP / media.AUDIO_RATE,
    }


@lru_cache(maxsize=1)
def _shipped_mfcc() -> dict[str, np.ndarray]:
    import numpy as np

    if not SHIPPED_MFCC.is_file():
        return {}
    with np.load(SHIPPED_MFCC, allow_pickle=False) as z:
        return {sha: z[sha] for sha in z.files}


def shipped_mfcc(clips: str | os.PathLike = SHIPPED / "clips") -> dict[str, np.ndarray]:
    """The seed MFCC the Features page shows of each clip with sound in `clips`, by sha256."""
    from pathlib import Path

    from avcore.features import seed_features

    table = {}
    for path in sorted(Path(clips).glob("*.mp4")):
        audio = decode(path).audio
        if audio is not None:
            table[seed_features.file_hash(path)] = seed_features.mfcc(audio)
    return table


def write_shipped_mfcc() -> None:
    """`shipped_mfcc` into SHIPPED_MFCC; `evaluate --ship` calls it after copying the clips."""
    import numpy as np

    np.savez_compressed(SHIPPED_MFCC, **shipped_mfcc())
