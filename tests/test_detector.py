"""The shipped detector on real clips it never trained on, and its evidence."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import real_clip

from avcore.damage import anomalies
from avcore.features import cues
from avcore.models import detector
from avcore.scoring import Scorer
from avcore.sync import analysis, decode, events
from avcore.sync.analysis import Measurements
from avcore.verdict import DECISION_THRESHOLD


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
        "mixed_noise": anomalies.noise(src, out / "mixed.mp4", snr_db=5.0),
        "advance": anomalies.time_shift(src, out / "advance.mp4", -600),
        "mute": anomalies.mute(src, out / "mute.mp4"),
        "distort": anomalies.distort(src, out / "distort.mp4"),
    }


@pytest.mark.parametrize("kind", ["aligned", "time_shift", "noise", "mute", "distort"])
def test_verdict_and_type_on_a_real_clip(scorer, damaged, kind):
    """chaplin's music shows no sync the events path can lock on to, so the untouched film is
    "unverified", never "aligned" on the strength of finding no damage."""
    row = scorer.score(damaged[kind])
    assert row["verdict"] == ("unverified" if kind == "aligned" else "misaligned")
    assert row["damage"] == kind
    assert row["evidence"] == ("none" if kind == "aligned" else "damage")
    assert row["reasons"] and all(isinstance(r, str) for r in row["reasons"])


def test_reasons_name_the_evidence(scorer, damaged):
    delayed = scorer.score(damaged["time_shift"])
    assert any(" s late, after digital silence" in r for r in delayed["reasons"])
    assert delayed["offset_ms"] == pytest.approx(700, abs=40) and delayed["offset_source"] == "leading silence"
    assert delayed["repairable"]
    assert any("no audio stream" in r for r in scorer.score(damaged["mute"])["reasons"])
    assert any("white noise" in r for r in scorer.score(damaged["noise"])["reasons"])
    assert any("as long as the audio" in r for r in scorer.score(damaged["distort"])["reasons"])


def test_noise_mixed_under_the_sound_is_found(scorer, damaged):
    row = scorer.score(damaged["mixed_noise"])
    assert row["verdict"] == "misaligned" and row["damage"] == "noise"
    assert any("hiss" in r for r in row["reasons"])


def test_an_advance_is_measured_from_the_missing_audio_start(scorer, damaged):
    """chaplin's music gives sync no confident lock, so only the short audio shows the advance:
    damage, but no offset exact enough to repair by (audio that merely ends early looks the
    same). The detector's own estimate from it stays an estimate."""
    row = scorer.score(damaged["advance"])
    assert row["verdict"] == "misaligned" and row["evidence"] == "damage"
    assert not row["repairable"]
    assert any("as long as the audio" in r for r in row["reasons"])


def _row(**values) -> Measurements:
    """The measurements of a clean clip where sync cannot tell, with `values` changed."""
    zeros = {name: False if name in analysis.FLAGS else 0.0 for name in analysis.NAMES}
    clean = {"av_duration_ratio": 1.0, "floor_hf_db": -60.0, "sync_abs_offset_ms": np.nan, "sync_offset_ms": np.nan}
    return dataclasses.replace(Measurements.from_row(zeros | clean), **values)


def test_offset_sources_in_order_of_trust():
    delay = _row(leading_silence_s=0.5, av_duration_diff_s=0.56)
    assert detector.offset_estimate(delay) == detector.Offset(500.0, "leading silence", True)
    locked = dataclasses.replace(delay, sync_synchronizable=True, sync_offset_ms=480.0)
    assert detector.offset_estimate(locked) == detector.Offset(480.0, "sync", True)
    own_gap = _row(leading_silence_s=1.28, av_duration_diff_s=0.83)  # the clip's own 0.45 s too
    assert detector.offset_estimate(own_gap) == detector.Offset(830.0, "leading silence", True)
    silent = _row(leading_silence_s=3.0, av_duration_diff_s=0.56, silence_ratio=1.0)
    assert not detector.offset_estimate(silent).reliable  # silence throughout measures nothing
    short = _row(av_duration_diff_s=-0.8)
    assert detector.offset_estimate(short) == detector.Offset(-800.0, "audio shorter than video", False)
    matched = detector.offset_estimate(dataclasses.replace(short, sync_offset_ms=-760.0))
    assert matched.ms == -760.0 and not matched.reliable
    assert detector.offset_estimate(dataclasses.replace(short, sync_offset_ms=300.0)).ms == -800.0
    guess = detector.offset_estimate(_row(sync_offset_ms=250.0))
    assert guess.ms == 250.0 and not guess.reliable
    assert detector.offset_estimate(_row()) == detector.Offset(None, "", False)


