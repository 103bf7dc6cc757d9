"""Whole clips in windows: an offset track, the drift it shows, and one offset for the clip.

One offset for a whole clip hides the commonest long-clip fault, sound that drifts (audio
resampled at a slightly wrong rate runs ahead or behind by a little more each minute), and
one lag searched over a minute is smeared by that very drift. So the clip is measured in
overlapping windows by any measure that maps a time span to an offset (the events path
here; the speech path plugs in the same way), and a robust line through the measured
windows gives the drift. Only the analysis curves are windowed, never the frames.

Sign convention as in `avcore.sync.events`: a positive offset means the audio is late.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from avcore.sync import events

WINDOW_S = 10.0  # long enough for several events and the +-2 s lag search (events.MAX_LAG_S)
HOP_S = 5.0  # half a window: every moment lies in two windows, one of them away from its edge
MIN_LAST_WINDOW_S = 1.0  # a tail shorter than this past the last regular window gets no window of its own
DRIFT_MIN_WINDOWS = 4  # measured windows needed before a line through them means anything
DRIFT_MIN_SPAN_S = 20.0  # between the first and last measured centres: a line over less is mostly noise
DRIFT_MAX_RESIDUAL_MS = 40.0  # median |residual| a line may leave (a frame): beyond, the offset jumps, not drifts
SECONDS_PER_MINUTE = 60.0


@dataclass(frozen=True)
class WindowResult:
    """One window's measurement: `offset_ms` (None when nothing is measured, or the best lag is
    ambiguous), its interval, a confidence on the measure's own scale, and whether it counts
    (`measured`: a confident, unambiguous, reproducible lock)."""

    start_s: float
    end_s: float
    offset_ms: float | None
    offset_ci_ms: tuple[float, float] | None
    confidence: float
    measured: bool

    @property
    def centre_s(self) -> float:
        """The window's middle, in seconds of the clip: where a drift line places it."""
        return (self.start_s + self.end_s) / 2


@dataclass(frozen=True)
class OffsetTrack:
    """The windows of one clip and what they say together.

    `drift_ms_per_min` is the slope of the measured offsets against time (negative: the audio
    comes progressively earlier), None unless enough windows over a long enough span follow a
    line; `drift_residual_ms` is the median |residual| of that line (None without a fit).
    `offset_ms` is the median of the measured windows' offsets and `offset_ci_ms` its interval
    (see `combine`); both None when no window is measured.
    """

    windows: tuple[WindowResult, ...]
    drift_ms_per_min: float | None
    drift_residual_ms: float | None
    offset_ms: float | None
    offset_ci_ms: tuple[float, float] | None

    @property
    def measured(self) -> tuple[WindowResult, ...]:
        """The windows that count (a confident, unambiguous, reproducible lock)."""
        return tuple(w for w in self.windows if w.measured)

    def to_dict(self) -> dict:
        """JSON-ready."""
        return {
            "windows": [
                {
                    "start_s": w.start_s,
                    "end_s": w.end_s,
                    "centre_s": w.centre_s,
                    "offset_ms": w.offset_ms,
                    "offset_ci_ms": None if w.offset_ci_ms is None else list(w.offset_ci_ms),
                    "confidence": w.confidence,
                    "measured": w.measured,
                }
                for w in self.windows
            ],
            "drift_ms_per_min": self.drift_ms_per_min,
            "drift_residual_ms": self.drift_residual_ms,
            "offset_ms": self.offset_ms,
            "offset_ci_ms": None if self.offset_ci_ms is None else list(self.offset_ci_ms),
        }


def spans(duration_s: float, window_s: float = WINDOW_S, hop_s: float = HOP_S) -> list[tuple[float, float]]:
    """Window bounds covering a clip: every `hop_s` from 0, plus one ending at the clip's end
    when the regular ones leave a tail; a clip no longer than one window is one window.

    Parameters
    ----------
    duration_s : float
        Length of the clip.
    window_s, hop_s : float
        Window length and the step between window starts, in seconds.

    Returns
    -------
    list of (start_s, end_s)
    """
    if duration_s <= window_s:
        return [(0.0, float(duration_s))]
    count = int(math.floor((duration_s - window_s) / hop_s + 1e-9)) + 1
    out = [(k * hop_s, k * hop_s + window_s) for k in range(count)]
    if duration_s - out[-1][1] >= MIN_LAST_WINDOW_S:
        out.append((duration_s - window_s, float(duration_s)))
    return out


def _measured(windows) -> list[WindowResult]:
    """The windows that count: a confident, unambiguous, reproducible lock with an offset."""
    return [w for w in windows if w.measured and w.offset_ms is not None]


