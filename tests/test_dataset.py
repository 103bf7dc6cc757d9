"""The embedded dataset: deterministic, balanced, with the original columns, and real files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from avcore import AvcoreError
from avcore.data import dataset, schema
from avcore.io import media

ROOT = Path(__file__).resolve().parents[1]


def test_metadata_columns_and_balance(tiny_dataset):
    meta = pd.read_csv(tiny_dataset / schema.METADATA_FILE)
    assert tuple(meta.columns) == schema.COLUMNS and schema.COLUMNS[: len(schema.ORIGINAL_COLUMNS)] == (
        schema.ORIGINAL_COLUMNS
    )
    assert (meta["Label"] == "aligned").mean() == pytest.approx(0.5, abs=0.05)
    counts = meta.loc[meta["Label"] == "misaligned", "MisalignmentType"].value_counts()
    assert set(counts.index) == {"time_shift", "noise", "mute", "distort"} and counts.max() - counts.min() <= 1
    assert set(meta["Split"]) == {"train", "test"}
    for t, group in meta.groupby("MisalignmentType"):
        assert (group["Split"] == "test").any(), t
    assert meta["Duration"].between(2, 6).all()


def test_files_carry_their_anomaly(tiny_dataset):
    meta = dataset.load_metadata(tiny_dataset)
    for row in meta.itertuples():
        info = media.probe(row.Path)
        assert info.video.width >= 160 and info.video.height >= 120
        assert info.has_audio == (row.MisalignmentType != "mute")
        if row.MisalignmentType == "distort":
            assert info.video.duration < 0.9 * row.Duration
        else:
            assert info.video.duration == pytest.approx(row.Duration, abs=0.1)
        if row.MisalignmentType == "time_shift" and row.Variant == "recipe" and row.ShiftMs > 0:
            assert info.audio.duration == pytest.approx(row.Duration + row.ShiftMs / 1000, abs=0.1)


def test_plan_is_deterministic():
    assert dataset.plan(40, seed=5) == dataset.plan(40, seed=5)
    assert dataset.plan(40, seed=5) != dataset.plan(40, seed=6)


def test_plan_is_the_same_in_every_process():
    """Each process hashes strings with its own seed; the plan must not depend on it."""
    code = "from avcore.data import dataset; print([(p.seed, p.anomaly, p.split) for p in dataset.plan(40, seed=5)])"
    plans = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        ).stdout
        for hash_seed in ("1", "2", "3")
    }
    assert len(plans) == 1


def test_time_shifts_run_from_100_ms_to_2_s_and_under_80_percent_of_the_clip():
    plans = [p for p in dataset.plan(400, seed=1) if p.anomaly == "time_shift"]
    for p in plans:
        assert 100 <= abs(p.shift_ms) <= max(100, min(0.8 * p.duration * 1000, 2000)) + 1
    assert any(p.shift_ms < 0 for p in plans) and any(p.shift_ms > 0 for p in plans)


def test_content_shifts_leave_half_the_clip_facing_its_picture():
    plans = [p for p in dataset.plan(2000, seed=2) if p.variant == "content"]
    assert all(abs(p.shift_ms) <= 500 * p.duration + 1 for p in plans)


def test_small_shifts_are_as_common_as_large_ones():
    """Evenly on a log scale: as many shifts under 0.3 s as from 0.3 s to 0.9 s."""
    ms = np.abs([p.shift_ms for p in dataset.plan(4000, seed=3) if p.anomaly == "time_shift"])
    small, middle = np.mean(ms < 300), np.mean((ms >= 300) & (ms < 900))
    assert small > 0.3 and small == pytest.approx(middle, abs=0.1)


def test_missing_dataset_is_a_clear_error(tmp_path):
    with pytest.raises(AvcoreError, match="dataset build"):
        dataset.load_metadata(tmp_path)


def test_a_sample_row_has_the_schemas_columns_and_its_label_follows_the_damage():
    aligned = schema.sample_row("a", 0.0, 2.0, schema.UNDAMAGED, "drum", "clips/a.mp4", 2.0, 0.0, "train")
    assert tuple(aligned) == schema.ORIGINAL_COLUMNS and aligned["Label"] == "aligned"
    shifted = schema.sample_row("b", 1.0, 3.0, "time_shift", "drum", "clips/b.mp4", 2.0, 250.0, "test", "content")
    assert tuple(shifted) == schema.COLUMNS and shifted["Label"] == "misaligned" and shifted["Variant"] == "content"


@pytest.mark.parametrize("first", ["test", "train"])
def test_the_split_is_stratified_and_seeded(first):
    groups = ["none"] * 10 + ["mute"] * 5 + ["noise"] * 7
    split = schema.stratified_split(groups, np.random.default_rng(0), 0.3, first)
    for group, n in (("none", 10), ("mute", 5), ("noise", 7)):
        chosen = [s for g, s in zip(groups, split) if g == group]
        assert chosen.count(first) == round(0.3 * n) and len(chosen) == n
    assert split == schema.stratified_split(groups, np.random.default_rng(0), 0.3, first)
    assert split != schema.stratified_split(groups, np.random.default_rng(1), 0.3, first)


def test_the_dataset_pages_column_labels_name_schema_columns():
    """The Dataset page labels columns by name (Streamlit's column config); each name it labels
    is one the schema writes, or the `Playable` that `load_metadata` adds."""
    import ast

    tree = ast.parse((ROOT / "pages" / "2_dataset.py").read_text())
    config = next(n.value for n in tree.body if isinstance(n, ast.Assign) and [t.id for t in n.targets] == ["COLUMNS"])
    labelled = {k.value for k in config.keys}
    assert labelled and labelled <= set(schema.COLUMNS) | {"Playable"}, labelled - set(schema.COLUMNS)
