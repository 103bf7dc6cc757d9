"""Audio-visual offset from cross-correlating motion with sound (prototype)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from avcore import media

N_FFT = 1024
N_BANDS = 40
DB_RANGE = 80.0
import os
FB = [float(x) if "." in x else int(x) for x in os.environ.get("FB", "0.5,2,9,2,5,1.1,0").split(",")]
PADMODE = os.environ.get("PADMODE", "constant")


@dataclass(frozen=True)
class SyncCurves:
    fps: float
    grid: tuple[int, int]
    motion: np.ndarray  # (T, R)
    speed: np.ndarray | None
    luma: np.ndarray | None
    accel: np.ndarray | None
    onset: np.ndarray | None
    rms: np.ndarray | None

    @property
    def motion_total(self) -> np.ndarray:
        return self.motion.mean(axis=1)


def motion_grid(frames: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    f = frames.astype(np.float32)
    if f.ndim == 4:
        f = f.mean(axis=3)
    n, h, w = f.shape
    rows, cols = grid
    diff = np.zeros((n, h, w), np.float32)
    if n > 1:
        np.abs(f[1:] - f[:-1], out=diff[1:])
    ys = np.linspace(0, h, rows + 1).round().astype(int)
    xs = np.linspace(0, w, cols + 1).round().astype(int)
    out = np.empty((n, rows * cols), np.float32)
    for r in range(rows):
        for c in range(cols):
            out[:, r * cols + c] = diff[:, ys[r] : ys[r + 1], xs[c] : xs[c + 1]].mean(axis=(1, 2))
    return out


def _band_matrix(n_fft: int, sr: int, n_bands: int) -> np.ndarray:
    freqs = np.fft.rfftfreq(n_fft, 1 / sr)
    edges = np.geomspace(50.0, sr / 2, n_bands + 1)
    m = np.zeros((n_bands, freqs.size), np.float32)
    for b in range(n_bands):
        sel = (freqs >= edges[b]) & (freqs < edges[b + 1])
        if not sel.any():
            sel = np.abs(freqs - np.sqrt(edges[b] * edges[b + 1])) == np.abs(freqs - np.sqrt(edges[b] * edges[b + 1])).min()
        m[b, sel] = 1.0 / sel.sum()
    return m


def audio_envelopes(audio: np.ndarray, sr: int, fps: float, n_frames: int | None = None, n_fft: int = N_FFT, offset: float = 0.0, mode="db", gamma=100.0):
    n = int(np.floor(audio.size / sr * fps)) if n_frames is None else n_frames
    centers = np.round((np.arange(n) / fps + offset) * sr).astype(int)
    pad = n_fft
    x = np.pad(audio.astype(np.float32), (pad, pad + n_fft), mode=PADMODE)
    idx = centers[:, None] + pad - n_fft // 2 + np.arange(n_fft)[None, :]
    seg = x[idx] * np.hanning(n_fft).astype(np.float32)
    power = np.abs(np.fft.rfft(seg, axis=1)) ** 2
    bands = power @ _band_matrix(n_fft, sr, N_BANDS).T
    if mode == "db":
        db = 10 * np.log10(bands + 1e-12)
        db = np.maximum(db, db.max() - DB_RANGE)
    elif mode == "log1p":
        ref = np.sqrt(np.mean(audio.astype(np.float64) ** 2)) + 1e-9
        db = np.log1p(gamma * np.sqrt(bands) / ref)
    elif mode == "lin":
        db = np.sqrt(bands)
    elif mode == "pow":
        db = bands ** gamma
    elif mode == "dbmax":
        db = 10 * np.log10(bands + 1e-12)
        db = np.maximum(db, db.max() - DB_RANGE)
    flux = np.zeros(n, np.float32)
    d = np.maximum(np.diff(db, axis=0), 0)
    flux[1:] = d.max(axis=1) if mode == "dbmax" else d.mean(axis=1)
    rms = np.sqrt((seg**2).mean(axis=1) / np.mean(np.hanning(n_fft) ** 2))
    return flux, rms.astype(np.float32)


def _cells(h, w, grid):
    rows, cols = grid
    ys = np.linspace(0, h, rows + 1).round().astype(int)
    xs = np.linspace(0, w, cols + 1).round().astype(int)
    return [(slice(ys[r], ys[r + 1]), slice(xs[c], xs[c + 1])) for r in range(rows) for c in range(cols)]


def flow_grid(frames, grid, method="dis"):
    import cv2
    n, h, w = frames.shape
    cells = _cells(h, w, grid)
    vec = np.zeros((n, len(cells), 2), np.float32)
    speed = np.zeros((n, len(cells)), np.float32)
    if method.startswith("dis"):
        preset = {"dis": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST, "dis_fast": cv2.DISOPTICAL_FLOW_PRESET_FAST, "dis_medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM}[method]
        dis = cv2.DISOpticalFlow_create(preset)
    for i in range(1, n):
        if method.startswith("dis"):
            fl = dis.calc(frames[i - 1], frames[i], None)
        else:
            fl = cv2.calcOpticalFlowFarneback(frames[i - 1], frames[i], None, *FB)
        mag = np.sqrt((fl**2).sum(-1))
        for j, (ys, xs) in enumerate(cells):
            vec[i, j] = fl[ys, xs].reshape(-1, 2).mean(0)
            speed[i, j] = mag[ys, xs].mean()
    accel = np.zeros_like(speed)
    accel[1:-1] = np.sqrt(((vec[2:] - vec[:-2]) ** 2).sum(-1))
    return speed, accel


def curves(decoded: media.Decoded, grid=(4, 4), flow=None, **kw) -> SyncCurves:
    motion = motion_grid(decoded.frames, grid)
    speed = accel = None
    if flow:
        speed, accel = flow_grid(decoded.frames, grid, flow)
    onset = rms = None
    if decoded.audio is not None and decoded.audio.size:
        onset, rms = audio_envelopes(decoded.audio, decoded.sr, decoded.fps, **kw)
    h, w = decoded.frames.shape[1:3]
    luma = np.stack([decoded.frames[:, ys, xs].mean(axis=(1, 2)) for ys, xs in _cells(h, w, grid)], 1)
    return SyncCurves(decoded.fps, tuple(grid), motion, speed, luma, accel, onset, rms)


def ncc(v: np.ndarray, a: np.ndarray, max_lag: int, min_overlap: int):
    """v (T, R), a (Ta,). Pearson r for each lag (positive = a late) and region."""
    tv, ta = v.shape[0], a.shape[0]
    lags = np.arange(-max_lag, max_lag + 1)
    out = np.full((lags.size, v.shape[1]), np.nan, np.float32)
    for i, lag in enumerate(lags):
        t0, t1 = max(0, -lag), min(tv, ta - lag)
        if t1 - t0 < min_overlap:
            continue
        vv = v[t0:t1] - v[t0:t1].mean(axis=0)
        aa = a[t0 + lag : t1 + lag] - a[t0 + lag : t1 + lag].mean()
        den = np.sqrt((vv**2).sum(axis=0) * (aa**2).sum()) + 1e-12
        out[i] = (vv * aa[:, None]).sum(axis=0) / den
    return lags, out
