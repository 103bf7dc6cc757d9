"""Whole clips in windows: the windows cover the clip, the drift line is found and refused where
it should be, and on a long procedural clip the drift of audio played 0.2% fast is measured."""

from __future__ import annotations

import numpy as np
import pytest

from avcore.data import synth
from avcore.io import media
from avcore.sync import decode, windows

ATEMPO = 1.002
LONG_S = 40.0
# Theil-Sen over ~7 windows, each off by up to ~10 ms: a slope error of 20 ms over the 30 s
# between the outer centres is 40 ms/min, and the typical error is a fraction of that
DRIFT_TOLERANCE_MS_PER_MIN = 25.0


def _fake(offset_at, measured_at=lambda t: True):
    """A window measure whose offset is a function of the window's centre."""

    def measure(start_s, end_s):
        t = (start_s + end_s) / 2
        ms = offset_at(t)
        return windows.WindowResult(start_s, end_s, ms, (ms - 40, ms + 40), 5.0, measured_at(t))

    return measure


@pytest.mark.parametrize("duration", [3.0, 10.0, 12.0, 23.7, 60.0])
def test_spans_cover_the_clip_in_whole_windows(duration):
    spans = windows.spans(duration)
    assert spans[0][0] == 0.0 and abs(spans[-1][1] - duration) < windows.MIN_LAST_WINDOW_S
    for (_, b), (c, _) in zip(spans, spans[1:]):
        assert c <= b  # no gap
    assert all(abs(b - a - min(duration, windows.WINDOW_S)) < 1e-9 for a, b in spans)


def test_drift_and_offset_of_a_known_line_with_outliers():
    """Every window on a line of 90 ms/min but two locked on a wrong lag; windows that are not
    measured are left out."""

    def line(t):
        return 200.0 + 1.5 * t

    wrong = {12.5, 32.5}
    tr = windows.track(
        60.0,
        _fake(lambda t: line(t) + (700 if t in wrong else 0), measured_at=lambda t: t != 22.5),
        window_s=5.0,
        hop_s=5.0,
    )
    assert len(tr.windows) == 12 and len(tr.measured) == 11
    assert abs(tr.drift_ms_per_min - 90.0) < 1.0
    assert tr.drift_residual_ms < 1.0
    inliers = [line(w.centre_s) for w in tr.measured if w.centre_s not in wrong]
    assert abs(tr.offset_ms - np.median(inliers)) < 10
    assert tr.offset_ci_ms[0] <= tr.offset_ms <= tr.offset_ci_ms[1]


def test_no_drift_from_too_few_windows_or_a_jump():
    few = windows.track(60.0, _fake(lambda t: 3 * t, measured_at=lambda t: t < 15))
    assert few.drift_ms_per_min is None and few.offset_ms is not None
    jump = windows.track(60.0, _fake(lambda t: 0.0 if int(t) % 10 < 5 else 400.0), window_s=5.0, hop_s=5.0)
    assert jump.drift_ms_per_min is None  # the offset jumps back and forth: no line fits
    nothing = windows.track(60.0, _fake(lambda t: 0.0, measured_at=lambda t: False))
    assert nothing.offset_ms is None and nothing.offset_ci_ms is None and nothing.drift_ms_per_min is None


@pytest.fixture(scope="module")
def long_clips(tmp_path_factory):
    """A 40 s procedural drum clip three ways: in sync, its sound content-shifted 300 ms late
    (no gap), and in sync but with its sound played ATEMPO times fast."""
    folder = tmp_path_factory.mktemp("long")
    size = (80, 60)  # the sync decode is 64x48; small frames keep the encodes fast
    aligned = synth.render(2, kind="drum", duration=LONG_S, size=size)
    late = synth.render(2, kind="drum", duration=LONG_S, size=size, audio_offset_s=0.3)
    base = media.write_clip(folder / "aligned.mp4", aligned.frames, aligned.fps, aligned.audio)
    shifted = media.write_clip(folder / "late.mp4", late.frames, late.fps, late.audio)
    fast = media.encode(folder / "fast.mp4", [["-i", str(base)]], af=f"atempo={ATEMPO}")
    return {"late": shifted, "fast": fast}


def test_constant_offset_has_no_drift(long_clips):
    tr = windows.events_track(decode.measure(long_clips["late"])[1])
    assert len(tr.measured) >= windows.DRIFT_MIN_WINDOWS
    assert abs(tr.drift_ms_per_min) < DRIFT_TOLERANCE_MS_PER_MIN
    assert abs(tr.offset_ms - 300) <= 40
    assert tr.offset_ci_ms[0] <= 300 <= tr.offset_ci_ms[1]


def test_fast_audio_drifts_earlier(long_clips):
    """A sound at picture time t plays at t / ATEMPO: its offset is -t (1 - 1 / ATEMPO), about
    -120 ms a minute, and it starts near zero."""
    expected = -60_000.0 * (1 - 1 / ATEMPO)
    tr = windows.events_track(decode.measure(long_clips["fast"])[1])
    assert len(tr.measured) >= windows.DRIFT_MIN_WINDOWS
    assert abs(tr.drift_ms_per_min - expected) < DRIFT_TOLERANCE_MS_PER_MIN, tr.drift_ms_per_min
    first = tr.measured[0]
    assert abs(first.offset_ms - expected * first.centre_s / 60) <= 40


def test_window_result_is_serialisable(long_clips):
    import json

    tr = windows.events_track(decode.measure(long_clips["late"])[1])
    d = json.loads(json.dumps(tr.to_dict()))
    assert len(d["windows"]) == len(tr.windows) and set(d) >= {"drift_ms_per_min", "offset_ms", "offset_ci_ms"}


def test_the_verdict_reads_the_windows(long_clips):
    """A drift that carries the sound out of the tolerance is misaligned and not repairable; a
    constant shift over the whole clip is misaligned by that shift, and repairable."""
    from avcore.check import shipped_checker

    fast, _ = shipped_checker().check(long_clips["fast"])
    assert fast.state == "misaligned" and fast.drift_ms_per_min is not None and not fast.repairable
    assert any("drifts" in r for r in fast.reasons) and len(fast.track) >= windows.DRIFT_MIN_WINDOWS
    late, _ = shipped_checker().check(long_clips["late"])
    assert late.state == "misaligned" and late.repairable and abs(late.offset_ms - 300) <= 40
    assert (
        late.to_json()["track"]
        and late.drift_ms_per_min is not None
        and abs(late.drift_ms_per_min) < DRIFT_TOLERANCE_MS_PER_MIN
    )
