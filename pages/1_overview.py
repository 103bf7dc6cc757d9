"""Overview: what the demo shows, the pipeline, and the headline results.

The app's first page: its tables are Markdown, not `st.dataframe`, so drawing it costs neither
pandas on the server nor the table widget's scripts in the browser (see `avcore.eval.summary`).
"""

import streamlit as st

from app_support import cache, glossary
from avcore.eval import summary
from avcore.verdict import DECISION_THRESHOLD

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
st.caption(
    f"The {report['n_test']} clips of the **{report['dataset']}** dataset held out for testing; a clip "
    f"counts as misaligned when the method's p(misaligned) is at least {DECISION_THRESHOLD}. {glossary.SHARES} "
    "The baseline columns are the answer 'always aligned'.",
    help="\n\n".join([glossary.P_MISALIGNED, *(f"{k}: {v}" for k, v in glossary.METRICS.items())]),
)
st.markdown(summary.headline_markdown(report))
st.markdown("**Recall per anomaly type**: the share of each kind of damage each method catches (1 = all of it).")
st.markdown(summary.per_type_markdown(report))
if "offset" in report:
    o = report["offset"]
    st.markdown(
        f"**Offsets**: on the {o['n_shifts']} time-shifted test clips the detector measured the shift with "
        f"confidence on {o['synchronizable_share']:.0%}, with a median error of "
        f'{o["median_abs_error_ms"]:.0f} ms; elsewhere it says "cannot tell" rather than guess.'
    )
st.caption(
    "Walk through the pages in order: the data, the damage, the features, the decision, the "
    "model, and finally your own clip."
)
