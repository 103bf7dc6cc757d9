"""How far the sound is from the picture, found by cross-correlating motion with sound.

Sounds in video are mostly caused by something visible changing: a hit, a landing, a lamp
lighting, a mouth opening. So the instants where the picture changes (frame-difference energy)
or where something's velocity changes abruptly (a hit stops a stick, a ball reverses) should
line up with the instants where the sound gets louder (spectral flux). Sliding the sound
against the picture and finding where they agree best gives the offset; whether that agreement
beats what chance gives with the same curves says whether the clip can be synchronised at all.

The conventions of every module of `avcore.sync`, stated here once:

- Sign: a POSITIVE offset or lag means the AUDIO is LATE (the sound comes after the picture
  event), as ffmpeg's adelay makes it. Offsets are in ms, lags in curve samples.
- Units: time in seconds, rates (fps, sr) in Hz, frame sizes as (width, height), grids and
  cells as (rows, cols).
- Time base: curve sample k stands for the frame interval ((k-1)/fps, k/fps]. A frame
  difference at k is the change from frame k-1 to frame k; the audio window of sample k is
  centred on the middle of that interval. Without this half-frame care an impulse in both
  streams lands one sample apart and every estimate is biased by ~20 ms.

Measured on 300 procedural clips (avcore.data.synth): 94.7% of estimates within 40 ms, 68%
claimed synchronizable, every claim within 40 ms; on 200 clips never used for tuning 90.5%,
64.5% and 3 of 200 mismatched clips claimed. The set-up and the ablations behind the choices
below are in docs/sync-tuning.md.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from avcore.features import cues, seed_features
from avcore.io import media
from avcore.sync.signals import (
    MIN_LAGS,
    PEAK_HALF_WIDTH,
    SILENCE_RMS,
    band_loudness,
    lagged_pearson,
    parabolic_peak,
    peak_stability,
    search_lags,
    surrogate_orders,
    weighted_lagged_pearson,
)

SYNC_FPS = 25.0
SYNC_SIZE = (64, 48)  # width, height: enough for a 4x4 grid of 16x12-pixel cells
GRID = (4, 4)  # rows, cols
MAX_LAG_S = 2.0
FLOW_SHRINK = 2  # flow is worked out on frames this many times smaller; see _flows
FARNEBACK = seed_features.FARNEBACK | {"winsize": 9}  # the seed features', with a 9-pixel window; see _flows
FLOW_RUN = 25  # frames gathered before working on them: ffmpeg hands over one or two at a time
TOP_K = 6  # channels averaged at each lag: one sound source spans a few cells and both cues
DETREND_S = 1.0  # see _detrend
ONSET_SPREAD = np.array([0.25, 0.5, 0.25])  # see _spread_onsets
MOTION_FLOOR = 0.05  # grey levels: a cell whose frame difference varies less is still
ACCEL_FLOOR = 0.01  # px/frame: below this, flow velocity change is numerical noise
# grey levels of change on both sides that make a near-still frame a repeat (cues.repeated_frames),
# not stillness: at 64x48 a procedural scene changes by 0.2-2 a frame, an encoded copy by 0.02-0.4
REPEAT_MOVING_GREY = 0.1
CONFIDENCE_THRESHOLD = 4.0
PLAUSIBLE_Z = 1.96  # see _plausible
MARGIN_THRESHOLD = 1.0  # see _plausible
# A lock must also come back when the clip is resampled: in at least this share of the
# moving-block bootstrap resamples of its picture (signals.bootstrap_weights) the peak falls
# within one lag of the clip's own, as the speech path asks (speech.STABLE_SHARE). On the
# real-footage benchmark's event and in-the-wild cases (evaluate --sync), the one lock of eight
# that was wrong (a drummer clip, +757 ms for a -152 ms shift) came back in 45% of resamples,
# the seven right ones in 55-86%: a peak that most resamples do not reproduce is a coincidence
# of a few events, not the clip's offset.
STABLE_SHARE = 0.5


@dataclass(frozen=True)
class SyncCurves:
    """Time curves sampled at `fps`; sample k covers the frame interval ((k-1)/fps, k/fps]."""

    fps: float
    grid: tuple[int, int]
    motion: np.ndarray  # (T, R) mean absolute frame difference per cell, grey levels
    accel: np.ndarray  # (T, R) change of mean flow velocity across each sample, px/frame
    onset: np.ndarray | None  # (Ta,) spectral flux of band loudness; None without audio
    rms: np.ndarray | None  # (Ta,) linear RMS of the window around each sample
    repeated: np.ndarray  # (T,) bool: the frame repeated its predecessor; see _MotionCurves

    @property
    def motion_total(self) -> np.ndarray:
        """(T,) mean frame difference over the cells, grey levels: the picture's activity."""
        return self.motion.mean(axis=1)

    @property
    def rms_db(self) -> np.ndarray | None:
        """(Ta,) the RMS in dBFS (floored at -200), None without audio."""
        return None if self.rms is None else 20 * np.log10(np.maximum(self.rms, 1e-10))

    @property
    def seconds(self) -> float:
        """How long the picture's curves run."""
        return len(self.motion) / self.fps

    def window(self, start_s: float, end_s: float) -> SyncCurves:
        """The curves of the frame intervals between `start_s` and `end_s`, every curve cut at
        the same samples so that picture and sound keep their relative timing.

        Parameters
        ----------
        start_s, end_s : float
            Window bounds in seconds of the clip, rounded to whole samples.

        Returns
        -------
        SyncCurves
            Its sample j is this one's sample round(start_s * fps) + j, so it keeps the time
            base with its origin at that sample's start.
        """
        a, b = max(0, int(round(start_s * self.fps))), max(0, int(round(end_s * self.fps)))
        audio = {} if self.onset is None else {"onset": self.onset[a:b], "rms": self.rms[a:b]}
        return dataclasses.replace(
            self, motion=self.motion[a:b], accel=self.accel[a:b], repeated=self.repeated[a:b], **audio
        )