def drift(windows: tuple[WindowResult, ...] | list[WindowResult]) -> tuple[float | None, float | None]:
    """Theil-Sen slope (the median of the slopes between every pair of measured windows) in ms
    per minute and the median |residual| of that line, or (None, None) when fewer than
    DRIFT_MIN_WINDOWS are measured, they span less than DRIFT_MIN_SPAN_S, or the line leaves
    more than DRIFT_MAX_RESIDUAL_MS. The median ignores up to ~29% of windows locked on a wrong
    lag, which a least-squares line would follow.

    Parameters
    ----------
    windows : sequence of WindowResult
        Only those `measured` are used.

    Returns
    -------
    (drift_ms_per_min, residual_ms)
    """
    used = _measured(windows)
    if len(used) < DRIFT_MIN_WINDOWS:
        return None, None
    t = np.array([w.centre_s for w in used])
    y = np.array([w.offset_ms for w in used])
    if t.max() - t.min() < DRIFT_MIN_SPAN_S:
        return None, None
    i, j = np.triu_indices(t.size, k=1)
    apart = t[j] != t[i]
    slope = float(np.median((y[j] - y[i])[apart] / (t[j] - t[i])[apart]))
    residual = float(np.median(np.abs(y - np.median(y - slope * t) - slope * t)))
    if residual > DRIFT_MAX_RESIDUAL_MS:
        return None, None
    return slope * SECONDS_PER_MINUTE, residual


def combine(windows: tuple[WindowResult, ...] | list[WindowResult]) -> tuple[float | None, tuple[float, float] | None]:
    """The clip's offset: the median of the measured windows' offsets, and an interval from the
    median of their interval bounds, widened to hold the middle half of their offsets. The
    windows overlap and share samples, so their intervals cannot be pooled as independent; this
    is what one typical window says plus how far the windows disagree.

    Parameters
    ----------
    windows : sequence of WindowResult
        Only those `measured` are used.

    Returns
    -------
    (offset_ms, (low_ms, high_ms)), or (None, None) when no window is measured.
    """
    used = _measured(windows)
    if not used:
        return None, None
    offsets = np.array([w.offset_ms for w in used])
    bounds = np.array([w.offset_ci_ms if w.offset_ci_ms is not None else (w.offset_ms, w.offset_ms) for w in used])
    q1, q3 = np.percentile(offsets, [25, 75])
    return float(np.median(offsets)), (float(min(np.median(bounds[:, 0]), q1)), float(max(np.median(bounds[:, 1]), q3)))


def track(
    duration_s: float,
    measure: Callable[[float, float], WindowResult],
    *,
    window_s: float = WINDOW_S,
    hop_s: float = HOP_S,
) -> OffsetTrack:
    """Measure a clip window by window and sum the windows up.

    Parameters
    ----------
    duration_s : float
        Length of the clip (of its analysis curves).
    measure : callable
        `measure(start_s, end_s) -> WindowResult` for one window; see `events_window` for the
        events path.
    window_s, hop_s : float
        Window length and step, in seconds.

    Returns
    -------
    OffsetTrack
    """
    windows = tuple(measure(a, b) for a, b in spans(duration_s, window_s, hop_s))
    slope, residual = drift(windows)
    offset, interval = combine(windows)
    return OffsetTrack(windows, slope, residual, offset, interval)


def events_window(curves: events.SyncCurves) -> Callable[[float, float], WindowResult]:
    """The events path as a window measure: `events.analyse` on the curves' slice.

    Parameters
    ----------
    curves : events.SyncCurves
        The whole clip's curves (`avcore.sync.decode.measure`).

    Returns
    -------
    callable
        `measure(start_s, end_s) -> WindowResult`; `measured` is the analysis' `synchronizable`.
    """

    def measure(start_s: float, end_s: float) -> WindowResult:
        r = events.analyse(curves.window(start_s, end_s))
        return WindowResult(start_s, end_s, r.offset_ms, r.offset_ci_ms, r.confidence, r.synchronizable)

    return measure


def events_track(curves: events.SyncCurves, *, window_s: float = WINDOW_S, hop_s: float = HOP_S) -> OffsetTrack:
    """`track` over the events path's curves of one clip.

    Parameters
    ----------
    curves : events.SyncCurves
        The whole clip's curves (`avcore.sync.decode.measure`).
    window_s, hop_s : float
        Window length and step, in seconds.

    Returns
    -------
    OffsetTrack
    """
    return track(curves.seconds, events_window(curves), window_s=window_s, hop_s=hop_s)
