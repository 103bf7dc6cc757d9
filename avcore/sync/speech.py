"""How far the sound is from the picture of a speaking face, from its mouth and the speech.

The coarse-motion path (avcore.sync.events) sees a talking head as a few grey cells that hardly
change, and is at chance on it. Speech is tied to the mouth: the lips part as a syllable gets
loud and move fastest at its onsets. So curves of the mouth (how open it is, how much its
picture changes) are slid against curves of the speech band (its loudness envelope, its
onsets) and the lag where they agree, beyond what chance gives with the same curves, is the
offset. Several curve pairs are fused, as each one fails on some speakers (a smiling mouth is
open in the pauses; a small mouth's opening is noisy, its picture change is not).

Sign and time base as in avcore.sync.events: a POSITIVE offset means the AUDIO is LATE; curve sample
k stands for the frame interval ((k-1)/fps, k/fps]. A mouth level (how open it is) at frame k
is a snapshot at k/fps, so the level curves average frames k-1 and k to stand for the same
interval as the frame differences and the audio windows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from avcore.sync import signals
from avcore.sync.mouth import MouthTrack

SPEECH_FPS = 25.0
MAX_LAG_S = 1.2
# Below 500 Hz lie the voice's fundamental, its first harmonics and the nasal murmur (m, n):
# they sound while the lips are closed. Moving the edge from 300 to 500 Hz, the best lag of the
# talking clips' 108 content shifts came within 80 ms on 96 instead of 81, and 74 were measured
# instead of 52, none wrong; edges from 500 to 800 Hz did about as well, 1000 Hz and more worse.
# Chosen on those clips (bench/speech_shifts.py; docs/sync-tuning.md)
SPEECH_BAND_HZ = (500.0, 3000.0)
BAND_SPREAD_FLOOR = 0.1  # see speech_curves
# the mouth moves slightly before its sound, so this is taken off every offset: the median
# raw error of the estimates within 80 ms, about a third of a frame (bench/speech_shifts.py;
# docs/sync-tuning.md)
SPEAKER_LEAD_MS = 15.0
# a claim needs both: together they claimed 15% of the talking clips' content shifts, every
# one within 80 ms, and 1 of 72 swapped-sound pairs (bench/speech_shifts.py; docs/sync-tuning.md)
CONFIDENCE_THRESHOLD = 2.5
# lower than the events path's 1.0: speech is quasi-periodic (a syllable every ~0.2-0.3 s), so a
# rival peak one syllable away is normal; at 1.0 seven in eight correct claims were lost
MARGIN_THRESHOLD = 0.3
# or a weaker confidence backed by the pairs themselves: at least 3 of the 4 curve pairs peak,
# each alone, at the fused lag. Measured 7 shifts of 36 instead of 2 on the real-footage
# benchmark's talking cases, with no more false alarms, but chosen on those same cases
# (evaluate --sync; docs/sync-tuning.md)
AGREEMENT_MIN = 3
AGREED_CONFIDENCE = 1.0
# or a peak that the clip reproduces: in at least this share of moving-block bootstrap
# resamples (signals.BOOTSTRAPS, blocks of signals.BOOTSTRAP_BLOCK_S, a syllable or two) the
# fused peak falls within one lag of the clip's own. Chance peaks of a short clip move when a few of its
# syllables are drawn twice and others not at all; a real lag stays. Claims on the talking
# clips' content shifts rose from 30 to 52 of 117, all within 80 ms (bench/speech_shifts.py;
# docs/sync-tuning.md). Unrelated sound gets a stable peak about one time in seven, at a lag of
# no meaning, so a stable peak must also stand above the surrogates' mean peak: a crying baby's
# face (vas-baby-01951) locked at -613 ms came back in 64% of resamples below it (confidence
# -0.13); on the talking clips' content shifts the bar cost 2 claims of 80, none of them wrong.
STABLE_SHARE = 0.6
STABLE_CONFIDENCE = 0.0
# a lock two of the three rules above claim is firm enough to re-time the sound by (a fix, which
# would damage a good clip if wrong): of the talking clips' content shifts claimed within 80 ms,
# 44 of 78 are firm; of 15 swapped-sound pairs claimed (at a lag of no meaning), 3
# (bench/speech_shifts.py's cuts; docs/sync-tuning.md)
FIRM_RULES = 2
PLAUSIBLE_SHARE = 0.8  # of a face's key frames whose mesh must be face-shaped
# the landmark model's presence probability on nine key frames in ten (its 10th percentile):
# >= 0.99 for every person facing the camera, at most 0.97 on a puppy's muzzle (vas-dog-02677)
PRESENCE_FACE = 0.98
MIN_TRACK_S = 1.0
MAX_GAP_S = 1.0  # see mouth_curves
OPENING_COMPONENTS = 8  # see _per_frame_opening
OPENING_RIDGE = 0.1
NULL_VARIANCE = 1e-9  # of the first component's: a component this small is rounding noise
SPEECH_RANGE_DB = 15.0  # speech envelope's 95th over 10th percentile: pauses between words
MOUTH_MOVES = 0.01  # eye distances: std of a speaking mouth's opening (0.013-0.06 measured; still faces 0.002-0.006)


@dataclass(frozen=True)
class MouthCurves:
    """Per-sample curves of one face on the time base of the module docstring, covering
    curve samples `start` .. `start` + T - 1 of the clip. `opening` inner-lip gap in eye
    distances (measured by the key frames' meshes, predicted from the mouth patch on the
    other frames, see `_per_frame_opening`); `darkness` minus the mean grey
    level of the middle of the mouth patch, which rises as the lips part on the dark mouth
    cavity, seen on every frame; `change` mean absolute change of the grey mouth patch (grey
    levels)."""

    start: int
    opening: np.ndarray
    darkness: np.ndarray
    change: np.ndarray


@dataclass(frozen=True)
class SpeechCurves:
    """Per-sample audio curves of the whole clip: the speech bands' `envelope` (each band's
    loudness, as avcore.sync.signals has it, standardised over the audible samples, then
    averaged), their positive change per band averaged `onset` (of the loudness itself), the
    linear RMS of each window `rms`, and the bands' mean loudness `level`."""

    envelope: np.ndarray
    onset: np.ndarray
    rms: np.ndarray
    level: np.ndarray