@dataclass(frozen=True)
class SyncResult:
    """Offset estimate with its evidence (see `analyse` for confidence, margin and ambiguity).

    `correlation` is, at each lag in `lags_ms`, the mean Pearson r of the TOP_K motion
    channels that agree best with the onset curve: what a plot should show. The peak is
    picked on the same r weighted by its overlap's significance, so a chance match over a
    short overlap at an extreme lag does not win; `offset_ms` refines that lag with a
    parabola, `peak_lag_ms` is the whole lag. `source_map` holds each grid cell's r at the
    peak lag (the better of its two cues), `best_region` its (row, col) maximum.
    `offset_ci_ms` is (low, high), the lags around the peak that fit as well within chance
    (see `_plausible`). When `ambiguous` (another lag, apart from the peak, fits as well)
    `offset_ms` and `offset_ci_ms` are None and the best whole lag stays in `peak_lag_ms` only,
    as a diagnostic: it is no estimate.
    """

    offset_ms: float | None
    offset_ci_ms: tuple[float, float] | None
    ambiguous: bool
    confidence: float
    synchronizable: bool
    reason: str
    lags_ms: np.ndarray = field(repr=False)
    correlation: np.ndarray = field(repr=False)
    source_map: np.ndarray = field(repr=False)
    best_region: tuple[int, int] | None
    peak_lag_ms: float | None
    peak_corr: float
    zero_lag_corr: float
    peak_z: float
    margin: float
    stability: float  # see _peak_stability; NaN where the lock failed before it was resampled
    audio_activity: float
    motion_activity: float

    def features(self) -> dict[str, float | bool]:
        """Flat numbers for a classifier (`analysis.Measurements`); NaN where a value does not
        exist (no audio)."""
        nan = float("nan")
        return {
            "sync_offset_ms": nan if self.offset_ms is None else float(self.offset_ms),
            "sync_offset_lo_ms": nan if self.offset_ci_ms is None else float(self.offset_ci_ms[0]),
            "sync_offset_hi_ms": nan if self.offset_ci_ms is None else float(self.offset_ci_ms[1]),
            "sync_abs_offset_ms": nan if self.offset_ms is None else abs(float(self.offset_ms)),
            "sync_confidence": float(self.confidence),
            "sync_synchronizable": bool(self.synchronizable),
            "sync_peak_corr": float(self.peak_corr),
            "sync_zero_lag_corr": float(self.zero_lag_corr),
            "sync_peak_minus_zero": float(self.peak_corr - self.zero_lag_corr),
            "sync_peak_z": float(self.peak_z),
            "sync_margin": float(self.margin),
            "sync_audio_activity": float(self.audio_activity),
            "sync_motion_activity": float(self.motion_activity),
        }

    def to_dict(self) -> dict:
        """JSON-ready: scalars plus the arrays as lists."""
        return {
            "offset_ms": self.offset_ms,
            "offset_ci_ms": None if self.offset_ci_ms is None else list(self.offset_ci_ms),
            "ambiguous": self.ambiguous,
            "confidence": self.confidence,
            "synchronizable": self.synchronizable,
            "reason": self.reason,
            "best_region": None if self.best_region is None else list(self.best_region),
            "peak_lag_ms": self.peak_lag_ms,
            "peak_corr": self.peak_corr,
            "zero_lag_corr": self.zero_lag_corr,
            "peak_z": self.peak_z,
            "margin": self.margin,
            "stability": self.stability,
            "audio_activity": self.audio_activity,
            "motion_activity": self.motion_activity,
            "lags_ms": self.lags_ms.tolist(),
            "correlation": self.correlation.tolist(),
            "source_map": self.source_map.tolist(),
        }


