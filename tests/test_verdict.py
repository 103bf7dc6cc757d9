"""The decision rule: three states, reached only by the evidence each one needs."""

from __future__ import annotations

import pytest

from avcore import AvcoreError
from avcore.verdict import (
    ALIGNED,
    DEFAULT_TOLERANCE,
    MISALIGNED,
    UNVERIFIED,
    Damage,
    SyncReading,
    Tolerance,
    decide,
    describe_offset,
)

CLEAN = Damage(p=0.05, kind="aligned")
NOISE = Damage(p=0.9, kind="noise", reasons=("the audio is white noise (spectrally flat)",))
DELAY = Damage(p=0.95, kind="time_shift", reasons=("audio starts 0.40 s late, after digital silence",), delay_ms=400.0)


def lock(path: str, offset_ms: float, half_ms: float = 20.0, *, firm: bool = True) -> SyncReading:
    return SyncReading(
        path=path,
        locked=True,
        firm=firm,
        offset_ms=offset_ms,
        offset_ci_ms=(offset_ms - half_ms, offset_ms + half_ms),
        confidence=6.0,
        summary="the face",
    )


UNLOCKED = SyncReading(
    path="events",
    locked=False,
    firm=False,
    offset_ms=None,
    offset_ci_ms=None,
    confidence=1.2,
    reason="no clear audio-visual events",
)


def test_aligned_needs_a_measured_offset_within_tolerance():
    v = decide(CLEAN, [lock("speech", 30.0)])
    assert v.state == ALIGNED and v.evidence == "speech" and v.offset_ms == 30.0
    assert not v.repairable


def test_no_damage_and_nothing_measured_is_unverified_not_aligned():
    v = decide(CLEAN, [UNLOCKED])
    assert v.state == UNVERIFIED and v.evidence == "none" and v.offset_ms is None
    assert any("no clear audio-visual events" in r for r in v.reasons)


@pytest.mark.parametrize("offset_ms, inside", [(-44.0, True), (-46.0, False), (124.0, True), (126.0, False)])
def test_the_tolerance_window_is_asymmetric(offset_ms, inside):
    v = decide(CLEAN, [lock("events", offset_ms, half_ms=0.0)])
    assert v.state == (ALIGNED if inside else MISALIGNED)
    assert v.repairable == (not inside)


def test_a_lock_that_is_not_firm_is_misaligned_but_offers_no_fix():
    """Re-timing by a lock that only one claim rule holds could damage a good clip."""
    v = decide(CLEAN, [lock("speech", 400.0, firm=False)])
    assert v.state == MISALIGNED and v.offset_ms == 400.0 and not v.repairable
    assert decide(CLEAN, [lock("speech", 400.0)]).repairable


@pytest.mark.parametrize("offset_ms", [-50.0, -40.0, 120.0, 130.0])
def test_an_interval_across_the_tolerance_edge_is_too_close_to_call(offset_ms):
    v = decide(CLEAN, [lock("speech", offset_ms, half_ms=30.0)])
    assert v.state == UNVERIFIED and not v.repairable and any("too close to call" in r for r in v.reasons)
    assert decide(NOISE, [lock("speech", offset_ms, half_ms=30.0)]).state == MISALIGNED  # damage still decides


def test_damage_makes_a_clip_misaligned_even_with_sync_in_tolerance():
    v = decide(NOISE, [lock("speech", 10.0)])
    assert v.state == MISALIGNED and v.evidence == "damage"
    assert any("white noise" in r for r in v.reasons)


def test_a_delays_silence_gives_an_exact_offset():
    v = decide(DELAY, [UNLOCKED])
    assert v.state == MISALIGNED and v.evidence == "damage" and v.offset_ms == 400.0 and v.repairable
    assert v.offset_source == "leading silence"


def test_the_surest_path_gives_the_offset():
    v = decide(CLEAN, [lock("speech", 300.0), lock("events", -500.0)])
    assert v.evidence == "speech" and v.offset_ms == 300.0 and v.state == MISALIGNED


def test_a_speaking_face_without_a_lock_is_unverified():
    """A swapped sound's face speaks and no lag fits; so do in-sync short clips: not misaligned."""
    unlocked_face = SyncReading(
        path="speech",
        locked=False,
        firm=False,
        offset_ms=None,
        offset_ci_ms=None,
        confidence=0.4,
        summary="the face in the middle",
        reason="the mouth and the speech agree at no offset",
    )
    v = decide(CLEAN, [unlocked_face, UNLOCKED])
    assert v.state == UNVERIFIED and v.evidence == "none" and v.offset_ms is None and not v.repairable
    assert any(r.startswith("speech: the mouth and the speech agree at no offset") for r in v.reasons)


def test_json_names_every_state_exactly():
    for v, state in (
        (decide(CLEAN, [lock("speech", 0.0)]), "aligned"),
        (decide(NOISE, []), "misaligned"),
        (decide(CLEAN, []), "unverified"),
    ):
        out = v.to_json()
        assert out["verdict"] == state  # equality, not a substring: "aligned" is inside "misaligned"
        assert set(out) >= {"verdict", "evidence", "offset_ms", "offset_ci_ms", "reasons", "repairable"}


def test_tolerance_parsing_and_words():
    assert Tolerance.parse("20,60") == Tolerance(20.0, 60.0)
    for bad in ("20", "a,b", "nan,10", "-5,10", "1,2,3"):
        with pytest.raises(AvcoreError):
            Tolerance.parse(bad)
    assert DEFAULT_TOLERANCE.contains(0.0) and not DEFAULT_TOLERANCE.contains(-45.5)
    assert describe_offset(180.0) == "the sound is about 180 ms late"
    assert describe_offset(-250.0) == "the sound is about 250 ms early"


def test_a_drift_out_of_tolerance_is_misaligned_and_not_repairable():
    from avcore.sync.windows import WindowResult

    track = tuple(WindowResult(t, t + 10.0, -2.0 * t, None, 6.0, True) for t in (0.0, 10.0, 20.0, 30.0, 40.0))
    v = decide(CLEAN, [lock("events", -40.0)], track=track, drift_ms_per_min=-120.0)
    assert v.state == MISALIGNED and not v.repairable and any("drifts" in r for r in v.reasons)
    steady = decide(CLEAN, [lock("events", 20.0)], track=track, drift_ms_per_min=-1.0)  # under a frame over the clip
    assert steady.state == ALIGNED
