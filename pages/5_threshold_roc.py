"""Threshold & ROC: move the decision threshold and watch every metric follow.

Scores are the shipped p(misaligned) of each test clip, so a slider step only recounts and
redraws; the fragment reruns just that part of the page.
"""

import numpy as np
import streamlit as st

from app_support import cache, glossary, sidebar
from avcore import plots
from avcore.eval import summary
from avcore.eval.metrics import metric_row
from avcore.verdict import DECISION_THRESHOLD

st.title("Threshold & ROC")
scores = cache.test_scores()
methods = [c for c in scores.columns if c in summary.METHOD_NAMES and c != summary.BASELINE]
active = sidebar.active_method()
method = st.selectbox(
    "Method",
    methods,
    index=methods.index(active) if active in methods else 0,
    format_func=summary.name,
    key="roc_method",
)
y = scores["y"].to_numpy()
p = scores[method].to_numpy()
baseline = float((y == 0).mean())
st.caption(
    f"The method's p(misaligned) for each of the {len(y)} test clips it never trained on, {int(y.sum())} of "
    f"them misaligned. Answering 'always aligned' scores accuracy {baseline:.3f}. {glossary.SHARES}",
    help=glossary.P_MISALIGNED,
)


def _to_youden(threshold: float) -> None:
    st.session_state["roc_threshold"] = round(threshold, 2)


@st.fragment
def operating_point(y: np.ndarray, p: np.ndarray) -> None:
    youden = plots.youden_threshold(y, p)
    slider, button = st.columns([4, 1], vertical_alignment="bottom")
    st.session_state.setdefault("roc_threshold", DECISION_THRESHOLD)
    threshold = slider.slider(
        "Threshold: a clip is called misaligned when p(misaligned) is at least",
        0.0,
        1.0,
        step=0.01,
        key="roc_threshold",
        help=glossary.P_MISALIGNED,
    )
    button.button(
        f"Youden optimum ({youden:.2f})", on_click=_to_youden, args=(youden,), key="roc_youden", help=glossary.YOUDEN
    )
    pred = (p >= threshold).astype(int)
    m = metric_row(y, pred, p)
    cells = st.columns(5)
    help_ = glossary.METRICS
    cells[0].metric(
        "Accuracy", f"{m['accuracy']:.3f}", f"{m['accuracy'] - baseline:+.3f} vs always aligned", help=help_["Accuracy"]
    )
    cells[1].metric("Precision", f"{m['precision']:.3f}", help=help_["Precision"])
    cells[2].metric("Recall", f"{m['recall']:.3f}", help=help_["Recall"])
    cells[3].metric("F1", f"{m['f1']:.3f}", help=help_["F1"])
    cells[4].metric("ROC AUC", f"{m['auc']:.3f}", help=help_["ROC AUC"])
    left, middle, right = st.columns([4, 4, 3])
    left.plotly_chart(plots.score_histogram(p, y, threshold), width="stretch")
    middle.plotly_chart(plots.roc_figure(y, p, threshold), width="stretch")
    right.plotly_chart(plots.confusion_figure(y, pred), width="stretch")


operating_point(y, p)
