"""The sidebar every page shares: which dataset and which method are active.

Its widgets are drawn by the entry script on every run, so their state survives page switches;
pages read the choice through `active_dataset` and `active_method`.
"""

from __future__ import annotations

import os
from typing import NamedTuple

import pandas as pd
import streamlit as st

from app_support import cache, datasets
from avcore.errors import AvcoreError
from avcore.plots import METHOD_NAMES

KEY_DATASET = "sb_dataset"
KEY_AVE_PATH = "sb_ave_path"
KEY_METHOD = "sb_method"
EMBEDDED, AVE = "embedded", "AVE"
# Columns of the shipped test scores that are not a method a visitor can pick for a verdict: the
# trivial baseline, the threshold's raw score, and the MLP with the seed settings (not shipped).
NOT_VERDICT_METHODS = {"always_aligned", "seed_threshold_raw", "seed_mlp_seed_config"}


class ActiveDataset(NamedTuple):
    name: str
    source: str
    table: pd.DataFrame

    @property
    def labelled(self) -> bool:
        return "Label" in self.table


def methods() -> list[str]:
    """The methods with shipped results, best first (the detector once it ships)."""
    cols = [c for c in cache.test_scores().columns if c in METHOD_NAMES and c not in NOT_VERDICT_METHODS]
    return sorted(cols, key=lambda m: -list(METHOD_NAMES).index(m))


def render() -> None:
    st.session_state.setdefault(KEY_AVE_PATH, datasets.default_ave_path())
    with st.sidebar:
        st.markdown("### Dataset")
        ave_path = st.text_input(
            "AVE annotations file or folder", key=KEY_AVE_PATH, placeholder="/path/to/AVE_Dataset",
            help="Annotations.txt, the folder holding it (videos beside it or in AVE/), or a folder of "
            "samples cut with `python -m avcore dataset ave-trim`.",
        ).strip()
        options = [EMBEDDED, AVE] if ave_path else [EMBEDDED]
        st.radio("Active dataset", options, key=KEY_DATASET, horizontal=True,
                 format_func={EMBEDDED: "Embedded (synthetic)", AVE: "AVE (local)"}.get)
        try:
            active = active_dataset()
            playable = int(active.table["Playable"].sum())
            st.caption(f"{len(active.table)} rows, {playable} playable · `{active.source}`")
        except AvcoreError as exc:
            st.error(str(exc))
        st.markdown("### Method")
        st.selectbox("Method for verdicts", methods(), key=KEY_METHOD, format_func=lambda m: METHOD_NAMES.get(m, m))


def active_dataset() -> ActiveDataset:
    """The chosen dataset; raises AvcoreError when the configured AVE path cannot be read."""
    if st.session_state.get(KEY_DATASET) == AVE and st.session_state.get(KEY_AVE_PATH, "").strip():
        path = os.path.expanduser(st.session_state[KEY_AVE_PATH].strip())
        mtime = os.path.getmtime(path) if os.path.exists(path) else 0.0
        return ActiveDataset("AVE", path, cache.ave_table(path, mtime))
    folder = str(datasets.embedded_dir())
    return ActiveDataset("embedded", folder, cache.metadata(folder))


def active_method() -> str:
    return st.session_state.get(KEY_METHOD) or methods()[0]
