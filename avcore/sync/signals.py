"""The signal helpers both sync paths share, the events path (`avcore.sync.events`) and the
speech path (`avcore.sync.speech`): band loudness of the sound, Pearson r at every lag over only
the overlap, block-shuffled surrogates for what chance gives, moving-block bootstrap resamples
for whether a peak comes back, the parabola that places a peak between lags, and the lag search
the two paths read alike.

Sign convention and time base as in `avcore.sync.events`: a POSITIVE lag means the AUDIO is
LATE; sample k of a curve stands for the frame interval ((k-1)/fps, k/fps].
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

N_FFT = 1024  # 64 ms at 16 kHz: short enough to place a click within a frame
N_BANDS = 40
LOUDNESS_EXP = 0.3  # band power ** 0.3, Stevens' loudness law; see the time base in avcore.sync.events
MIN_OVERLAP_FRACTION = 0.35  # of the shorter curve
MIN_OVERLAP_S = 1.0
PEAK_HALF_WIDTH = 3  # lags (frames) around the peak that belong to it, not to the background
MIN_LAGS = 2 * PEAK_HALF_WIDTH + 3  # fewest samples or lags in which a peak stands out of a background
SURROGATES = 100
SURROGATE_BLOCK_S = 0.5
FFT_BUDGET = 1 << 21  # values per batch of the FFT correlation (16 MB), however long the clip
SILENCE_RMS = 1e-4  # -80 dBFS
BOOTSTRAPS = 200
BOOTSTRAP_BLOCK_S = 0.4


def band_matrix(n_fft: int, sr: int, n_bands: int) -> np.ndarray:
    """Averaging weights from FFT bins to log-spaced bands (50 Hz to Nyquist), so a low drum
    and a high click weigh alike; a band too narrow to hold a bin takes the nearest one."""
    freqs = np.fft.rfftfreq(n_fft, 1 / sr)
    edges = np.geomspace(50.0, sr / 2, n_bands + 1)
    weights = np.zeros((n_bands, freqs.size), np.float32)
    for b in range(n_bands):
        sel = (freqs >= edges[b]) & (freqs < edges[b + 1])
        if not sel.any():
            sel = np.arange(freqs.size) == np.argmin(np.abs(freqs - np.sqrt(edges[b] * edges[b + 1])))
        weights[b, sel] = 1.0 / sel.sum()
    return weights


def band_loudness(audio: np.ndarray, sr: int, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Loudness (T, N_BANDS) of the `band_matrix` bands and linear RMS (T,) of the N_FFT
    window centred on each frame interval (see the time base in avcore.sync.events), of mono
    audio at `sr` Hz, T = whole frame intervals at `fps` Hz. Reflect padding keeps the clip's
    first window from reading as an onset out of silence."""
    n = int(np.floor(audio.size / sr * fps))
    centres = np.round((np.arange(n) - 0.5) / fps * sr).astype(int)
    x = np.pad(audio.astype(np.float32), N_FFT, mode="reflect" if audio.size > N_FFT else "constant")
    idx = centres[:, None] + N_FFT // 2 + np.arange(N_FFT)[None, :]
    window = np.hanning(N_FFT).astype(np.float32)
    seg = x[idx] * window
    power = np.abs(np.fft.rfft(seg, axis=1)) ** 2
    # einsum, not @: this product is large enough for OpenBLAS to start its threads, which then
    # spin for a few tenths of a second after it and burned 0.06 s of CPU a clip (the next
    # clip's decode needs that CPU); einsum's own loop takes 3 ms for a 10 s clip
    loudness = np.einsum("tf,bf->tb", power, band_matrix(N_FFT, sr, N_BANDS)) ** LOUDNESS_EXP
    rms = np.sqrt((seg**2).mean(axis=1) / np.mean(window**2))
    return loudness, rms.astype(np.float32)


