"""The whole check on real talking heads: verdicts that only the speech path can give."""

from __future__ import annotations

import pytest
from conftest import SHARED

from avcore.check import check_clip
from avcore.eval import syncbench

SYNC_MEDIA = SHARED / "media" / "sync"


def talking(name: str):
    path = SYNC_MEDIA / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path


def test_a_talking_head_as_published_is_aligned_by_its_face():
    v = check_clip(talking("retalk-3.mp4"))
    assert v.state == "aligned" and v.evidence == "speech", v
    assert v.offset_ci_ms[0] >= -v.tolerance.early_ms and v.offset_ci_ms[1] <= v.tolerance.late_ms


def test_sound_early_on_a_talking_head_is_measured_by_its_face(tmp_path):
    """retalk-2's picture from 0 s with its sound from 0.85 s on, same length: every word is
    heard 850 ms before the mouth says it. The music-free room gives the events path nothing."""
    src = talking("retalk-2.mp4")
    length = 5.0 - 0.85
    case = syncbench.Case(
        "retalk-2.mp4",
        "talking",
        "shift",
        -850.0,
        str(tmp_path / "early.mp4"),
        (str(src), 0.0),
        (str(src), 0.85),
        length,
    )
    assert syncbench.make_case(case) is None
    v = check_clip(case.path)
    assert v.state == "misaligned" and v.evidence == "speech", v
    assert v.offset_ms == pytest.approx(-850, abs=80) and v.repairable
