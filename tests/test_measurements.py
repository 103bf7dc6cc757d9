"""The typed record of what the analysis measures (`avcore.sync.analysis.Measurements`): its
fields are the events path's numbers and the cues, flags are bools, and a feature table's row
reads back as the same record."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from avcore.eval.feature_cache import FeatureTable
from avcore.features import cues
from avcore.sync import analysis, events
from avcore.sync.analysis import Measurements


@pytest.fixture(scope="module")
def measured(click_clip) -> analysis.ClipAnalysis:
    return analysis.analyse(click_clip)


def _same(a: Measurements, b: Measurements) -> bool:
    """Field by field, NaN equal to NaN (no lag claimed)."""
    return all(
        x == y or (isinstance(x, float) and math.isnan(x) and math.isnan(y))
        for x, y in zip(dataclasses.astuple(a), dataclasses.astuple(b))
    )


def test_the_fields_are_the_events_paths_numbers_and_the_cues(measured):
    assert set(analysis.NAMES) == set(measured.sync.features()) | set(cues.KEYS)
    assert len(analysis.NAMES) == len(measured.sync.features()) + len(cues.KEYS)
    assert analysis.FLAGS == {"audio_missing", "sync_synchronizable"}


def test_flags_are_bools_and_the_rest_floats(measured):
    m = measured.measurements
    for name in analysis.NAMES:
        value = getattr(m, name)
        assert type(value) is (bool if name in analysis.FLAGS else float), (name, value)
    assert m.sync_synchronizable is True and m.audio_missing is False  # the click clip locks, and has sound


def test_a_row_reads_back_as_the_same_measurements(measured):
    m = measured.measurements
    row = m.row()
    assert list(row) == list(analysis.NAMES) and all(type(v) is float for v in row.values())
    assert row["sync_synchronizable"] == 1.0 and row["audio_missing"] == 0.0
    assert _same(Measurements.from_row(row), m)
    muted = dataclasses.replace(m, audio_missing=True, sync_offset_ms=float("nan"))
    back = Measurements.from_row(muted.row())
    assert back.audio_missing is True and math.isnan(back.sync_offset_ms) and _same(back, muted)


def test_a_row_must_have_every_field_and_flags_of_0_or_1(measured):
    row = measured.measurements.row()
    with pytest.raises(ValueError, match="lacks"):
        Measurements.from_row({k: v for k, v in row.items() if k != "silence_ratio"})
    with pytest.raises(ValueError, match="unknown"):
        Measurements.from_row(row | {"loudness": 1.0})
    with pytest.raises(ValueError, match="flags"):
        Measurements.from_row(row | {"audio_missing": 0.7})


def test_of_joins_the_events_result_and_the_cues(measured):
    again = Measurements.of(events.analyse(measured.curves), cues.cues(measured.decoded))
    assert _same(again, measured.measurements)


def test_a_feature_table_keeps_the_measurements(measured, tmp_path):
    m = measured.measurements
    rows = [m, dataclasses.replace(m, audio_missing=True, sync_synchronizable=False, sync_offset_ms=float("nan"))]
    table = FeatureTable(np.zeros((2, 3), np.float32), np.array([0.1, 0.2]), rows)
    table.save(tmp_path / "features.npz")
    loaded = FeatureTable.load(tmp_path / "features.npz")
    assert all(_same(a, b) for a, b in zip(loaded.measurements, rows))
    assert loaded.measurements[1].audio_missing is True and loaded.measurements[1].sync_synchronizable is False
