"""What a dataset's sample is: the columns of its metadata.csv, one row as every builder writes
it (`sample_row`), and the split of its samples (`stratified_split`).

The embedded dataset (`avcore.data.dataset`), the AVE samples (`avcore.data.ave`) and the real
benchmark (`avcore.eval.realbench`) all write their rows here, so a table means the same
whichever made it. The original project's columns come first (`ORIGINAL_COLUMNS`, what AVE
samples carry); our own datasets add how the damage was made (`Variant`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

METADATA_FILE = "metadata.csv"
ORIGINAL_COLUMNS = (
    "VideoID",
    "StartTime",
    "EndTime",
    "Label",
    "MisalignmentType",
    "Category",
    "FilePath",
    "Duration",
    "ShiftMs",
    "Split",
)
COLUMNS = (*ORIGINAL_COLUMNS, "Variant")
REQUIRED_COLUMNS = ORIGINAL_COLUMNS[:7]  # what a table needs to be read: the clip, its label and its file
UNDAMAGED = "none"  # MisalignmentType of an aligned sample
LABELS = ("aligned", "misaligned")
# the smallest shift a damaged sample is given: the original sample rules' lower bound
MIN_SAMPLE_SHIFT_MS = 100.0


def sample_row(
    video_id: str,
    start: float,
    end: float,
    kind: str,
    category: str,
    file_path: str,
    duration: float,
    shift_ms: float,
    split: str | None,
    variant: str | None = None,
) -> dict:
    """One metadata row, columns in COLUMNS order; `kind` is UNDAMAGED or a damage type, the
    label follows from it. Without a `variant` the row has the original columns only."""
    row = {
        "VideoID": video_id,
        "StartTime": start,
        "EndTime": end,
        "Label": LABELS[0] if kind == UNDAMAGED else LABELS[1],
        "MisalignmentType": kind,
        "Category": category,
        "FilePath": file_path,
        "Duration": duration,
        "ShiftMs": shift_ms,
        "Split": split,
    }
    return row if variant is None else row | {"Variant": variant}


def stratified_split(groups: Sequence[str], rng: np.random.Generator, share: float, first: str) -> list[str]:
    """A split of the items whose groups are `groups` ("train" or "test" each), stratified by
    group: each group's items, in a random order drawn from `rng`, give their first
    round(share x n) to `first` and the rest to the other split.

    The groups are taken in sorted order, not set order: a set of strings iterates in an order
    that changes with each process's hash seed, and the shuffles draw from `rng` in that order,
    so every build would draw another split from the same seed.
    """
    other = {"train": "test", "test": "train"}[first]
    split = np.array([other] * len(groups), dtype=object)
    keys = np.array(groups, dtype=object)
    for group in sorted(set(groups)):
        idx = np.flatnonzero(keys == group)
        rng.shuffle(idx)
        split[idx[: int(round(share * len(idx)))]] = first
    return split.tolist()
