"""One clip in, one verdict out, with whichever trained method is asked for.

The CLI's `score`, the app's "Check your clip" page and its MLP page all go through `Scorer`, so
a verdict means the same thing everywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from avcore import features
from avcore.dataset import ASSETS
from avcore.errors import AvcoreError
from avcore.evaluate import SeedModels
from avcore.models.seed_threshold import distance

METHODS = ("seed_threshold", "seed_mlp")


class Scorer:
    def __init__(self, seed: SeedModels):
        self.seed = seed

    @classmethod
    def load(cls, folder: Path | None = None) -> "Scorer":
        folder = folder or ASSETS / "models"
        if not (folder / "seed_mlp.pt").is_file():
            raise AvcoreError(
                f"No trained models in {folder}. Run `python -m avcore evaluate --ship` to train and ship them."
            )
        return cls(SeedModels.load(folder))

    @property
    def default_method(self) -> str:
        return "seed_mlp"

    def score(self, path: str | os.PathLike, method: str | None = None) -> dict:
        method = method or self.default_method
        if method not in METHODS:
            raise AvcoreError(f"Unknown method {method!r}; choose one of {', '.join(METHODS)}.")
        feats = features.seed_features(path)
        if method == "seed_threshold":
            p = float(self.seed.threshold.p_misaligned(np.array([distance(feats)]))[0])
        else:
            p = float(self.seed.mlp.p_misaligned(feats.mean_vector()[None, :])[0])
        return {"verdict": "misaligned" if p >= 0.5 else "aligned", "p_misaligned": round(p, 4), "method": method}


def describe(row: dict) -> str:
    """The human-readable line for one `score` result."""
    if "error" in row:
        return f"{row['path']}: error: {row['error']}"
    return f"{row['path']}: {row['verdict']} (p_misaligned {row['p_misaligned']:.2f}, {row['method']})"
