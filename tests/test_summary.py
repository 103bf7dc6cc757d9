"""The first page's content builders in avcore.eval.summary, on a report `evaluate` makes here
(a small dataset's), and the shipped report the first page reads has that report's shape."""

from __future__ import annotations

import json

import pytest

from avcore.eval import evaluate, summary
from avcore.paths import ASSETS


@pytest.fixture(scope="module")
def report(tiny_dataset) -> dict:
    return evaluate.run(tiny_dataset)[0]


def test_the_shipped_report_has_the_shape_evaluate_writes(report):
    """An integrity check of the asset, kept on purpose: the first page reads the shipped
    report, not a fresh one, so it must hold what `evaluate.report` makes today (the same keys,
    methods, metrics and anomaly types)."""
    shipped = json.loads((ASSETS / "results" / "evaluation.json").read_text())
    assert set(shipped) == set(report)
    assert set(shipped["methods"]) == set(report["methods"])
    assert all(set(row) == set(report["methods"]["detector"]) for row in shipped["methods"].values())
    assert set(shipped["per_type_recall"]["detector"]) == set(report["per_type_recall"]["detector"])


def rows(markdown: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in markdown.splitlines()]


def test_headline_puts_the_baseline_beside_every_method(report):
    header, rule, *body = rows(summary.headline_markdown(report))
    assert header[:3] == ["method", "accuracy", "baseline accuracy"] and "baseline F1" in header
    assert len(rule) == len(header)
    assert [r[0] for r in body] == [summary.name(m) for m in report["methods"] if m != summary.BASELINE]
    baseline = f"{report['methods'][summary.BASELINE]['accuracy']:.3f}"
    assert all(r[2] == baseline for r in body)


def test_per_type_recall_has_a_column_per_type_and_the_baseline_row(report):
    header, _, *body = rows(summary.per_type_markdown(report))
    assert header == ["method", "distort", "mute", "noise", "time shift"]
    assert body[0] == [summary.name(summary.BASELINE), "0.00", "0.00", "0.00", "0.00"]
    assert len(body) == len(report["per_type_recall"])


def test_pipeline_is_graphviz_source():
    dot = summary.pipeline_dot()
    assert dot.startswith("digraph") and "verdict" in dot
