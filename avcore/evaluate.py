"""Honest evaluation: anomaly is the positive class, muted clips count, and the trivial
"always aligned" answer stands beside every method.

The original counted *aligned* as positive on test sets that were about 65% aligned and dropped
muted clips, so its 0.63 accuracy sat below the trivial baseline without anyone seeing it.
Every figure here is computed from the models' outputs on the held-out split.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, precision_recall_fscore_support, roc_auc_score

from avcore.check import Checker
from avcore.data.dataset import load_metadata
from avcore.features import seed_features
from avcore.models import detector, modelfiles
from avcore.models.seed_threshold import SeedThreshold, distance
from avcore.parallel import parallel_map
from avcore.paths import data_dir
from avcore.verdict import DECISION_THRESHOLD, STATES

if TYPE_CHECKING:
    from avcore.models import seed_mlp

METRICS = ("accuracy", "precision", "recall", "f1", "auc")


# ----- features for every clip ----------------------------------------------------------------


def seed_summary(job: tuple[str, str]) -> tuple[np.ndarray, float]:
    """What the seed methods need of one clip: the MLP's input and the threshold distance."""
    path, cache_dir = job
    feats = seed_features.cached_seed_features(path, cache_dir)
    return feats.mean_vector(), distance(feats)


TABLE_VERSION = f"{seed_features.FEATURE_VERSION}+{detector.MEASURE_VERSION}"


@dataclass
class FeatureTable:
    mlp_x: np.ndarray
    distance: np.ndarray
    detector_rows: list[dict[str, float]]

    def save(self, path: Path) -> None:
        names = sorted(self.detector_rows[0])
        det = np.array([[r[n] for n in names] for r in self.detector_rows])
        np.savez_compressed(
            path,
            mlp_x=self.mlp_x.astype(np.float16),
            distance=self.distance,
            detector_names=np.array(names),
            detector_x=det,
            version=TABLE_VERSION,
        )

    @classmethod
    def load(cls, path: Path) -> FeatureTable | None:
        with np.load(path) as z:
            if "version" not in z.files or str(z["version"]) != TABLE_VERSION:
                return None
            names = [str(n) for n in z["detector_names"]]
            rows = [dict(zip(names, map(float, r))) for r in z["detector_x"]]
            return cls(z["mlp_x"].astype(np.float32), z["distance"], rows)


def feature_table(
    meta: pd.DataFrame, dataset_dir: Path, *, progress: Callable[[int, int], None] | None = None
) -> FeatureTable:
    """Per-clip features of every method, rebuilt when the clip list or a feature recipe
    changed; the seed's per-clip arrays live in the hash-keyed cache, so a rebuild recomputes
    only what is new."""
    table_path = dataset_dir / "features.npz"
    if table_path.is_file() and table_path.stat().st_mtime >= (dataset_dir / "metadata.csv").stat().st_mtime:
        table = FeatureTable.load(table_path)
        if table is not None and len(table.distance) == len(meta):
            return table
    cache = data_dir() / "cache" / "features"
    seed_rows = parallel_map(seed_summary, [(p, str(cache)) for p in meta["Path"]], progress=progress)
    detector_rows = parallel_map(detector.feature_job, list(meta["Path"]), progress=progress)
    table = FeatureTable(np.stack([r[0] for r in seed_rows]), np.array([r[1] for r in seed_rows]), detector_rows)
    table.save(table_path)
    return table


# ----- models ---------------------------------------------------------------------------------


class SavedMLP:
    """A seed MLP left in its file until first used, then standing in for it. Reading it imports
    torch, which takes seconds, and the detector, the method most calls use, never needs it."""

    def __init__(self, path: Path):
        self.path = path

    @cached_property
    def trained(self) -> seed_mlp.TrainedMLP:
        from avcore.models.seed_mlp import TrainedMLP

        return TrainedMLP.load(self.path)

    def __getattr__(self, name: str):
        if name.startswith("__"):  # copy and pickle look these up before `path` is set
            raise AttributeError(name)
        return getattr(self.trained, name)


