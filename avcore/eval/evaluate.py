"""Honest evaluation: anomaly is the positive class, muted clips count, and the trivial
"always aligned" answer stands beside every method.

The original counted *aligned* as positive on test sets that were about 65% aligned and dropped
muted clips, so its 0.63 accuracy sat below the trivial baseline without anyone seeing it.
Every figure here is computed from the models' outputs on the held-out split.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from avcore.check import Checker
from avcore.data import schema
from avcore.data.dataset import load_metadata
from avcore.eval.feature_cache import FeatureTable, feature_table
from avcore.eval.metrics import METRICS, metric_row
from avcore.eval.training import load_or_train
from avcore.models import detector
from avcore.models.registry import Models
from avcore.verdict import DECISION_THRESHOLD, STATES


def test_scores(meta: pd.DataFrame, table: FeatureTable, models: Models) -> pd.DataFrame:
    """One row per test clip: label, type, each method's p_misaligned, and the detector's
    type and offset estimate."""
    te = (meta["Split"] == "test").to_numpy()
    out = meta.loc[te, ["VideoID", "MisalignmentType", "Category", "Variant", "ShiftMs", "y"]].reset_index(drop=True)
    out["always_aligned"] = 0.0
    out["seed_threshold"] = models.threshold.p_misaligned(table.distance[te])
    out["seed_threshold_raw"] = models.threshold.score(table.distance[te])
    out["seed_mlp"] = models.mlp.p_misaligned(table.mlp_x[te])
    if models.mlp_seed_config is not None:
        out["seed_mlp_seed_config"] = models.mlp_seed_config.p_misaligned(table.mlp_x[te])
    rows = [r for r, keep in zip(table.measurements, te) if keep]
    probs = models.detector.type_probs(rows)
    out["detector"] = 1.0 - probs[:, 0]
    out["detector_type"] = [detector.CLASSES[i] for i in probs.argmax(axis=1)]
    estimates = [detector.offset_estimate(r) for r in rows]
    out["offset_ms"] = [np.nan if e.ms is None else e.ms for e in estimates]
    out["offset_source"] = [e.source for e in estimates]
    out["offset_reliable"] = [e.reliable for e in estimates]
    out["synchronizable"] = [r.sync_synchronizable for r in rows]
    out["verdict"] = [v.state for v in Checker(models.detector).verdicts(rows)]
    return out


def report(scores: pd.DataFrame, dataset: str) -> dict:
    """The table `evaluate` prints: one metrics row per method and recall per anomaly type."""
    methods = [
        c for c in ("always_aligned", "seed_threshold", "seed_mlp", "seed_mlp_seed_config", "detector") if c in scores
    ]
    y = scores["y"].to_numpy()
    result = {
        "dataset": dataset,
        "n_test": int(len(scores)),
        "methods": {},
        "per_type_recall": {},
        "per_variant_flagged": {},
    }
    for m in methods:
        p = scores[m].to_numpy()
        pred = (p >= DECISION_THRESHOLD).astype(int)
        result["methods"][m] = metric_row(y, pred, p)
        result["per_type_recall"][m] = {
            t: float(pred[(scores["MisalignmentType"] == t).to_numpy()].mean())
            for t in sorted(set(scores["MisalignmentType"]) - {schema.UNDAMAGED})
        }
        result["per_variant_flagged"][m] = {
            f"{t}/{v}": float(pred[((scores["MisalignmentType"] == t) & (scores["Variant"] == v)).to_numpy()].mean())
            for t, v in sorted(set(zip(scores["MisalignmentType"], scores["Variant"])))
        }
    if "offset_ms" in scores:
        result["offset"] = offset_report(scores)
    if "verdict" in scores:
        groups = scores.groupby(scores["MisalignmentType"] + "/" + scores["Variant"].astype(str))["verdict"]
        result["verdict_shares"] = {
            group: {state: float((states == state).mean()) for state in STATES} | {"n": int(len(states))}
            for group, states in groups
        }
    return result


def offset_report(scores: pd.DataFrame) -> dict:
    """How well the detector measures time shifts. The error is taken over the shifts it gave
    an offset for; the shares are over all shifts, so "cannot tell" counts as a miss."""
    shifts = scores[scores["MisalignmentType"] == "time_shift"]
    if shifts.empty:
        return {}
    err = (shifts["offset_ms"] - shifts["ShiftMs"]).abs()
    measured = shifts["offset_ms"].notna().to_numpy()
    return {
        "n_shifts": int(len(shifts)),
        "measured_share": float(measured.mean()),
        "synchronizable_share": float(shifts["synchronizable"].mean()),
        "median_abs_error_ms": float(err[measured].median()) if measured.any() else float("nan"),
        "within_40ms": float((err <= 40).mean()),
        "within_80ms": float((err <= 80).mean()),
        "reliable_share": float(shifts["offset_reliable"].mean()),
        "reliable_within_40ms": float((err[shifts["offset_reliable"]] <= 40).mean())
        if shifts["offset_reliable"].any()
        else float("nan"),
        "aligned_synchronizable_share": float(scores.loc[scores["y"] == 0, "synchronizable"].mean()),
    }


def format_table(result: dict) -> str:
    lines = [f"dataset: {result['dataset']}   test clips: {result['n_test']}   positive class: misaligned", ""]
    lines.append(f"{'method':<22}" + "".join(f"{m:>11}" for m in METRICS))
    for name, row in result["methods"].items():
        lines.append(f"{name:<22}" + "".join(f"{row[m]:>11.3f}" for m in METRICS))
    types = sorted({t for r in result["per_type_recall"].values() for t in r})
    lines += ["", "recall per anomaly type", f"{'method':<22}" + "".join(f"{t:>12}" for t in types)]
    for name, row in result["per_type_recall"].items():
        lines.append(f"{name:<22}" + "".join(f"{row.get(t, float('nan')):>12.3f}" for t in types))
    variants = sorted({v for r in result["per_variant_flagged"].values() for v in r})
    lines += ["", "share flagged misaligned per type/variant (false-alarm rate on none/*)"]
    lines.append(f"{'type/variant':<28}" + "".join(f"{m[:14]:>15}" for m in result["per_variant_flagged"]))
    for v in variants:
        lines.append(
            f"{v:<28}" + "".join(f"{r.get(v, float('nan')):>15.3f}" for r in result["per_variant_flagged"].values())
        )
    if result.get("verdict_shares"):
        lines += [
            "",
            "the product's verdict (detector + sync paths) per type/variant",
            f"{'type/variant':<28}{'n':>5}" + "".join(f"{s:>12}" for s in STATES),
        ]
        for group, shares in result["verdict_shares"].items():
            lines.append(f"{group:<28}{shares['n']:>5}" + "".join(f"{shares[s]:>12.3f}" for s in STATES))
    if result.get("offset"):
        lines += [
            "",
            "detector offsets on time shifts: " + ", ".join(f"{k} {v:.3f}" for k, v in result["offset"].items()),
        ]
    return "\n".join(lines)


def run(
    dataset_dir: str | os.PathLike,
    *,
    trained_on: str | os.PathLike | None = None,
    progress=None,
    retrain: bool = False,
) -> tuple[dict, pd.DataFrame, Models]:
    """Score the test split of `dataset_dir` with models trained on `trained_on` (by default
    the same dataset), training them first if they are not saved yet."""
    dataset_dir = Path(dataset_dir)
    models = load_or_train(Path(trained_on or dataset_dir), retrain=retrain, progress=progress)
    meta = load_metadata(dataset_dir)
    table = feature_table(meta, dataset_dir, progress=progress)
    scores = test_scores(meta, table, models)
    return report(scores, dataset_dir.name), scores, models


def write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=1))