def lagged_pearson(v: np.ndarray, a: np.ndarray, lags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pearson r between each column of v (T, C) and a (Ta,) delayed by each lag, computed
    over only the samples both have at that lag (no zero padding dragging r towards 0).
    Returns r (L, C) and the overlap length per lag (L,). Positive lag pairs v[t] with a[t+lag].
    `a` may also be a stack of curves (S, Ta), giving r (S, L, C): the surrogates go in one call.
    Window sums come from cumulative sums and the cross term from one FFT correlation over all
    lags, which for 100 surrogates of a 10 s clip took 13 ms where a product per lag and
    surrogate took 65 ms.
    """
    stack = np.atleast_2d(a)
    t, ta = v.shape[0], stack.shape[1]
    lo = np.clip(-lags, 0, t)
    hi = np.clip(ta - lags, lo, t)
    n = (hi - lo).astype(np.float64)
    cv = np.vstack([np.zeros((1, v.shape[1])), np.cumsum(v, axis=0)])
    cvv = np.vstack([np.zeros((1, v.shape[1])), np.cumsum(v**2, axis=0)])
    ca = np.pad(np.cumsum(stack, axis=1), ((0, 0), (1, 0)))
    caa = np.pad(np.cumsum(stack**2, axis=1), ((0, 0), (1, 0)))
    sv, svv = cv[hi] - cv[lo], cvv[hi] - cvv[lo]
    a_lo, a_hi = np.clip(lo + lags, 0, ta), np.clip(hi + lags, 0, ta)
    sa, saa = ca[:, a_hi] - ca[:, a_lo], caa[:, a_hi] - caa[:, a_lo]
    # the correlation's length padded to a power of two, so no lag wraps onto another; lags
    # without overlap wrap onto garbage, but their r is 0 below anyway
    nfft = 1 << (t + ta - 2).bit_length()
    v_spec = np.conj(np.fft.rfft(v, nfft, axis=0))
    parts = np.array_split(stack, math.ceil(stack.shape[0] * nfft * v.shape[1] / FFT_BUDGET))
    cross = np.concatenate(
        [np.fft.irfft(np.fft.rfft(p, nfft, axis=1)[:, :, None] * v_spec, nfft, axis=1)[:, lags % nfft] for p in parts]
    )
    safe = np.maximum(n, 1)[:, None]
    cov = cross - sv * sa[:, :, None] / safe
    var = (svv - sv**2 / safe) * (saa - sa**2 / safe[:, 0])[:, :, None]
    r = np.where(var > 1e-18, cov / np.sqrt(np.maximum(var, 1e-18)), 0.0)
    return (r if a.ndim == 2 else r[0]), n


def search_lags(video_len: int, audio_len: int, to_audio: int, fps: float, max_lag_s: float) -> np.ndarray:
    """The lags both paths search: within `max_lag_s`, and leaving the curves enough overlap.

    Chance fits where little is left in common, so a lag must leave MIN_OVERLAP_FRACTION of
    the shorter curve, MIN_OVERLAP_S and MIN_LAGS samples. Half the clip hid content shifts
    of more than half its length: 35% found 82% of procedural content shifts within 40 ms
    instead of 75%, at one more claim on 300 mismatched pairs (docs/sync-tuning.md).

    Parameters
    ----------
    video_len, audio_len : int
        Lengths of the picture's and the sound's curves, in samples.
    to_audio : int
        The audio index of the first video sample at lag 0.
    fps : float
        The curves' sample rate, in Hz.
    max_lag_s : float
        The largest offset searched either way, in seconds.

    Returns
    -------
    (L,) int array
        Lags in samples, positive = audio late: `v[t]` pairs with `a[t + lag + to_audio]`.
    """
    reach = int(round(max_lag_s * fps))
    lags = np.arange(-reach, reach + 1)
    overlap = np.minimum(video_len, audio_len - lags - to_audio) - np.maximum(0, -lags - to_audio)
    shorter = min(video_len, audio_len)
    need = max(MIN_OVERLAP_FRACTION * shorter, MIN_OVERLAP_S * fps, MIN_LAGS)
    return lags[overlap >= need]


def parabolic_peak(y: np.ndarray, i: int) -> float:
    """Sub-sample position of the maximum at i from a parabola through its neighbours, within
    half a sample of i (i itself at an edge or where the curve is not concave)."""
    if 0 < i < y.size - 1:
        den = y[i - 1] - 2 * y[i] + y[i + 1]
        if den < 0:
            return i + float(np.clip(0.5 * (y[i - 1] - y[i + 1]) / den, -0.5, 0.5))
    return float(i)


def surrogate_orders(n: int, fps: float) -> np.ndarray:
    """(SURROGATES, n) sample orders of an n-sample curve, for what chance gives: each order
    rolls the curve by a random amount and shuffles its blocks of SURROGATE_BLOCK_S (at most a
    tenth of the curve, at least 3 samples), so the surrogates keep the curve's events and
    texture and lose their relation to any other curve. Seeded, so a clip always gets the same
    surrogates.

    Parameters
    ----------
    n : int
        Length of the curve, in samples.
    fps : float
        Its sample rate, in Hz.
    """
    rng = np.random.default_rng(0)
    block = int(np.clip(n / 10, 3, SURROGATE_BLOCK_S * fps))
    order = np.arange(n)
    return np.stack([block_shuffle(np.roll(order, rng.integers(n)), block, rng) for _ in range(SURROGATES)])


def block_shuffle(a: np.ndarray, block: int, rng: np.random.Generator) -> np.ndarray:
    """`a` cut into runs of `block` values (the last may be shorter), the runs in random order."""
    blocks = [a[i : i + block] for i in range(0, a.size, block)]
    return np.concatenate([blocks[j] for j in rng.permutation(len(blocks))])


def bootstrap_weights(n: int, fps: float, rng: np.random.Generator) -> np.ndarray | None:
    """(BOOTSTRAPS, n) moving-block bootstrap counts of n samples: each resample draws
    ceil(n / block) blocks of BOOTSTRAP_BLOCK_S at random starts, so a sample's weight is how
    many drawn blocks cover it. The starts lie in [0, n - block], so the first and last
    block - 1 samples are drawn less often, as in any moving-block bootstrap. None for fewer
    than two blocks' worth of samples: every resample would be nearly the clip itself."""
    block = max(2, int(round(BOOTSTRAP_BLOCK_S * fps)))
    if n < 2 * block:
        return None
    starts = rng.integers(0, n - block + 1, (BOOTSTRAPS, -(-n // block)))
    weights = np.zeros((BOOTSTRAPS, n))
    rows = np.repeat(np.arange(BOOTSTRAPS), starts.shape[1])
    for k in range(block):
        np.add.at(weights, (rows, (starts + k).ravel()), 1.0)
    return weights


def weighted_lagged_pearson(
    v: np.ndarray, a: np.ndarray, lags: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`lagged_pearson`'s r under each weighting of v's samples (a resample of the clip), from
    weighted sums over the samples both curves cover at each lag.

    Parameters
    ----------
    v : (T, C)
    a : (Ta,)
    lags : (L,) int, as in `lagged_pearson`
    weights : (W, T)

    Returns
    -------
    r : (W, L, C)
        0 for a curve flat under a weighting (its variance within rounding of its square sum).
    counted : (W, L) bool
        Whether a weighting draws at least half of a lag's distinct samples (and 3): where it
        does not, two blocks on the same few edge samples would fit them perfectly, so that
        lag's r says nothing.
    """
    at = np.arange(v.shape[0])[None, :] + lags[:, None]
    inside = ((at >= 0) & (at < a.size)).astype(np.float64)
    y = a[np.clip(at, 0, a.size - 1)] * inside
    n = np.maximum(weights @ inside.T, 1.0)
    sy, syy = weights @ y.T, weights @ (y * y).T
    vy = syy - sy**2 / n
    r = np.empty((weights.shape[0], lags.size, v.shape[1]))
    for c in range(v.shape[1]):  # one channel at a time: (L, T) arrays stay small on long clips
        x = v[None, :, c] * inside
        sx, sxx = weights @ x.T, weights @ (x * x).T
        cov, vx = weights @ (x * y).T - sx * sy / n, sxx - sx**2 / n
        flat = (vx <= 1e-9 * sxx) | (vy <= 1e-9 * syy)
        r[:, :, c] = np.where(flat, 0.0, cov / np.sqrt(np.maximum(vx * vy, 1e-300)))
    counted = (weights > 0) @ inside.T >= np.maximum(0.5 * inside.sum(axis=1), 3)
    return r, counted


def peak_stability(n: int, fps: float, i: int, resampled: Callable[[np.ndarray], np.ndarray]) -> float:
    """The share of moving-block bootstrap resamples of a clip's n samples (`bootstrap_weights`,
    seeded, so a clip always gets the same figure) whose lag curve peaks within one lag of the
    clip's own peak `i`: whether the offset comes back from the clip's own events, whatever its
    height over chance. `resampled` turns weights (W, n) into the resampled lag curves (W, L),
    -inf where a lag is not scored; a resample with no lag scored counts against the peak. 0
    where the clip is too short to resample."""
    weights = bootstrap_weights(n, fps, np.random.default_rng(0))
    if weights is None:
        return 0.0
    scores = resampled(weights)
    near = np.abs(np.argmax(scores, axis=1) - i) <= 1
    return float(np.mean(near & np.isfinite(scores).any(axis=1)))
