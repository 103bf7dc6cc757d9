"""Repair: sound moved back by a given or a measured offset, judged by the sync analysis of the
written clip; and every case where it must refuse rather than guess."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import real_clip

from avcore import AvcoreError
from avcore.damage import anomalies
from avcore.io import media
from avcore.repair import repair
from avcore.sync import decode, events


def offset_after(path) -> float:
    result = events.analyse(decode.measure(path)[1])
    assert result.synchronizable, result.reason
    return result.offset_ms


@pytest.mark.parametrize("shift_ms", [320, -320])
def test_a_given_offset_is_used_without_analysing_the_clip(click_clip, tmp_path, monkeypatch, shift_ms):
    shifted = anomalies.time_shift(click_clip, tmp_path / "shifted.mp4", shift_ms)
    with monkeypatch.context() as m:
        m.setattr(decode, "measure", lambda *a, **k: pytest.fail("repair analysed a clip whose offset it was given"))
        assert repair(shifted, tmp_path / "fixed.mp4", float(shift_ms)) == shift_ms
    assert abs(offset_after(tmp_path / "fixed.mp4")) < 40


def test_the_detectors_offset_repairs_the_clip(click_clip, tmp_path):
    """The app passes the verdict's offset_ms: its sign must mean what repair takes it to mean."""
    from avcore.scoring import Scorer

    shifted = anomalies.time_shift(click_clip, tmp_path / "late.mp4", 320)
    verdict, _ = Scorer.load().detect(shifted)
    assert verdict.repairable and verdict.offset_ms == pytest.approx(320, abs=40)
    repair(shifted, tmp_path / "fixed.mp4", verdict.offset_ms)
    assert abs(offset_after(tmp_path / "fixed.mp4")) < 40


def test_without_an_offset_it_measures_one(click_clip, tmp_path):
    shifted = anomalies.time_shift(click_clip, tmp_path / "late.mp4", 320)
    assert repair(shifted, tmp_path / "fixed.mp4") == pytest.approx(320, abs=40)
    assert abs(offset_after(tmp_path / "fixed.mp4")) < 40


def test_refuses_when_no_confident_offset_exists(tmp_path):
    with pytest.raises(AvcoreError, match="Cannot repair"):
        repair(real_clip("no-audio-480p.mp4"), tmp_path / "x.mp4")
    frames = np.full((75, 120, 160), 90, np.uint8)  # a still picture: nothing to line the sound up with
    noise = np.random.default_rng(0).normal(0, 0.1, 48000).astype(np.float32)
    still = media.write_clip(tmp_path / "still.mp4", frames, 25, noise)
    with pytest.raises(AvcoreError, match="Cannot repair"):
        repair(still, tmp_path / "y.mp4")
    assert not (tmp_path / "x.mp4").exists() and not (tmp_path / "y.mp4").exists()


def test_refuses_a_clip_in_sync(click_clip, tmp_path):
    with pytest.raises(AvcoreError, match="already in sync"):
        repair(click_clip, tmp_path / "z.mp4")
    with pytest.raises(AvcoreError, match="already in sync"):
        repair(click_clip, tmp_path / "z.mp4", 12.0)
    assert not (tmp_path / "z.mp4").exists()
