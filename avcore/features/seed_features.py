"""The original project's features, reproduced exactly, with a per-file cache.

Visual: every round(fps/5)-th frame, 96x96 grey, Farneback flow (0.5, 3, 15, 3, 5, 1.2) between
consecutive kept frames, magnitude and angle flattened (18,432 values a step). Audio: 13 MFCC at
16 kHz with hop 3200 (5 steps a second). Both are cut to the shorter length.

One change: a clip with no audio stream gets the MFCC of silence instead of being dropped, as the
original's loader silently did, so muted clips are counted in every evaluation.

Units: rates in Hz, frame sizes in pixels, flow magnitude in pixels per kept step, its angle in
radians.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from avcore.errors import AvcoreError
from avcore.io import media

FEATURE_VERSION = "seed-v1"
SEED_SIZE = 96
SEED_RATE = 5
MFCC_HOP = 3200
N_MFCC = 13
FARNEBACK = dict(pyr_scale=0.5, levels=3, winsize=15, iterations=3, poly_n=5, poly_sigma=1.2, flags=0)


@dataclass(frozen=True)
class SeedFeatures:
    """One clip's seed features, step by step (5 steps a second)."""

    audio: np.ndarray  # (T, 13) MFCC
    visual: np.ndarray  # (T, 2*96*96) flow magnitude then angle

    def mean_vector(self, pool: int = 4) -> np.ndarray:
        """The seed MLP's input: the time average of [visual, audio], with each 96x96 flow map
        average-pooled `pool` x `pool`.

        The pooling is our one change to the MLP: at full size its first layer alone holds
        9.4 M weights (38 MB), which cannot ship within the app's 10 MB of assets.
        """
        side = SEED_SIZE // pool
        maps = self.visual.mean(axis=0).reshape(2, side, pool, side, pool).mean(axis=(2, 4))
        return np.concatenate([maps.ravel(), self.audio.mean(axis=0)]).astype(np.float32)


def flow_steps(frames: np.ndarray) -> np.ndarray:
    """Farneback magnitude then angle between consecutive grey frames (N, H, W) uint8, one
    flattened row (2 H W,) float32 per pair: the seed's visual feature."""
    rows = []
    for prev, nxt in zip(frames[:-1], frames[1:]):
        flow = cv2.calcOpticalFlowFarneback(prev, nxt, None, **FARNEBACK)
        mag, ang = cv2.cartToPolar(flow[..., 0], flow[..., 1])
        rows.append(np.concatenate([mag.ravel(), ang.ravel()]))
    return np.asarray(rows, np.float32).reshape(len(rows), 2 * frames.shape[1] * frames.shape[2])


def mfcc(audio: np.ndarray) -> np.ndarray:
    """(T, N_MFCC) float32 MFCC of 16 kHz mono audio, one row every MFCC_HOP samples (5 a
    second): the seed's audio feature."""
    import librosa  # deferred: its import and first call cost seconds, paid only when needed

    return librosa.feature.mfcc(y=audio, sr=media.AUDIO_RATE, n_mfcc=N_MFCC, hop_length=MFCC_HOP).T.astype(np.float32)


def seed_features(path: str | os.PathLike, *, max_seconds: float = media.DEFAULT_MAX_SECONDS) -> SeedFeatures:
    """The seed features of the first `max_seconds` (s) of a clip, decoded at its own rate over
    a whole step (about SEED_RATE Hz) so that every kept frame is a source frame, as the
    original kept every round(fps/5)-th one.

    Raises
    ------
    AvcoreError
        Not media, no video stream, or fewer than two kept frames.
    """
    info = media.probe(path)
    if info.video is None:
        media.decode(path, SEED_RATE, (SEED_SIZE, SEED_SIZE), info=info)  # raises the no-video message
    step = max(1, round(info.video.fps / SEED_RATE))
    clip = media.decode(path, info.video.fps / step, (SEED_SIZE, SEED_SIZE), max_seconds=max_seconds, info=info)
    if len(clip.frames) < 2:
        raise AvcoreError("The clip is too short: the seed features need at least two frames at 5 fps.")
    visual = flow_steps(clip.frames)
    audio = clip.audio if clip.audio is not None else np.zeros(int(clip.seconds * media.AUDIO_RATE), np.float32)
    coeffs = mfcc(audio)
    n = min(len(visual), len(coeffs))
    return SeedFeatures(audio=coeffs[:n], visual=visual[:n])


def file_hash(path: str | os.PathLike) -> str:
    """SHA-256 of the file's bytes, hex: the cache key, so a renamed clip still hits it."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cached_seed_features(
    path: str | os.PathLike, cache_dir: str | os.PathLike, label: int | None = None
) -> SeedFeatures:
    """Seed features stored as the original's .npz (audio, visual, label), keyed by the file's
    hash and FEATURE_VERSION so that a changed recipe never reads stale features."""
    cache = Path(cache_dir) / f"{file_hash(path)[:20]}-{FEATURE_VERSION}.npz"
    if cache.is_file():
        with np.load(cache) as z:
            return SeedFeatures(audio=z["audio"], visual=z["visual"])
    feats = seed_features(path)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, audio=feats.audio, visual=feats.visual, label=-1 if label is None else label)
    os.replace(tmp, cache)
    return feats