# ----- curves -------------------------------------------------------------------------------


def curves(decoded: media.Decoded, grid: tuple[int, int] = GRID) -> SyncCurves:
    """The events path's curves of a decode made in one go (`decode.measure` builds the same
    curves as the frames come).

    Parameters
    ----------
    decoded : media.Decoded
        Grey (or RGB) frames, at SYNC_FPS and SYNC_SIZE for the path's tuned figures.
    grid : (rows, cols)
        The cells motion is measured in.

    Returns
    -------
    SyncCurves
    """
    frames = decoded.frames
    if frames.ndim == 4:
        frames = media.to_grey(frames)
    picture = _MotionCurves(grid)
    picture.add(frames)
    return _sync_curves(decoded, picture)


def _sync_curves(decoded: media.Decoded, picture: _MotionCurves) -> SyncCurves:
    motion, accel, repeated = picture.curves()
    onset = rms = None
    if decoded.audio is not None and decoded.audio.size:
        onset, rms = audio_curves(decoded.audio, decoded.sr, decoded.fps)
    return SyncCurves(float(decoded.fps), picture.grid, motion, accel, onset, rms, repeated)


def _cell_means(images: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    """(N, H, W[, C]) -> (N, R[, C]) means over each cell of the grid, row by row. Block sums
    read the images once, where slicing out each cell read strided memory R times."""
    n, h, w = images.shape[:3]
    ys = np.linspace(0, h, grid[0] + 1).round().astype(int)
    xs = np.linspace(0, w, grid[1] + 1).round().astype(int)
    sums = np.add.reduceat(np.add.reduceat(images, xs[:-1], axis=2, dtype=np.float64), ys[:-1], axis=1)
    areas = np.outer(np.diff(ys), np.diff(xs)).reshape(grid + (1,) * (images.ndim - 3))
    return (sums / areas).reshape(n, grid[0] * grid[1], *images.shape[3:])


def _flows(frames: np.ndarray) -> np.ndarray:
    """Farneback flow between consecutive frames, worked out on half-size copies and given in
    pixels of the full (SYNC_SIZE) frame. Only each cell's mean velocity is used, and flow's
    cost is per pixel: at half size it costs a quarter of the CPU the decode beside it needs
    (250 frames: 35 against 132 ms), for as many offsets found (94.7 against 96.0% within 40 ms
    on the embedded dataset's time shifts; docs/sync-tuning.md). The pairs run one after
    another: threads bought less wall time than the CPU they took from the decode."""
    size = (frames.shape[2] // FLOW_SHRINK, frames.shape[1] // FLOW_SHRINK)
    small = [cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames]
    flows = [cv2.calcOpticalFlowFarneback(a, b, None, **FARNEBACK) for a, b in zip(small[:-1], small[1:])]
    return np.stack(flows) * (frames.shape[2] / size[0])


class _MotionCurves:
    """Per-cell frame-difference energy and per-cell change of mean flow velocity of grey
    frames handed over a run at a time (each run continues the last), as they are decoded.

    Both are needed: a lamp lighting or a mouth opening is a change of brightness that flow
    does not see, while a hit or a bounce happens where a stick or a ball reverses, at the
    one moment its frame difference dips. The velocity change is taken across each sample,
    |v(k+1) - v(k-1)|, so a reversal inside interval k is credited to sample k.

    A repeated frame (a low-rate source decoded at SYNC_FPS, or a clip made from one) is a
    missing sample, not stillness: the next sample holds the change of both intervals, so the
    curves would be a comb of zeros. That change, and the displacement, are shared equally by
    the two samples, which keeps both the time base (their span's middle) and the scale.
    """

    def __init__(self, grid: tuple[int, int] = GRID):
        self.grid = tuple(grid)
        self._last: np.ndarray | None = None
        self._motion: list[np.ndarray] = []
        self._velocity: list[np.ndarray] = []
        self._pending: list[np.ndarray] = []

    def add(self, frames: np.ndarray) -> None:
        """Frames (N, H, W) uint8 that follow the ones added before."""
        self._pending.append(frames)
        if sum(map(len, self._pending)) >= FLOW_RUN:
            self._take()

    def _take(self) -> None:
        frames = np.concatenate(self._pending)
        self._pending = []
        if not len(frames):
            return
        if self._last is None:
            cells = self.grid[0] * self.grid[1]
            self._motion.append(np.zeros((1, cells)))
            self._velocity.append(np.zeros((1, cells, 2)))
        else:
            frames = np.concatenate([self._last[None], frames])
        if len(frames) > 1:
            self._motion.append(_cell_means(np.abs(np.diff(frames.astype(np.float32), axis=0)), self.grid))
            self._velocity.append(_cell_means(_flows(frames), self.grid))
        self._last = frames[-1]

    def curves(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """motion (T, R) in grey levels, accel (T, R) in px/frame and the repeated samples
        (T,) bool; T is the frames added."""
        if self._pending:
            self._take()
        cells = self.grid[0] * self.grid[1]
        motion = np.concatenate([np.zeros((0, cells)), *self._motion]).astype(np.float32)
        velocity = np.concatenate([np.zeros((0, cells, 2)), *self._velocity]).astype(np.float32)
        repeated = np.zeros(len(motion), bool)
        # sample k is the change into frame k, so the pair diff[i] of cues is sample i + 1
        repeated[1:] = cues.repeated_frames(motion[1:].mean(axis=1), REPEAT_MOVING_GREY)
        repeated[-1:] = False  # no following sample to share with
        k = np.flatnonzero(repeated)
        for curve in (motion, velocity):
            curve[k] = curve[k + 1] = (curve[k] + curve[k + 1]) / 2
        accel = np.zeros_like(motion)
        if len(velocity) > 2:
            accel[1:-1] = np.linalg.norm(velocity[2:] - velocity[:-2], axis=2)
        return motion, accel, repeated


def audio_curves(audio: np.ndarray, sr: int, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Onset strength (positive spectral flux of band loudness, averaged over the bands) and
    linear RMS of mono audio at `sr` Hz, one value per frame interval at `fps` Hz (the time
    base of the module docstring). The flux of loudness, not of dB or of magnitude, found the
    most offsets (docs/sync-tuning.md)."""
    loudness, rms = band_loudness(audio, sr, fps)
    onset = np.zeros(len(loudness), np.float32)
    if len(loudness) > 1:
        onset[1:] = np.maximum(np.diff(loudness, axis=0), 0).mean(axis=1)
    return onset, rms


# ----- correlation --------------------------------------------------------------------------


def _combine(r: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean r of the best TOP_K channels at each lag (of each surrogate, given r (S, L, C)), and
    that r as an approximate z-score (Fisher transform times sqrt(n - 3)), which ranks lags
    fairly when overlaps differ."""
    k = min(TOP_K, r.shape[-1])
    corr = np.sort(r, axis=-1)[..., -k:].mean(axis=-1)
    score = np.arctanh(np.clip(corr, -0.999, 0.999)) * np.sqrt(np.maximum(n - 3, 1))
    return corr, score


def _detrend(x: np.ndarray, fps: float) -> np.ndarray:
    """Minus a centred moving average over DETREND_S: events are brief, so this keeps them,
    while a slow swell of loudness or motion (a fade, a plane flying off, a pan) would
    otherwise correlate at every lag and masquerade as a match. Without it, the real clip of
    a departing plane, its sound delayed 300 ms, was claimed at -1.3 s."""
    w = max(3, int(round(DETREND_S * fps)) | 1)
    if x.shape[0] <= w:
        return x - x.mean(axis=0)
    kernel = np.ones(w) / w
    pad = [(w // 2, w // 2)] + [(0, 0)] * (x.ndim - 1)
    padded = np.pad(x, pad, mode="reflect")
    smooth = np.apply_along_axis(lambda col: np.convolve(col, kernel, mode="valid"), 0, padded)
    return x - smooth


def _no_result(c: SyncCurves, reason: str, motion_activity: float, audio_activity: float) -> SyncResult:
    return SyncResult(
        offset_ms=None,
        offset_ci_ms=None,
        ambiguous=False,
        confidence=0.0,
        synchronizable=False,
        reason=reason,
        lags_ms=np.zeros(0),
        correlation=np.zeros(0),
        source_map=np.zeros(c.grid),
        best_region=None,
        peak_lag_ms=None,
        peak_corr=0.0,
        zero_lag_corr=float("nan"),
        peak_z=0.0,
        margin=0.0,
        stability=float("nan"),
        audio_activity=audio_activity,
        motion_activity=motion_activity,
    )


def _activity(x: np.ndarray) -> float:
    """How eventful a curve is: its 99th percentile over its median. Sparse events score
    high; noise or a steady tone stays near 1-3."""
    med = float(np.median(x)) if x.size else 0.0
    return float(np.percentile(x, 99) / med) if med > 1e-12 else 0.0


def _audible_onset(c: SyncCurves) -> tuple[np.ndarray, int]:
    """The onset curve without leading and trailing digital silence, and the curve sample its
    first value stands for. That silence (adelay's gap, a trimmed end) carries no timing;
    correlated as mere quiet, it would make the lag that hides the gap win, and the estimate
    would measure where the sound starts instead of whether it fits the picture. The onset
    out of the leading silence goes too: it is the gap's edge, not an event."""
    audible = np.flatnonzero(c.rms >= SILENCE_RMS)
    first = max(int(audible[0]) + 1, 1)
    return c.onset[first : int(audible[-1]) + 1].astype(np.float64), first


def _peak_z(score: np.ndarray, lags: np.ndarray, i: int) -> float:
    """Peak score against the lags away from it, in units of their spread."""
    rest = score[np.abs(lags - lags[i]) > PEAK_HALF_WIDTH]
    return float((score[i] - rest.mean()) / (rest.std() + 1e-9))


def _plausible(score: np.ndarray, i: int, noise: float) -> tuple[float, float, float]:
    """The peak's lobe, as fractional lag indices (low, high), and the margin of the peak over
    the best rival outside it, in units of the noise of a score difference.

    A lag fits as well as the peak within chance when its score is less than PLAUSIBLE_Z
    standard deviations of a difference of two scores below the peak's (each score has the
    chance spread `noise` at one lag, seen on the surrogates). The contiguous run of such lags
    around the peak is the offset's interval. The margin is measured against the lags outside
    it, so a rival counts only when a dip below that level separates it from the peak; it
    ties with the peak when it is less than MARGIN_THRESHOLD standard deviations below, i.e.
    when chance alone would put it on top about one time in six or more. Measured in the
    score's own chance spread, not in the spread of the lag curve (the former rule): a
    regular beat makes that curve swing widely, so a tie looked like a clear peak, and a lone
    sharp peak made a flat curve's small bumps look like rivals.
    """
    unit = math.sqrt(2) * noise + 1e-9
    level = score[i] - PLAUSIBLE_Z * unit
    above = score >= level
    lo = i - int(np.argmin(above[i::-1])) if not above[: i + 1].all() else -1
    hi = i + int(np.argmin(above[i:])) if not above[i:].all() else score.size
    # edges where the score crosses the level, linearly between the lags on either side
    low = float(lo + (level - score[lo]) / (score[lo + 1] - score[lo])) if lo >= 0 else 0.0
    high = float(hi - (level - score[hi]) / (score[hi - 1] - score[hi])) if hi < score.size else score.size - 1.0
    outside = np.r_[score[: max(lo + 1, 0)], score[hi:]]
    margin = float((score[i] - outside.max()) / unit) if outside.size else 0.0
    return low, high, margin


def analyse(source: media.Decoded | SyncCurves, max_lag_s: float = MAX_LAG_S) -> SyncResult:
    """Offset estimate, confidence and sound-source map of one clip.

    `synchronizable` False means "cannot tell": `offset_ms` is then only the best guess
    (None when there is nothing to correlate: no audio, silence, a still picture, too short;
    or when the best lag is `ambiguous`) and `reason` says why, in words fit for a person.

    confidence: how many standard deviations the peak's score stands above the peak scores
    of `signals.SURROGATES` onset curves cut into blocks and shuffled (same sounds, same texture, no
    relation to the picture). It asks "could chance alone give a peak this high with these
    very curves?", which a z-score against the other lags (`peak_z`, kept as a feature)
    answers badly for short clips, whose lag curve has few independent values: at the same
    rate of claims on mismatched clips, it kept 66% of the procedural clips where `peak_z`
    kept 44% (docs/sync-tuning.md). `margin` is the peak over the best lag outside its lobe, in the chance spread
    of a score difference (see `_plausible`); it is small when events repeat regularly (a
    countdown's beeps, a drum beat) and several lags fit. Then the clip is `ambiguous`: no
    offset is given at all, since a guess among tied lags is a coin toss that a reader (or
    the detector) would take for a measurement. A clip is synchronizable when confidence >=
    CONFIDENCE_THRESHOLD, it is not ambiguous, and its peak comes back in STABLE_SHARE of
    bootstrap resamples (`stability`): a false alarm on a good clip costs more than a missed
    shift, so the threshold claims 4 of 240 mismatched clips (3.0 would claim 9; measured before
    the resample rule, which can only take claims away).

    Parameters
    ----------
    source : media.Decoded or SyncCurves
        A decode at SYNC_FPS and SYNC_SIZE, or its curves (`avcore.sync.decode.measure`).
    max_lag_s : float
        The largest offset searched either way, in seconds.

    Returns
    -------
    SyncResult
        Offsets in ms, positive = audio late (module docstring).
    """
    c = source if isinstance(source, SyncCurves) else curves(source)
    inputs = _correlation_inputs(c)
    if isinstance(inputs, SyncResult):
        return inputs
    lags = search_lags(len(inputs.channels), len(inputs.onset), inputs.to_onset, c.fps, max_lag_s)
    if lags.size < MIN_LAGS:
        return _no_result(c, "the clip is too short", inputs.motion_activity, inputs.audio_activity)
    return _estimate(c, inputs, lags)


@dataclass(frozen=True)
class _Inputs:
    """What `analyse` correlates: the live picture channels (T, C) and the onset curve, both
    detrended, the onset spread (see `_spread_onsets`)."""

    channels: np.ndarray  # row t is curve sample t + 1
    onset: np.ndarray  # onset[j] is curve sample j + 1 - to_onset
    live: np.ndarray  # (2 R,) bool: which motion then accel channels of the cells are kept
    # audio late by `lag` samples pairs channels[t] with onset[t + lag + to_onset]
    to_onset: int
    audio_activity: float
    motion_activity: float


def _correlation_inputs(c: SyncCurves) -> _Inputs | SyncResult:
    """The curves to correlate, or the result that says why there is nothing to correlate
    (no audio, too short, silent, a still picture)."""
    motion, accel = c.motion[1:-1].astype(np.float64), c.accel[1:-1].astype(np.float64)
    too_short = min(len(motion), 0 if c.onset is None else len(c.onset)) < MIN_LAGS
    motion_activity = float(np.max(motion.std(axis=0), initial=0.0)) if len(motion) > 1 else 0.0
    if c.onset is None:
        return _no_result(c, "no audio stream", motion_activity, 0.0)
    if too_short:
        return _no_result(c, "the clip is too short", motion_activity, 0.0)
    if float(np.max(c.rms)) < SILENCE_RMS:
        return _no_result(c, "the audio is silent", motion_activity, 0.0)
    onset, first = _audible_onset(c)
    if onset.size < MIN_LAGS:
        return _no_result(c, "the clip is too short", motion_activity, 0.0)
    audio_activity = _activity(onset)
    live = _live_channels(motion, accel)
    if not live.any():
        return _no_result(c, "the picture does not move", motion_activity, audio_activity)
    channels = _detrend(np.concatenate([motion, accel], axis=1)[:, live], c.fps)
    return _Inputs(channels, _spread_onsets(onset, c.fps), live, 1 - first, audio_activity, motion_activity)


def _live_channels(motion: np.ndarray, accel: np.ndarray) -> np.ndarray:
    """Which cells' motion, then which cells' accel channels move at all. A cell's flow counts
    only where its frame difference moves too: Farneback finds flow even between identical
    frames."""
    moving = motion.std(axis=0) > MOTION_FLOOR
    return np.concatenate([moving, moving & (accel.std(axis=0) > ACCEL_FLOOR)])


def _spread_onsets(onset: np.ndarray, fps: float) -> np.ndarray:
    """The detrended onset curve with each onset spread over its neighbours (ONSET_SPREAD). A
    picture event is quantised to its frame interval, a sound's onset is not: spreading lets a
    sound that fell near an interval's edge still meet its picture, and rounds the peak so the
    parabola can place it between lags."""
    return np.convolve(_detrend(onset, fps), ONSET_SPREAD, mode="same")


def _estimate(c: SyncCurves, inputs: _Inputs, lags: np.ndarray) -> SyncResult:
    """The lag curve over `lags` (samples, audio late positive), its peak and the peak's
    standing against chance, as a result."""
    shifts = lags + inputs.to_onset
    r, n = lagged_pearson(inputs.channels, inputs.onset, shifts)
    corr, score = _combine(r, n)
    i = int(np.argmax(score))
    confidence, noise = _surrogate_z(inputs.channels, inputs.onset, shifts, float(score[i]), c.fps)
    low, high, margin = _plausible(score, i, noise)
    ambiguous = margin < MARGIN_THRESHOLD
    # resampled only where it decides something: a lock that passed the other tests
    stability = (
        _peak_stability(inputs, shifts, n, i, c.fps)
        if confidence >= CONFIDENCE_THRESHOLD and not ambiguous
        else float("nan")
    )
    source_map = _source_map(r[i], inputs.live, c.grid)
    best = np.unravel_index(int(np.argmax(source_map)), c.grid)
    ms_per_lag = 1000.0 / c.fps
    zero = np.flatnonzero(lags == 0)
    reason = _reason(confidence, ambiguous, stability)
    return SyncResult(
        offset_ms=None if ambiguous else float((lags[0] + parabolic_peak(score, i)) * ms_per_lag),
        offset_ci_ms=None if ambiguous else (float((lags[0] + low) * ms_per_lag), float((lags[0] + high) * ms_per_lag)),
        ambiguous=ambiguous,
        confidence=confidence,
        synchronizable=not reason,
        reason=reason,
        lags_ms=lags * ms_per_lag,
        correlation=corr,
        source_map=source_map,
        best_region=(int(best[0]), int(best[1])),
        peak_lag_ms=float(lags[i] * ms_per_lag),
        peak_corr=float(corr[i]),
        zero_lag_corr=float(corr[zero[0]]) if zero.size else float("nan"),
        peak_z=_peak_z(score, lags, i),
        margin=margin,
        stability=stability,
        audio_activity=inputs.audio_activity,
        motion_activity=inputs.motion_activity,
    )


def _peak_stability(inputs: _Inputs, shifts: np.ndarray, n: np.ndarray, i: int, fps: float) -> float:
    """`signals.peak_stability` of the lock at `i`: the picture's samples resampled, each
    lag's score `_combine` of the resampled r with the lag's overlap as in the clip."""

    def resampled(weights: np.ndarray) -> np.ndarray:
        r, counted = weighted_lagged_pearson(inputs.channels, inputs.onset, shifts, weights)
        return np.where(counted, _combine(r, n)[1], -np.inf)

    return peak_stability(len(inputs.channels), fps, i, resampled)


def _source_map(r_peak: np.ndarray, live: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    """Each cell's r at the peak lag, the better of its two cues (0 for a cell with neither)."""
    per_channel = np.full(live.size, -np.inf)
    per_channel[live] = r_peak
    source_map = per_channel.reshape(2, -1).max(axis=0)
    return np.where(np.isfinite(source_map), source_map, 0.0).reshape(grid)


def _reason(confidence: float, ambiguous: bool, stability: float) -> str:
    """Why the clip is not synchronizable, in words for a person ("" when it is)."""
    if confidence < CONFIDENCE_THRESHOLD:
        return "no clear audio-visual events"
    if ambiguous:
        return "several offsets fit equally well (the events repeat regularly)"
    if stability < STABLE_SHARE:
        return "the best offset rests on a few events and does not hold across the clip"
    return ""


def _surrogate_z(
    channels: np.ndarray, onset: np.ndarray, lags: np.ndarray, peak: float, fps: float
) -> tuple[float, float]:
    """The peak score against the peak scores of the onset curve's surrogates
    (`signals.surrogate_orders`: same events, same texture, no relation to the picture), and
    the chance spread of the score at one lag (the median over lags of its standard deviation
    across the surrogates)."""
    scores = _combine(*lagged_pearson(channels, onset[surrogate_orders(onset.size, fps)], lags))[1]
    peaks = scores.max(axis=1)
    return float((peak - peaks.mean()) / (peaks.std() + 1e-9)), float(np.median(scores.std(axis=0)))
