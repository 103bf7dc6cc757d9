"""The clip chooser three pages share: a playable clip of the active dataset, or an upload."""

from __future__ import annotations

import streamlit as st

from app_support import sidebar, upload
from app_support.text import plain
from app_support.upload import Clip
from avcore.errors import AvcoreError

DATASET, UPLOAD = "From the dataset", "Upload"


def choose_clip(prefix: str, *, allow_upload: bool = True) -> tuple[Clip | None, str | None]:
    """The chosen clip (a path, or the UploadedFile) and a label for it, escaped for Markdown
    (pages put it in headings and captions; an upload's name is the visitor's text); (None,
    None) until there is one. Widget keys start with the page's `prefix`."""
    origin = st.radio("Clip", [DATASET, UPLOAD], horizontal=True, key=f"{prefix}_origin") if allow_upload else DATASET
    if origin == UPLOAD:
        uploaded = st.file_uploader(
            upload.uploader_label("Upload a clip"), type=list(upload.VIDEO_TYPES), key=f"{prefix}_upload"
        )
        return (uploaded, plain(uploaded.name)) if uploaded is not None else (None, None)
    try:
        table = sidebar.active_dataset().table
    except AvcoreError as exc:
        st.error(str(exc))
        return None, None
    playable = table[table["Playable"]]
    if playable.empty:
        st.info("No clip of the active dataset can be played here" + ("; upload one instead." if allow_upload else "."))
        return None, None
    if "MisalignmentType" in playable:  # aligned clips first: the natural start for a demo
        playable = playable.sort_values("MisalignmentType", key=lambda t: t != "none", kind="stable")
    kinds = playable["MisalignmentType"] if "MisalignmentType" in playable else playable["Quality"]
    labels = {i: f"{playable.at[i, 'VideoID']} · {playable.at[i, 'Category']} · {kinds[i]}" for i in playable.index}
    chosen = st.selectbox("Dataset clip", list(labels), format_func=labels.get, key=f"{prefix}_clip")
    return playable.at[chosen, "Path"], plain(labels[chosen])
