"""Which dataset the pages show: the embedded one, or a local copy of AVE (`avcore.data.ave.load_table`).

Every dataset page works on one table with `Category`, `Duration`, `Path` and `Playable`, plus
`Label` and `MisalignmentType` when the rows are labelled samples (the embedded set, or AVE
segments cut by `python -m avcore dataset ave-trim`); raw AVE annotations have neither.
"""

from __future__ import annotations

import os
from pathlib import Path

from avcore import paths

AVE_ENV = "AVCORE_AVE"  # a default for the sidebar's AVE path, e.g. on a lab machine
LOCAL_DATA_ENV = "AVLAB_LOCAL_DATA"


def embedded_dir() -> Path:
    """The full generated set when it was built (every clip playable), else the shipped one
    (all 600 rows, a playable sample of them)."""
    built = paths.default_embedded_dir()
    return built if (built / "metadata.csv").is_file() else paths.SHIPPED


def local_data_allowed() -> bool:
    """Whether a visitor may name a folder on the server to read AVE from. That reads the
    server's disk, so it is for the person running the app on their own machine, who says so
    with AVLAB_LOCAL_DATA=1; it is off by default, and so on Community Cloud."""
    return os.environ.get(LOCAL_DATA_ENV) == "1"


def default_ave_path() -> str:
    return os.environ.get(AVE_ENV, "")
