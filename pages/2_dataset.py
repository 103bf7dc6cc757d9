"""Dataset: filter the active dataset, see its make-up, and play any clip with its metadata."""

import streamlit as st

from app_support import sidebar
from avcore import plots
from avcore.errors import AvcoreError

# Plain names and units for the metadata's columns; the others read as they are.
COLUMNS = {
    "VideoID": st.column_config.TextColumn("Clip"),
    "MisalignmentType": st.column_config.TextColumn("Anomaly type"),
    "Variant": st.column_config.TextColumn(
        "Variant",
        help="How the anomaly was made. recipe: the original project's "
        "ffmpeg delay; content: the sound slid along the picture with no silent "
        "gap; replace or mix: noise instead of the sound, or mixed into it.",
    ),
    "ShiftMs": st.column_config.NumberColumn(
        "Shift (ms)", help="How far the sound was moved; positive: late.", format="%.0f"
    ),
    "StartTime": st.column_config.NumberColumn("Start (s)", format="%.1f"),
    "EndTime": st.column_config.NumberColumn("End (s)", format="%.1f"),
    "Duration": st.column_config.NumberColumn("Duration (s)", format="%.1f"),
    "Split": st.column_config.TextColumn(
        "Split", help="train: the models learned from it; test: held out to score them."
    ),
    "Playable": st.column_config.CheckboxColumn("Playable", help="The clip's file ships with the app."),
}

st.title("Dataset")
active = sidebar.active_dataset()
try:
    table = active.table
except AvcoreError as exc:
    st.error(str(exc))
    st.stop()
labelled = "Label" in table
if active.name == "embedded":
    st.markdown(
        "Synthetic scenes where every sound has a visible cause (a ball landing, a drum hit, a "
        "lamp, a mouth, a hammer). About half are aligned; the rest carry the four anomalies "
        "in equal parts, in the original project's recipes and two harder variants."
    )
else:
    st.markdown(f"AVE (Audio-Visual Event) dataset: {table['Category'].nunique()} event categories.")

key = f"ds_{active.name}"  # filters and choice per dataset: AVE's categories are not the embedded set's
filters = st.columns([3, 2, 2, 3])
categories = filters[0].multiselect(
    "Category", sorted(table["Category"].unique()), key=f"{key}_category", placeholder="all categories"
)
mask = table["Category"].isin(categories) if categories else table["Category"].notna()
if labelled:
    labels = filters[1].multiselect("Label", sorted(table["Label"].unique()), key=f"{key}_label", placeholder="all")
    types = filters[2].multiselect(
        "Anomaly type", sorted(table["MisalignmentType"].unique()), key=f"{key}_type", placeholder="all"
    )
    mask &= table["Label"].isin(labels) if labels else True
    mask &= table["MisalignmentType"].isin(types) if types else True
low, high = float(table["Duration"].min()), float(table["Duration"].max())
if high > low:
    span = filters[3].slider("Duration (s)", low, high, (low, high), key=f"{key}_duration")
    mask &= table["Duration"].between(*span)
if (
    table["Playable"].any()
    and not table["Playable"].all()
    and st.toggle(
        "Only clips that can be played here",
        value=True,
        key=f"{key}_playable_only",
        help="The app ships a playable sample of the embedded set; build the full set with "
        "`python -m avcore dataset build` to play every clip.",
    )
):
    mask &= table["Playable"]
shown = table[mask]

left, right = st.columns(2)
left.plotly_chart(plots.duration_histogram(shown, "Label" if labelled else None), width="stretch")
if labelled:
    right.plotly_chart(plots.count_bar(shown["MisalignmentType"], "Anomaly types"), width="stretch")
else:
    right.plotly_chart(plots.count_bar(shown["Category"], f"{shown['Category'].nunique()} categories"), width="stretch")

st.subheader(f"{len(shown)} of {len(table)} rows")
columns = [
    c
    for c in (
        "VideoID",
        "Category",
        "Label",
        "MisalignmentType",
        "Variant",
        "ShiftMs",
        "Quality",
        "StartTime",
        "EndTime",
        "Duration",
        "Split",
        "Playable",
    )
    if c in shown
]
event = st.dataframe(
    shown[columns],
    hide_index=True,
    width="stretch",
    height=300,
    key=f"{key}_table",
    on_select="rerun",
    selection_mode="single-row",
    column_config=COLUMNS,
)
if event.selection.rows:
    st.session_state[f"{key}_selected"] = shown.index[event.selection.rows[0]]

chosen = st.session_state.get(f"{key}_selected")
if chosen is None or chosen not in table.index:
    st.info("Choose a row to play that clip.")
else:
    row = table.loc[chosen]
    player, facts = st.columns([3, 2])
    with player:
        if row["Playable"]:
            if labelled:  # a sample file: play all of it
                st.video(row["Path"])
            else:  # a whole AVE video: play the annotated segment
                st.video(row["Path"], start_time=int(row["StartTime"]), end_time=int(row["EndTime"]))
        else:
            st.info(
                "This clip's file is not here, only its metadata. The shipped sample holds a few "
                "clips of every anomaly type: switch on 'Only clips that can be played here'."
            )
    facts.markdown(f"**{row['VideoID']}**")
    facts.dataframe(row[columns].astype(str).rename("value"), width="stretch")
