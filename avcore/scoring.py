"""One clip in, one verdict out, with whichever trained method is asked for.

The CLI's `score`, the app's "Check your clip" page and its MLP page all go through `Scorer`, so
a verdict means the same thing everywhere. The detector's verdict is `avcore.check`'s; the seed
methods give only a probability of damage, so they can call a clip misaligned but never
confirm its sync: below the threshold their answer is "unverified".
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from avcore.check import Analysis, Checker
from avcore.errors import AvcoreError
from avcore.features import seed_features
from avcore.models.registry import Models
from avcore.models.seed_threshold import distance
from avcore.paths import ASSETS
from avcore.verdict import DECISION_THRESHOLD, DEFAULT_TOLERANCE, Damage, Tolerance, Verdict, decide

METHODS = ("detector", "seed_threshold", "seed_mlp")


class Scorer:
    def __init__(self, models: Models):
        self.models = models
        self.checker = Checker(models.detector)

    @classmethod
    def load(cls, folder: Path | None = None) -> Scorer:
        folder = folder or ASSETS / "models"
        if not (folder / "detector.pkl").is_file():
            raise AvcoreError(
                f"No trained models in {folder}. Run `python -m avcore evaluate --ship` to train and ship them."
            )
        return cls(Models.load(folder))

    def score(
        self, path: str | os.PathLike, method: str = "detector", tolerance: Tolerance = DEFAULT_TOLERANCE
    ) -> dict:
        """The verdict as `score --json` prints it (without the path)."""
        if method not in METHODS:
            raise AvcoreError(f"Unknown method {method!r}; choose one of {', '.join(METHODS)}.")
        if method == "detector":
            verdict = self.detect(path, tolerance)[0]
        else:
            verdict = self.seed_verdict(path, method, tolerance)
        return {**verdict.to_json(), "method": method}

    def seed_verdict(self, path: str | os.PathLike, method: str, tolerance: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        feats = seed_features.seed_features(path)
        if method == "seed_threshold":
            p = float(self.models.threshold.p_misaligned(np.array([distance(feats)]))[0])
        else:
            p = float(self.models.mlp.p_misaligned(feats.mean_vector()[None, :])[0])
        found = p >= DECISION_THRESHOLD
        reason = f"the {method.replace('_', ' ')} scores the clip as damaged" if found else ""
        return decide(Damage(p, "unspecified" if found else "aligned", (reason,) if found else ()), [], tolerance)

    def detect(self, path: str | os.PathLike, tolerance: Tolerance = DEFAULT_TOLERANCE) -> tuple[Verdict, Analysis]:
        """The detector's verdict and the analysis behind it (the app plots the latter)."""
        return self.checker.check(path, tolerance)


def describe(row: dict) -> str:
    """The human-readable line for one `score` result."""
    if "error" in row:
        return f"{row['path']}: error: {row['error']}"
    line = f"{row['path']}: {row['verdict']} ({row['method']}, evidence: {row['evidence']})"
    if row.get("offset_ms") is not None:
        line += f", offset {row['offset_ms']:+.0f} ms"
        if row.get("offset_ci_ms"):
            lo, hi = row["offset_ci_ms"]
            line += f" ({lo:+.0f} to {hi:+.0f})"
    if row.get("reasons"):
        line += "; " + "; ".join(row["reasons"])
    return line
