"""Which dataset the pages show: the embedded one, or a local copy of AVE.

Every dataset page works on one table with `Category`, `Duration`, `Path` and `Playable`, plus
`Label` and `MisalignmentType` when the rows are labelled samples (the embedded set, or AVE
segments cut by `python -m avcore dataset ave-trim`); raw AVE annotations have neither.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from avcore import ave, dataset
from avcore.errors import AvcoreError

AVE_ENV = "AVCORE_AVE"  # a default for the sidebar's AVE path, e.g. on a lab machine


def embedded_dir() -> Path:
    """The full generated set when it was built (every clip playable), else the shipped one
    (all 600 rows, a playable sample of them)."""
    built = dataset.default_embedded_dir()
    return built if (built / "metadata.csv").is_file() else dataset.SHIPPED


def load_ave(path: str) -> pd.DataFrame:
    """AVE from an annotation file, a folder holding `Annotations.txt` (videos beside it or in
    its `AVE/` subfolder), or a folder of samples cut by `ave-trim` (with `metadata.csv`)."""
    root = Path(path).expanduser()
    if not root.exists():
        raise AvcoreError(f"Nothing at {root}: give the AVE annotation file or the folder that holds it.")
    if root.is_dir() and (root / "metadata.csv").is_file():
        return dataset.load_metadata(root)
    annotations = root / "Annotations.txt" if root.is_dir() else root
    folder = annotations.parent
    table = ave.parse_annotations(annotations)
    video_dirs = [d for d in (folder, folder / "AVE") if d.is_dir()]
    table["Path"] = [_find_video(video_dirs, vid) for vid in table["VideoID"]]
    table["Playable"] = table["Path"] != ""
    return table


def _find_video(folders: list[Path], video_id: str) -> str:
    for folder in folders:
        candidate = folder / f"{video_id}.mp4"
        if candidate.is_file():
            return str(candidate)
    return ""


def default_ave_path() -> str:
    return os.environ.get(AVE_ENV, "")
