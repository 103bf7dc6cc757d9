"""Overview: what the demo shows, the pipeline, and the headline results.

The app's first page: its tables are Markdown, not `st.dataframe`, so drawing it costs neither
pandas on the server nor the table widget's scripts in the browser (see `avcore.summary`).
"""

import streamlit as st

from app_support import cache
from avcore import summary

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
st.graphviz_chart(summary.pipeline_dot(), width="stretch")

report = cache.evaluation()
st.subheader("Headline results")
st.caption(f"Held-out test split of the **{report['dataset']}** dataset: {report['n_test']} clips; "
           "positive class: misaligned; threshold 0.5.")
st.markdown(summary.headline_markdown(report))
st.markdown("**Recall per anomaly type**: which kinds of damage each method catches.")
st.markdown(summary.per_type_markdown(report))
if "offset" in report:
    o = report["offset"]
    st.markdown(f"**Offsets**: on the {o['n_shifts']} time-shifted test clips the detector measured the shift with "
                f"confidence on {o['synchronizable_share']:.0%}, with a median error of "
                f"{o['median_abs_error_ms']:.0f} ms; elsewhere it says \"cannot tell\" rather than guess.")
st.caption("Walk through the pages in order: the data, the damage, the features, the decision, the "
           "model, and finally your own clip.")