@dataclass(frozen=True)
class SpeechResult:
    """The speech path's verdict on one clip.

    `measured`: a face speaks and one lag agrees clearly (see `_speech_result`'s rules); only
    then are `offset_ms` (positive = audio late, the speaker's natural lead removed) and
    `offset_ci_ms` (see `lock`: it held the true shift 86 times in 89) to be trusted. `firm`:
    measured by FIRM_RULES of those rules, enough to re-time the sound by.
    Otherwise they are the best guess, as in avcore.sync.events, or None when there was nothing to
    time (no face, no audio, too short).
    `speaks_but_no_lock`: a face's mouth clearly moves and the audio holds speech, yet no lag
    agrees: the sound is likely someone else's (dubbed or swapped). `confidence` is the
    peak's standing over block-shuffled surrogates of the audio (standard deviations),
    `margin` its lead over the best rival peak, `agreement` how many of the four curve pairs
    peak on their own at the fused lag (`_pair_agreement`), `stability` the share of bootstrap
    resamples of the clip that put the peak at the same lag (`peak_stability`), `peak_corr` and
    `zero_lag_corr` the mean Pearson r of the curve pairs at the peak and at lag 0. `faces`
    counts the face-like faces followed; `face_box` (x0, y0, x1, y1) is the one whose mouth
    agreed best, in pixels of the original frame. `reason` says in words why nothing was
    measured ("" when measured). For plotting: the lag curve (`lags_ms`, `score`: mean
    Fisher-transformed r), the chosen mouth's opening from curve sample `mouth_start` on and
    the speech envelope from sample 0, one value per sample at `fps`.
    """

    face_found: bool
    speaking: bool
    measured: bool
    firm: bool
    speaks_but_no_lock: bool
    offset_ms: float | None
    offset_ci_ms: tuple[float, float] | None
    confidence: float
    margin: float
    agreement: int
    stability: float
    peak_corr: float
    zero_lag_corr: float
    face_box: tuple[float, float, float, float] | None
    faces: int
    reason: str
    fps: float = SPEECH_FPS
    lags_ms: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    score: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    mouth_opening: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    mouth_start: int = 0
    speech_envelope: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)


# ----- curves -------------------------------------------------------------------------------