def test_clean_file_has_no_evidence(damaged):
    ev = detector.evidence(analysis.analyse(damaged["aligned"]).measurements)
    assert ev["audio_missing"] == 0 and ev["lead_silence_s"] == 0
    assert ev["audio_extra_s"] == 0 and ev["audio_short_s"] == 0 and ev["video_short"] == 0
    assert ev["spectral_flatness"] < 0.2 and ev["hiss_floor"] == 0


def test_cannot_tell_is_not_evidence():
    row = _row(sync_abs_offset_ms=900.0, sync_offset_ms=900.0)
    assert detector.evidence(row)["shift_evidence_ms"] == 0
    assert detector.evidence(dataclasses.replace(row, sync_synchronizable=True))["shift_evidence_ms"] == 900


def test_an_unclaimed_lag_counts_only_above_chance():
    far = _row(sync_abs_offset_ms=900.0, sync_offset_ms=900.0)
    assert detector.evidence(dataclasses.replace(far, sync_confidence=2.0))["weak_shift"] == 0
    assert detector.evidence(dataclasses.replace(far, sync_confidence=3.5))["weak_shift"] == pytest.approx(
        3.5 - detector.WEAK_SYNC_FLOOR
    )
    near = _row(sync_abs_offset_ms=40.0, sync_offset_ms=40.0, sync_confidence=3.5)
    assert detector.evidence(near)["weak_shift"] == 0  # a lag this small is no shift
    claimed = dataclasses.replace(far, sync_confidence=5.0, sync_synchronizable=True)
    assert detector.evidence(claimed)["weak_shift"] == 0  # counted in full as shift_evidence_ms instead


@pytest.mark.parametrize("delay_s", [0.15, 0.3, 1.0])
def test_a_short_delay_is_found_without_sync(scorer, delay_s):
    """A delay leaves leading silence and audio longer by as much (plus ~64 ms of encoder
    padding); with sync unable to tell, those traces alone must carry the verdict, down to the
    shortest delays, which pass the dead zones by only a few hundredths of a second."""
    row = _row(leading_silence_s=delay_s, av_duration_diff_s=delay_s + 0.064, av_duration_ratio=3.0 / (3.0 + delay_s))
    assert scorer.models.detector.p_misaligned([row])[0] > DECISION_THRESHOLD


def test_silent_audio_is_not_called_a_delay(click_clip):
    decoded = decode.measure(click_clip)[0]
    silent = dataclasses.replace(decoded, audio=np.zeros_like(decoded.audio))
    c = events.curves(silent)
    said = detector.damage_reasons(Measurements.of(events.analyse(c), cues.cues(silent)))
    assert "the audio track is silent throughout" in said
    assert not any("late" in r for r in said)


@pytest.mark.parametrize("cue", ["spectral_flatness", "floor_hf_flatness"])
def test_more_evidence_never_lowers_p(scorer, cue):
    rows = [_row(floor_hf_db=-10.0, **{cue: f}) for f in np.linspace(0, 1, 11)]
    p = scorer.models.detector.p_misaligned(rows)
    assert np.all(np.diff(p) >= -1e-9) and p[0] < DECISION_THRESHOLD


def test_white_noise_for_sound_is_misaligned(scorer):
    """White noise is flat, also in the upper band; the cues rise together."""
    rows = [_row(spectral_flatness=f, floor_hf_db=-3.0, floor_hf_flatness=f) for f in np.linspace(0, 0.9, 10)]
    p = scorer.models.detector.p_misaligned(rows)
    assert np.all(np.diff(p) >= -1e-9) and p[-1] > DECISION_THRESHOLD > p[0]