@dataclass
class Models:
    threshold: SeedThreshold
    mlp: seed_mlp.TrainedMLP | SavedMLP
    detector: detector.Detector
    mlp_seed_config: seed_mlp.TrainedMLP | SavedMLP | None = None

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.threshold.save(folder / "seed_threshold.json")
        self.mlp.save(folder / "seed_mlp.pt")
        self.detector.save(folder / "detector.pkl")
        if self.mlp_seed_config is not None:
            self.mlp_seed_config.save(folder / "seed_mlp_seed_config.pt")
        modelfiles.remember(folder)

    @classmethod
    def load(cls, folder: Path) -> Models:
        """The models in `folder`, refused (AvcoreError) unless every file is there and the
        detector's pickle is one avcore wrote (`avcore.models.modelfiles`)."""
        modelfiles.check_folder(folder)
        extra = folder / "seed_mlp_seed_config.pt"
        return cls(
            SeedThreshold.load(folder / "seed_threshold.json"),
            SavedMLP(folder / "seed_mlp.pt"),
            detector.Detector.load(folder / "detector.pkl"),
            SavedMLP(extra) if extra.is_file() else None,
        )


def train(meta: pd.DataFrame, table: FeatureTable, *, with_seed_config: bool = True, on_epoch=None) -> Models:
    """Fit every method on the training split only."""
    from avcore.models import seed_mlp

    tr = (meta["Split"] == "train").to_numpy()
    y = meta["y"].to_numpy()
    threshold = SeedThreshold.fit(table.distance[tr], y[tr])
    mlp = seed_mlp.train(table.mlp_x[tr], y[tr], seed_mlp.DEFAULT_CONFIG, on_epoch=on_epoch)
    original = seed_mlp.train(table.mlp_x[tr], y[tr], seed_mlp.SEED_CONFIG) if with_seed_config else None
    rows = [r for r, keep in zip(table.detector_rows, tr) if keep]
    classes = meta.loc[tr, "MisalignmentType"].replace("none", "aligned").tolist()
    return Models(threshold, mlp, detector.Detector.fit(rows, classes), original)


# ----- metrics ----------------------------------------------------------------------------------


def metric_row(y: np.ndarray, pred: np.ndarray, score: np.ndarray) -> dict[str, float]:
    auc = roc_auc_score(y, score) if len(set(y)) == 2 else float("nan")
    # one call for three figures: each scikit-learn metric re-validates its input, and the
    # threshold slider pays that on every step
    precision, recall, f1, _ = precision_recall_fscore_support(y, pred, average="binary", zero_division=0)
    return {
        "accuracy": float(accuracy_score(y, pred)),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "auc": float(auc),
    }


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
    rows = [r for r, keep in zip(table.detector_rows, te) if keep]
    probs = models.detector.type_probs(rows)
    out["detector"] = 1.0 - probs[:, 0]
    out["detector_type"] = [detector.CLASSES[i] for i in probs.argmax(axis=1)]
    estimates = [detector.offset_estimate(r) for r in rows]
    out["offset_ms"] = [np.nan if e.ms is None else e.ms for e in estimates]
    out["offset_source"] = [e.source for e in estimates]
    out["offset_reliable"] = [e.reliable for e in estimates]
    out["synchronizable"] = [bool(r["sync_synchronizable"]) for r in rows]
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
            for t in sorted(set(scores["MisalignmentType"]) - {"none"})
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


def load_or_train(dataset_dir: Path, *, retrain: bool = False, progress=None) -> Models:
    """The models trained on this dataset's train split, training and saving them if needed."""
    model_dir = dataset_dir / "models"
    if not retrain and (model_dir / "detector.pkl").is_file():
        return Models.load(model_dir)
    meta = load_metadata(dataset_dir)
    models = train(meta, feature_table(meta, dataset_dir, progress=progress))
    models.save(model_dir)
    return models


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