def speech_curves(audio: np.ndarray, sr: int, fps: float) -> SpeechCurves:
    """Speech-band curves of mono audio at `sr` Hz, one value per frame interval at `fps` Hz.

    Only the bands whose centre lies in SPEECH_BAND_HZ count: below it lie hum, the voice's
    fundamental and the nasal murmur, which sound with the lips closed; above it sibilants and
    noise. The bands and their loudness are avcore.sync.signals', so both paths hear the same
    sound. The envelope weighs every band's swing alike: averaged as loudness, the louder lower
    bands set its shape. A band's spread counts as at least BAND_SPREAD_FLOOR of the widest
    band's, or the empty neighbours of a lone tone would be blown up into noise.
    """
    loudness, rms = signals.band_loudness(audio, sr, fps)
    weights = signals.band_matrix(signals.N_FFT, sr, signals.N_BANDS)
    centres = weights @ np.fft.rfftfreq(signals.N_FFT, 1 / sr) / weights.sum(axis=1)
    bands = loudness[:, (centres >= SPEECH_BAND_HZ[0]) & (centres <= SPEECH_BAND_HZ[1])].astype(np.float64)
    heard = rms >= signals.SILENCE_RMS
    audible = bands[heard] if np.count_nonzero(heard) > 1 else bands
    spread = audible.std(axis=0)
    floor = BAND_SPREAD_FLOOR * float(spread.max(initial=0.0)) + 1e-12
    envelope = ((bands - audible.mean(axis=0)) / np.maximum(spread, floor)).mean(axis=1)
    onset = np.zeros(len(bands))
    if len(bands) > 1:
        onset[1:] = np.maximum(np.diff(bands, axis=0), 0).mean(axis=1)
    return SpeechCurves(envelope, onset, rms, bands.mean(axis=1))


