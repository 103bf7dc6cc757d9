"""One clip in, one verdict out, with whichever trained method is asked for.

The CLI's `score`, the app's "Check your clip" page and its MLP page all go through `Scorer`, so
a verdict means the same thing everywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from avcore import features
from avcore.errors import AvcoreError
from avcore.evaluate import Models
from avcore.models import detector
from avcore.models.seed_threshold import distance
from avcore.paths import ASSETS

METHODS = ("detector", "seed_threshold", "seed_mlp")


class Scorer:
    def __init__(self, models: Models):
        self.models = models

    @classmethod
    def load(cls, folder: Path | None = None) -> "Scorer":
        folder = folder or ASSETS / "models"
        if not (folder / "detector.pkl").is_file():
            raise AvcoreError(
                f"No trained models in {folder}. Run `python -m avcore evaluate --ship` to train and ship them."
            )
        return cls(Models.load(folder))

    def score(self, path: str | os.PathLike, method: str = "detector") -> dict:
        """The verdict as `score --json` prints it (without the path)."""
        if method not in METHODS:
            raise AvcoreError(f"Unknown method {method!r}; choose one of {', '.join(METHODS)}.")
        if method == "detector":
            return self.detect(path)[0]
        feats = features.seed_features(path)
        if method == "seed_threshold":
            p = float(self.models.threshold.p_misaligned(np.array([distance(feats)]))[0])
        else:
            p = float(self.models.mlp.p_misaligned(feats.mean_vector()[None, :])[0])
        return {"verdict": "misaligned" if p >= 0.5 else "aligned", "p_misaligned": round(p, 4), "method": method}

    def detect(self, path: str | os.PathLike) -> tuple[dict, detector.ClipAnalysis]:
        """The detector's verdict and the analysis behind it (the app plots the latter)."""
        analysis = detector.analyse(path)
        measured = analysis.vector()
        probs = self.models.detector.type_probs([measured])[0]
        kind = detector.CLASSES[int(np.argmax(probs))]
        p = float(1.0 - probs[0])
        s = analysis.sync
        offset = detector.offset_estimate(measured)
        row = {
            "verdict": "misaligned" if p >= 0.5 else "aligned",
            "p_misaligned": round(p, 4),
            "method": "detector",
            "type": kind if p >= 0.5 else "aligned",
            "type_probs": {c: round(float(v), 4) for c, v in zip(detector.CLASSES, probs)},
            "offset_ms": None if offset.ms is None else round(offset.ms, 1),
            "offset_source": offset.source,
            "offset_reliable": offset.reliable,
            "offset_confidence": round(s.confidence, 2),
            "synchronizable": s.synchronizable,
            "reasons": list(analysis.decoded.notes) + detector.reasons(analysis, kind if p >= 0.5 else "aligned"),
        }
        return row, analysis


def describe(row: dict) -> str:
    """The human-readable line for one `score` result."""
    if "error" in row:
        return f"{row['path']}: error: {row['error']}"
    line = f"{row['path']}: {row['verdict']} (p_misaligned {row['p_misaligned']:.2f}, {row['method']})"
    if row.get("type") and row["type"] != "aligned":
        line += f", looks like {row['type']}"
    if row.get("offset_ms") is not None:
        line += f", offset {row['offset_ms']:+.0f} ms"
    if row.get("reasons"):
        line += "; " + "; ".join(row["reasons"])
    return line
