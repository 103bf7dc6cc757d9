"""Overview: what the demo shows, the pipeline, and the headline results."""

import streamlit as st

from app_support import cache
from avcore import plots

st.title("AV Alignment Lab")
st.markdown(
    """
Does this video's sound belong to its picture, **at this moment**? This demo finds clips whose
audio and video have come apart: sound **delayed or advanced**, sound **replaced by noise**,
sound **removed**, or the picture's **playback warped**. It reproduces a course project on an
embedded dataset of synthetic scenes where every sound has a visible cause, shows each step
live, and checks a clip you upload.

**Read every score against the trivial baseline.** The original project counted *aligned* as the
positive class on test sets that were mostly aligned, so its headline accuracy sat below the
answer "always aligned". Here *misaligned* is the positive class, muted clips count, and the
baseline stands beside every method.
"""
)

st.subheader("Pipeline")
st.graphviz_chart(plots.pipeline_dot(), width="stretch")

report = cache.evaluation()
st.subheader("Headline results")
st.caption(f"Held-out test split of the **{report['dataset']}** dataset: {report['n_test']} clips; "
           "positive class: misaligned; threshold 0.5.")
st.dataframe(
    plots.headline_table(report), hide_index=True, width="stretch",
    column_config={c: st.column_config.NumberColumn(format="%.3f")
                   for c in ("accuracy", "baseline accuracy", "precision", "recall", "F1", "baseline F1", "ROC AUC")},
)
st.markdown("**Recall per anomaly type**: which kinds of damage each method catches.")
per_type = plots.per_type_table(report)  # number formats, not a pandas Styler: its jinja2 import slows the first page
st.dataframe(per_type, width="stretch",
             column_config={c: st.column_config.NumberColumn(format="%.2f") for c in per_type.columns})
if "offset" in report:
    o = report["offset"]
    st.markdown(f"**Offsets**: on the {o['n_shifts']} time-shifted test clips the detector measured the shift with "
                f"confidence on {o['synchronizable_share']:.0%}, with a median error of "
                f"{o['median_abs_error_ms']:.0f} ms; elsewhere it says \"cannot tell\" rather than guess.")
st.caption("Walk through the pages in order: the data, the damage, the features, the decision, the "
           "model, and finally your own clip.")
