"""What the app's first page draws, in plain Python: the methods' display names, the pipeline
diagram, and the `evaluate` report's tables as Markdown.

Apart from `avcore.plots` so that the first page imports none of numpy, pandas, pyarrow or
plotly's figure code: they used to cost about half a second of its 3 s budget on the server, and
a table widget's scripts as much again in the browser. The report is small enough for Markdown.
"""

from __future__ import annotations

METHOD_NAMES = {
    "always_aligned": "always aligned (trivial baseline)",
    "seed_threshold": "seed threshold",
    "seed_mlp": "seed MLP",
    "seed_mlp_seed_config": "seed MLP, original settings",
    "detector": "detector",
}
BASELINE = "always_aligned"


def pipeline_dot() -> str:
    """The data flow of one clip, as Graphviz source for `st.graphviz_chart`."""
    return """digraph {
  rankdir=LR; node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname="Helvetica"];
  clip [label="video clip\\n(mp4, webm, ...)", fillcolor="#ffffff"];
  probe [label="probe\\nstreams, fps"]; decode [label="decode\\nsmall grey frames\\n16 kHz mono audio"];
  face [label="face and mouth\\n(speech path)"]; flow [label="optical flow\\nmotion energy"];
  audio [label="speech band, MFCC\\nonset envelope"];
  sync [label="cross-correlation\\noffset, confidence"]; model [label="damage detector\\n(file traces)"];
  verdict [label="verdict\\naligned, misaligned\\nor unverified", fillcolor="#fff4e0"];
  clip -> probe -> decode; decode -> face; decode -> flow; decode -> audio; face -> sync; flow -> sync;
  audio -> sync; decode -> model; sync -> verdict; model -> verdict;
}"""


def name(method: str) -> str:
    return METHOD_NAMES.get(method, method)


def headline_markdown(report: dict) -> str:
    """One row per method with the trivial baseline's accuracy and F1 beside its own, so no
    method is read without the number it has to beat."""
    base = report["methods"][BASELINE]
    rows = [
        [name(m), r["accuracy"], base["accuracy"], r["precision"], r["recall"], r["f1"], base["f1"], r["auc"]]
        for m, r in report["methods"].items()
        if m != BASELINE
    ]
    header = ["method", "accuracy", "baseline accuracy", "precision", "recall", "F1", "baseline F1", "ROC AUC"]
    return _markdown_table(header, rows, digits=3)


def per_type_markdown(report: dict) -> str:
    """Recall per anomaly type, one row per method, the baseline's row of zeros included."""
    recall = report["per_type_recall"]
    types = sorted({t for r in recall.values() for t in r})
    rows = [[name(m)] + [r.get(t, float("nan")) for t in types] for m, r in recall.items()]
    return _markdown_table(["method"] + [t.replace("_", " ") for t in types], rows, digits=2)


def _markdown_table(header: list[str], rows: list[list], digits: int) -> str:
    """The first column as text, the others as numbers to `digits` places, right-aligned."""
    lines = ["| " + " | ".join(header) + " |", "| --- |" + " ---: |" * (len(header) - 1)]
    lines += ["| " + " | ".join([row[0]] + [f"{x:.{digits}f}" for x in row[1:]]) + " |" for row in rows]
    return "\n".join(lines)
