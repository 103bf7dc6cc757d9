"""The metrics every method is reported with; anomaly (misaligned) is the positive class."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, precision_recall_fscore_support, roc_auc_score

METRICS = ("accuracy", "precision", "recall", "f1", "auc")


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
