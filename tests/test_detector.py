"""The shipped detector on real clips it never trained on, and its evidence."""

from __future__ import annotations

import numpy as np
import pytest

from avcore import anomalies
from avcore.models import detector
from avcore.scoring import Scorer
from conftest import real_clip


@pytest.fixture(scope="module")
def scorer():
    return Scorer.load()


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    src = real_clip("chaplin.mp4")
    out = tmp_path_factory.mktemp("damaged")
    return {
        "aligned": src,
        "time_shift": anomalies.time_shift(src, out / "delay.mp4", 700),
        "noise": anomalies.noise(src, out / "noise.mp4"),
        "mute": anomalies.mute(src, out / "mute.mp4"),
        "distort": anomalies.distort(src, out / "distort.mp4"),
    }


@pytest.mark.parametrize("kind", ["aligned", "time_shift", "noise", "mute", "distort"])
def test_verdict_and_type_on_a_real_clip(scorer, damaged, kind):
    row = scorer.score(damaged[kind])
    assert row["verdict"] == ("aligned" if kind == "aligned" else "misaligned")
    assert row["type"] == kind
    assert sum(row["type_probs"].values()) == pytest.approx(1, abs=1e-3)
    assert row["reasons"] and all(isinstance(r, str) for r in row["reasons"])


def test_reasons_name_the_evidence(scorer, damaged):
    delayed = scorer.score(damaged["time_shift"])
    assert any(" s late, after digital silence" in r for r in delayed["reasons"])
    assert delayed["offset_ms"] == pytest.approx(700, abs=40) and delayed["offset_source"] == "leading silence"
    assert any("no audio stream" in r for r in scorer.score(damaged["mute"])["reasons"])
    assert any("white noise" in r for r in scorer.score(damaged["noise"])["reasons"])
    assert any("as long as the audio" in r for r in scorer.score(damaged["distort"])["reasons"])


def test_clean_file_has_no_evidence(damaged):
    ev = detector.evidence(detector.analyse(damaged["aligned"]).vector())
    assert ev["audio_missing"] == 0 and ev["lead_silence_s"] == 0
    assert ev["audio_extra_s"] == 0 and ev["audio_short_s"] == 0 and ev["video_short"] == 0
    assert ev["spectral_flatness"] < 0.2


def test_cannot_tell_is_not_evidence():
    row = {k: 0.0 for k in ("audio_missing", "leading_silence_s", "spectral_flatness", "av_duration_diff_s", "sync_peak_minus_zero")}
    row.update(av_duration_ratio=1.0, sync_synchronizable=0.0, sync_abs_offset_ms=900.0)
    assert detector.evidence(row)["shift_evidence_ms"] == 0
    row["sync_synchronizable"] = 1.0
    assert detector.evidence(row)["shift_evidence_ms"] == 900


def test_more_evidence_never_lowers_p(scorer):
    base = {k: 0.0 for k in ("audio_missing", "leading_silence_s", "spectral_flatness", "av_duration_diff_s", "sync_peak_minus_zero", "sync_synchronizable", "sync_abs_offset_ms")}
    base["av_duration_ratio"] = 1.0
    rows = [dict(base, spectral_flatness=f) for f in np.linspace(0, 1, 11)]
    p = scorer.models.detector.p_misaligned(rows)
    assert np.all(np.diff(p) >= -1e-9) and p[-1] > 0.5 > p[0]
