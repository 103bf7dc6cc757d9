"""The original thresholding method, reproduced with its flaw intact.

The score compares the flattened MFCC with the same number of leading values of the flattened
flow map, so it measures the first pixels of the first flow step against the sound: it cannot see
alignment, and the evaluation shows that. It is kept as the seed's honest baseline.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from avcore import roc
from avcore.features.seed_features import SeedFeatures


def distance(feats: SeedFeatures) -> float:
    """||a - v||_2 / sqrt(L) of the min-max normalised flattened features, cut to the shorter."""
    a, v = feats.audio.ravel().astype(np.float64), feats.visual.ravel().astype(np.float64)
    n = min(a.size, v.size)
    a, v = _minmax(a[:n]), _minmax(v[:n])
    return float(np.linalg.norm(a - v) / math.sqrt(n))


def _minmax(x: np.ndarray) -> np.ndarray:
    span = x.max() - x.min()
    return (x - x.min()) / span if span > 0 else np.zeros_like(x)


@dataclass(frozen=True)
class SeedThreshold:
    sign: float
    threshold: float
    scale: float

    @classmethod
    def fit(cls, distances: np.ndarray, y: np.ndarray) -> SeedThreshold:
        """Flip the sign if that raises the training AUC, then take Youden's J on the training ROC."""
        sign = -1.0 if roc_auc_score(y, distances) < 0.5 else 1.0
        thresholds, best = roc.youden(y, sign * distances)[2:]
        threshold = float(thresholds[best])
        if not math.isfinite(threshold):  # roc_curve's first threshold is +inf
            threshold = float(np.max(sign * distances))
        return cls(sign=sign, threshold=threshold, scale=float(np.std(distances)) or 1.0)

    def score(self, distances: np.ndarray) -> np.ndarray:
        """Higher means more likely misaligned; the decision is score >= threshold."""
        return self.sign * np.asarray(distances, np.float64)

    def p_misaligned(self, distances: np.ndarray) -> np.ndarray:
        """A probability that crosses 0.5 exactly at the threshold, for a common output format."""
        return 1.0 / (1.0 + np.exp(-(self.score(distances) - self.threshold) / self.scale))

    def predict(self, distances: np.ndarray) -> np.ndarray:
        return (self.score(distances) >= self.threshold).astype(int)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: str | Path) -> SeedThreshold:
        return cls(**json.loads(Path(path).read_text()))