def mouth_curves(track: MouthTrack, fps: float = SPEECH_FPS) -> MouthCurves | None:
    """The curves of one followed face over the longest stretch of frames it was followed in
    with no gap over MAX_GAP_S (None when that is under three frames). Frames of a shorter
    gap take the last patch before it; a longer one would be a still mouth made up. `fps` in
    Hz."""
    valid = ~np.isnan(track.patches[:, 0, 0])
    idx = np.flatnonzero(valid)
    if idx.size < 3:
        return None
    breaks = np.flatnonzero(np.diff(idx) > MAX_GAP_S * fps)
    starts, ends = np.r_[0, breaks + 1], np.r_[breaks, idx.size - 1]
    longest = int(np.argmax(idx[ends] - idx[starts]))
    first, end = int(idx[starts[longest]]), int(idx[ends[longest]]) + 1
    if end - first < 3:
        return None
    nearest = np.maximum.accumulate(np.where(valid[first:end], np.arange(end - first), 0))
    patches = track.patches[first:end][nearest].reshape(end - first, -1).astype(np.float64)
    keys = np.array([k - first for k in track.key_frames if first <= k < end], int)
    values = np.array([o for k, o in zip(track.key_frames, track.opening) if first <= k < end])
    opening = _per_frame_opening(patches, keys, values)
    h, w = track.patches.shape[1:]
    middle = track.patches[first:end][nearest][:, h // 4 : h - h // 4, w // 4 : w - w // 4]
    darkness = -middle.reshape(end - first, -1).mean(axis=1, dtype=np.float64)
    change = np.abs(np.diff(patches, axis=0)).mean(axis=1)
    return MouthCurves(
        start=first + 1,
        opening=(opening[1:] + opening[:-1]) / 2,
        darkness=(darkness[1:] + darkness[:-1]) / 2,
        change=change,
    )


def _per_frame_opening(patches: np.ndarray, keys: np.ndarray, opening: np.ndarray) -> np.ndarray:
    """The inner-lip opening on every frame, predicted from its mouth patch by a ridge
    regression fitted on the key frames, where the mesh measured it.

    The mesh runs on key frames only (avcore.sync.mouth); interpolating between them blurs every
    syllable shorter than their spacing, while the patch is seen on every frame. The
    regression maps the patch's OPENING_COMPONENTS principal components (standardised) to the
    opening; the ridge shrinks each coefficient by about OPENING_RIDGE of its size, so few key
    frames do not overfit. With key frames every 6th frame, 0.3-1.0 s shifts within 80 ms went
    from 65% to 72% (bench/speech_shifts.py).
    """
    if keys.size < 2:
        return np.full(len(patches), float(opening.mean()) if opening.size else 0.0)
    z = _principal_scores(patches - patches.mean(axis=0), OPENING_COMPONENTS)
    z = z / np.maximum(z.std(axis=0), 1e-9)
    a = z[keys]
    coef = np.linalg.solve(a.T @ a + OPENING_RIDGE * keys.size * np.eye(z.shape[1]), a.T @ (opening - opening.mean()))
    return opening.mean() + z @ coef


def _principal_scores(centred: np.ndarray, k: int) -> np.ndarray:
    """The first k principal component scores (T, k) of centred rows, from the eigenvectors of
    the smaller of the two Gram matrices: the same scores as a full SVD (up to each column's
    sign, which the regression does not see) at a tenth of its cost on a 10 s clip, where the
    SVD of 250 patches of 768 pixels was the speech path's largest CPU cost (0.13 s).
    A component with no variance (patches of fewer than k distinct kinds) scores zero, not
    rounding noise that standardising would blow up."""
    if len(centred) <= centred.shape[1]:
        values, vectors = np.linalg.eigh(centred @ centred.T)
        top = np.argsort(values)[::-1][:k]
        scores = vectors[:, top] * np.sqrt(np.maximum(values[top], 0.0))
    else:
        values, vectors = np.linalg.eigh(centred.T @ centred)
        top = np.argsort(values)[::-1][:k]
        scores = centred @ vectors[:, top]
    scores[:, values[top] <= NULL_VARIANCE * max(float(values[top[0]]), 1e-30)] = 0.0
    return scores


# ----- lag ----------------------------------------------------------------------------------


def _pairs(m: MouthCurves, a: SpeechCurves) -> list[tuple[np.ndarray, np.ndarray]]:
    """(mouth curve, audio curve) pairs that should rise together: an open mouth (by its
    mesh, by its dark cavity) with a loud syllable, a changing mouth picture with a
    syllable's onset and with its loudness. Each fails on some speakers; their fusion found
    more offsets than any one (see bench/speech_shifts.py)."""
    return [(m.opening, a.envelope), (m.darkness, a.envelope), (m.change, a.onset), (m.change, a.envelope)]


def fused_score(pairs: list[tuple[np.ndarray, np.ndarray]], lags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean over the pairs of each pair's Fisher-transformed Pearson r at each lag; and the
    mean r.

    Unlike the events path, which ranks lags by r as a z-score (times sqrt(n - 3)), lags are
    ranked by agreement alone: a content shift leaves its true lag less overlap than lags
    near zero have, and the z-score's reward for overlap pulled long shifts towards zero
    (bench/speech_shifts.py: 0.3-1.0 s shifts within 80 ms rose from 64% to 75% without it).
    `signals.search_lags` keeps out the lags with too little overlap to trust.

    Parameters
    ----------
    pairs : list of (v (T,), a (Ta,) or (S, Ta))
        `v[t]` is paired with `a[t + lag]`, as in `signals.lagged_pearson`; `a` may be a stack of
        surrogates, which gives (S, L) results.
    lags : (L,) int

    Returns
    -------
    score, corr : (L,) or (S, L)
    """
    scores, corrs = [], []
    for v, a in pairs:
        r = np.clip(signals.lagged_pearson(v[:, None], a, lags)[0][..., 0], -0.999, 0.999)
        corrs.append(r)
        scores.append(np.arctanh(r))
    return np.mean(scores, axis=0), np.mean(corrs, axis=0)


def surrogate_confidence(pairs, lags: np.ndarray, peak: float, fps: float) -> float:
    """How many standard deviations `peak` stands above the peak scores reached when every
    audio curve is reordered the same way (`signals.surrogate_orders`, as the events path's): the
    same mouth and the same sounds, with no relation left between them.

    Parameters
    ----------
    pairs : list of (v (T,), a (Ta,))
        The curve pairs, as in `fused_score`.
    lags : (L,) int
        Lags searched, in samples, offset to the audio's index as in `fused_score`.
    peak : float
        The fused score's peak.
    fps : float
        The curves' rate, in Hz.
    """
    shuffles = signals.surrogate_orders(pairs[0][1].size, fps)
    peaks = fused_score([(v, a[shuffles]) for v, a in pairs], lags)[0].max(axis=1)
    return float((peak - peaks.mean()) / (peaks.std() + 1e-9))


@dataclass(frozen=True)
class _Lock:
    agreement: int  # curve pairs whose own best lag lies within a peak's width of the fused one
    stability: float  # see peak_stability
    offset_ms: float
    ci_ms: tuple[float, float]
    peak_score: float
    confidence: float
    margin: float
    peak_corr: float
    zero_lag_corr: float
    lags_ms: np.ndarray
    score: np.ndarray


def _rival_margin(score: np.ndarray, lags: np.ndarray, i: int) -> float:
    """The peak's lead over the best rival local maximum away from it, in units of the spread
    of the lags away from it: small when the mouth moves regularly and several lags fit. (The
    events path measures its margin against surrogates instead; the speech path's thresholds
    were measured with this one.)"""
    far = np.abs(lags - lags[i]) > signals.PEAK_HALF_WIDTH
    spread = float(score[far].std()) + 1e-9
    left, right = np.r_[-np.inf, score[:-1]], np.r_[score[1:], -np.inf]
    rivals = score[far & (score >= left) & (score >= right)]
    return float((score[i] - rivals.max()) / spread) if rivals.size else float((score[i] - score[far].mean()) / spread)


def _pair_agreement(pairs, lags: np.ndarray, i: int) -> int:
    """How many curve pairs, each on its own, peak within PEAK_HALF_WIDTH lags of the fused
    peak `i`. The pairs read different things (the mesh's opening, the cavity's darkness, the
    patch's change; the loudness and its onsets), so a chance peak of the fusion is rarely
    every pair's own, while a true lag is."""
    own = [int(np.argmax(fused_score([pair], lags)[0])) for pair in pairs]
    return sum(abs(j - i) <= signals.PEAK_HALF_WIDTH for j in own)


def weighted_fused_score(pairs, lags: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """`fused_score` of each weighting of the video samples (`signals.weighted_lagged_pearson`):
    (W, L) from weights (W, T), -inf where a weighting draws too few of a lag's samples. With
    every weight 1 it is `fused_score`'s score."""
    scores = []
    for v, a in pairs:
        r, counted = signals.weighted_lagged_pearson(v[:, None], a, lags, weights)
        scores.append(np.where(counted, np.arctanh(np.clip(r[..., 0], -0.999, 0.999)), -np.inf))
    return np.mean(scores, axis=0)


def peak_stability(pairs, lags: np.ndarray, i: int, fps: float) -> float:
    """`signals.peak_stability` of the fused peak `i`: how reproducible the offset is from the
    clip's own syllables, the video samples resampled."""
    return signals.peak_stability(pairs[0][0].size, fps, i, lambda w: weighted_fused_score(pairs, lags, w))


def lock(
    m: MouthCurves, a: SpeechCurves, fps: float, max_lag_s: float = MAX_LAG_S, *, with_confidence: bool = True
) -> _Lock | None:
    """The lag where one face's mouth and the speech agree best (None: too short to say).

    The interval is where a parabola through the peak's score drops by one standard error of
    a Fisher-transformed r, 1 / sqrt(n - 3) over the peak's overlap of n samples. Measured, it
    is wider than one standard error of the lag: on the talking clips' content shifts whose
    estimate was within 80 ms (bench/speech_shifts.py's cuts, the clips' own offsets included)
    it held the true shift on 86 of 89, half-width 43 ms against a 90th-percentile error of
    40 ms, which is what a verdict near the tolerance's edge needs. Without `with_confidence`
    the surrogates are skipped (confidence NaN), for ranking several faces before the chosen
    one is tested.

    Parameters
    ----------
    m : MouthCurves
        One face's curves.
    a : SpeechCurves
        The whole clip's speech curves.
    fps : float
        Their rate, in Hz.
    max_lag_s : float
        The largest offset searched either way, in seconds.

    Returns
    -------
    _Lock or None
        Offsets in ms, positive = audio late, SPEAKER_LEAD_MS taken off.
    """
    audible = np.flatnonzero(a.rms >= signals.SILENCE_RMS)
    if audible.size < 2:
        return None
    # digital silence before and after (a delay's padding) carries no timing; see events._audible_onset
    a0, a1 = int(audible[0]), int(audible[-1]) + 1
    cut = SpeechCurves(a.envelope[a0:a1], a.onset[a0:a1], a.rms[a0:a1], a.level[a0:a1])
    to_audio = m.start - a0
    lags = signals.search_lags(len(m.opening), a1 - a0, to_audio, fps, max_lag_s)
    if lags.size < signals.MIN_LAGS:
        return None
    pairs = _pairs(m, cut)
    score, corr = fused_score(pairs, lags + to_audio)
    i = int(np.argmax(score))
    margin = _rival_margin(score, lags, i)
    confidence = surrogate_confidence(pairs, lags + to_audio, float(score[i]), fps) if with_confidence else math.nan
    ms = 1000.0 / fps
    offset = (lags[0] + signals.parabolic_peak(score, i)) * ms - SPEAKER_LEAD_MS
    n = min(len(m.opening), a1 - a0 - lags[i] - to_audio) - max(0, -lags[i] - to_audio)
    half = _half_interval(score, i, n) * ms
    zero = np.flatnonzero(lags == 0)
    return _Lock(
        agreement=_pair_agreement(pairs, lags + to_audio, i),
        stability=peak_stability(pairs, lags + to_audio, i, fps) if with_confidence else math.nan,
        offset_ms=float(offset),
        ci_ms=(float(offset - half), float(offset + half)),
        peak_score=float(score[i]),
        confidence=confidence,
        margin=margin,
        peak_corr=float(corr[i]),
        zero_lag_corr=float(corr[zero[0]]) if zero.size else float("nan"),
        lags_ms=lags * ms,
        score=score,
    )


def _half_interval(score: np.ndarray, i: int, n: int) -> float:
    """Half the width, in lags, of the peak i's interval (see `lock`): where a parabola of the
    score's curvature at i drops by the standard error of a Fisher-transformed r over `n`
    samples, at least half a lag; the whole lag range when the peak is at an edge or flat."""
    curvature = -(score[i - 1] - 2 * score[i] + score[i + 1]) if 0 < i < score.size - 1 else 0.0
    drop = 1.0 / math.sqrt(max(n - 3, 1))
    return max(math.sqrt(2.0 * drop / curvature), 0.5) if curvature > 0 else float(score.size)


# ----- verdict ------------------------------------------------------------------------------


def is_face(track: MouthTrack, fps: float) -> bool:
    """A followed "face" that is a person's: the landmark model is sure of it on average, its
    mesh is face-shaped on most key frames, and it is followed for long enough to time
    (MIN_TRACK_S, key frames at `fps` Hz)."""
    span = (track.key_frames[-1] - track.key_frames[0] + 1) / fps
    return bool(
        np.percentile(track.presence, 10) >= PRESENCE_FACE
        and np.mean(track.plausible) >= PLAUSIBLE_SHARE
        and span >= MIN_TRACK_S
    )


def speech_range_db(a: SpeechCurves) -> float:
    """The speech bands' mean loudness (`level`), 95th over 10th percentile in dB: speech
    alternates syllables and short pauses, so it swings by 20-40 dB; a steady noise or music
    bed swings little."""
    audible = a.level[a.rms >= signals.SILENCE_RMS]
    if audible.size < 3:
        return 0.0
    lo, hi = np.percentile(audible, [10, 95])
    # loudness is power ** LOUDNESS_EXP, so dB = 10 / LOUDNESS_EXP * log10 of its ratio
    return float(10 / signals.LOUDNESS_EXP * np.log10(max(hi, 1e-12) / max(lo, 1e-12)))


def analyse_tracks(
    tracks: list[MouthTrack], audio: np.ndarray | None, sr: int, fps: float, *, scale: float = 1.0
) -> SpeechResult:
    """The speech path's verdict from already-followed faces and the decoded audio: the faces
    are followed while the clip decodes (`MouthTracker` on `decode.measure`'s colour frames, as
    `avcore.sync.analysis.analyse` does), so this is the step after the decode.

    Parameters
    ----------
    tracks : list of MouthTrack
        `MouthTracker.finish()` of the clip's frames at `fps`.
    audio : (N,) float32 or None
        Mono audio at `sr` Hz of the same clip, starting with its first frame.
    sr, fps : the audio's sample rate and the frames' rate, in Hz.
    scale : float
        Original frame pixels per pixel of the frames tracked, for `face_box`.

    Returns
    -------
    SpeechResult
    """
    faces = [t for t in tracks if is_face(t, fps)]
    nothing = _nothing_to_time(tracks, faces, audio)
    if nothing is not None:
        return nothing
    a = speech_curves(audio, sr, fps)
    best = _best_face(faces, a, fps)
    if best is None:
        return _none(True, False, "the face is seen too briefly to time", len(faces))
    track, m = best
    return _speech_result(track, m, a, lock(m, a, fps), len(faces), fps, scale)


def _nothing_to_time(
    tracks: list[MouthTrack], faces: list[MouthTrack], audio: np.ndarray | None
) -> SpeechResult | None:
    """The result when there is no face or no sound to time (None when there are both)."""
    if not faces:
        return _none(
            False, False, "no face" if not tracks else "nothing face-like enough to read lips from", len(faces)
        )
    if audio is None or not audio.size or float(np.max(np.abs(audio))) < signals.SILENCE_RMS:
        return _none(True, False, "no audio" if audio is None or not audio.size else "the audio is silent", len(faces))
    return None


def _best_face(faces: list[MouthTrack], a: SpeechCurves, fps: float) -> tuple[MouthTrack, MouthCurves] | None:
    """The face whose mouth agrees best with the speech at its best lag, ranked without the
    surrogates (None when no face is followed long enough to time)."""
    best = None
    for track in faces:
        m = mouth_curves(track, fps)
        found = None if m is None else lock(m, a, fps, with_confidence=False)
        if found is not None and (best is None or found.peak_score > best[1].peak_score):
            best = (track, found, m)
    return None if best is None else (best[0], best[2])


def _speech_result(
    track: MouthTrack, m: MouthCurves, a: SpeechCurves, found: _Lock, faces: int, fps: float, scale: float
) -> SpeechResult:
    """The result of the chosen face's lock: measured only when the face speaks (its mouth
    moves and the audio holds speech) and one lag agrees clearly."""
    has_speech = speech_range_db(a) >= SPEECH_RANGE_DB
    moves = float(np.std(track.opening)) >= MOUTH_MOVES
    speaking = bool(has_speech and moves)
    rules = (
        found.confidence >= CONFIDENCE_THRESHOLD and found.margin >= MARGIN_THRESHOLD,
        found.agreement >= AGREEMENT_MIN and found.confidence >= AGREED_CONFIDENCE,
        found.stability >= STABLE_SHARE and found.confidence >= STABLE_CONFIDENCE,
    )
    clear = any(rules)
    measured = speaking and clear
    return SpeechResult(
        face_found=True,
        speaking=speaking,
        measured=measured,
        firm=measured and sum(rules) >= FIRM_RULES,
        speaks_but_no_lock=speaking and not clear,
        offset_ms=found.offset_ms,
        offset_ci_ms=found.ci_ms,
        confidence=found.confidence,
        margin=found.margin,
        agreement=found.agreement,
        stability=found.stability,
        peak_corr=found.peak_corr,
        zero_lag_corr=found.zero_lag_corr,
        face_box=tuple(float(v) * scale for v in track.box),
        faces=faces,
        reason=_reason(found, measured, moves, has_speech),
        fps=fps,
        lags_ms=found.lags_ms,
        score=found.score,
        mouth_opening=m.opening,
        mouth_start=m.start,
        speech_envelope=a.envelope,
    )


def _reason(found: _Lock, measured: bool, moves: bool, has_speech: bool) -> str:
    """Why nothing was measured, in words for a person ("" when it was)."""
    if measured:
        return ""
    if not moves:
        return "the face's mouth hardly moves"
    if not has_speech:
        return "no speech in the audio"
    if found.confidence >= CONFIDENCE_THRESHOLD:
        return "several offsets fit about equally well"  # it stood out from chance, but not alone
    return "the mouth and the speech agree at no offset clearly enough to measure it"


def _none(face_found: bool, speaking: bool, reason: str, faces: int) -> SpeechResult:
    return SpeechResult(
        face_found=face_found,
        speaking=speaking,
        measured=False,
        firm=False,
        speaks_but_no_lock=False,
        offset_ms=None,
        offset_ci_ms=None,
        confidence=0.0,
        margin=0.0,
        agreement=0,
        stability=0.0,
        peak_corr=0.0,
        zero_lag_corr=float("nan"),
        face_box=None,
        faces=faces,
        reason=reason,
    )
