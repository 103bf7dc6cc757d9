"""The sidebar every page shares: which dataset and which method are active.

Its widgets are drawn by the entry script on every run, so their state survives page switches;
pages read the choice through `active_dataset` and `active_method`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, NamedTuple

import streamlit as st

from app_support import cache, datasets
from avcore.errors import AvcoreError
from avcore.eval import summary

if TYPE_CHECKING:
    import pandas as pd

KEY_DATASET = "sb_dataset"
KEY_AVE_PATH = "sb_ave_path"
KEY_METHOD = "sb_method"
EMBEDDED, AVE = "embedded", "AVE"
DATASET_NAMES = {EMBEDDED: "Embedded (synthetic)", AVE: "AVE (local)"}
# Evaluated methods a visitor cannot pick for a verdict: the trivial baseline, and the MLP with
# the seed settings (not shipped).
NOT_VERDICT_METHODS = {summary.BASELINE, "seed_mlp_seed_config"}


class ActiveDataset(NamedTuple):
    """The table is read on first use, through the cache: naming the active dataset in the
    sidebar must not cost the first page pandas."""

    name: str
    source: str

    @property
    def table(self) -> pd.DataFrame:
        if self.name == AVE:
            mtime = os.path.getmtime(self.source) if os.path.exists(self.source) else 0.0
            return cache.ave_table(self.source, mtime)
        return cache.metadata(self.source)


def methods() -> list[str]:
    """The methods with shipped results, best first (the detector once it ships). The shipped
    report's list, not the test scores' columns: reading those would cost the first page pandas."""
    shipped = cache.evaluation()["methods"]
    return [m for m in reversed(summary.METHOD_NAMES) if m in shipped and m not in NOT_VERDICT_METHODS]


def render() -> None:
    st.session_state.setdefault(KEY_AVE_PATH, datasets.default_ave_path())
    with st.sidebar:
        st.markdown("### Dataset")
        if datasets.local_data_allowed():
            ave_path = st.text_input(
                "AVE annotations file or folder",
                key=KEY_AVE_PATH,
                placeholder="/path/to/AVE_Dataset",
                help="Annotations.txt, the folder holding it (videos beside it or in AVE/), or a folder of "
                "samples cut with `python -m avcore dataset ave-trim`.",
            ).strip()
        else:
            ave_path = ""
        if ave_path:  # a choice of one is no control: without an AVE path, the embedded set is named only
            st.radio("Active dataset", [EMBEDDED, AVE], key=KEY_DATASET, horizontal=True, format_func=DATASET_NAMES.get)
        else:
            st.caption(
                f"Active dataset: {DATASET_NAMES[EMBEDDED]}",
                help=None
                if datasets.local_data_allowed()
                else f"To browse a local copy of AVE, run the app on your machine with {datasets.LOCAL_DATA_ENV}=1.",
            )
        active = active_dataset()
        if active.name == AVE:  # reading it is what checks the path a visitor typed
            try:
                table = active.table
                st.caption(f"{len(table)} rows, {int(table['Playable'].sum())} playable · `{active.source}`")
            except AvcoreError as exc:
                st.error(str(exc))
        st.markdown("### Method")
        st.selectbox("Method for verdicts", methods(), key=KEY_METHOD, format_func=summary.name)


def active_dataset() -> ActiveDataset:
    """The chosen dataset; its `table` raises AvcoreError when the configured AVE path cannot
    be read. AVE only where local data is allowed (`datasets.local_data_allowed`)."""
    if (
        datasets.local_data_allowed()
        and st.session_state.get(KEY_DATASET) == AVE
        and st.session_state.get(KEY_AVE_PATH, "").strip()
    ):
        return ActiveDataset(AVE, os.path.expanduser(st.session_state[KEY_AVE_PATH].strip()))
    return ActiveDataset(EMBEDDED, str(datasets.embedded_dir()))


def active_method() -> str:
    return st.session_state.get(KEY_METHOD) or methods()[0]
