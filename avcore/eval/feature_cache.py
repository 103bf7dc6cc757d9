"""Every method's per-clip features of a dataset in one table (`FeatureTable`), kept beside the
dataset as features.npz and rebuilt when the clip list or a feature recipe changes; the seed's
per-clip arrays live in the hash-keyed feature cache.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from avcore.data import schema
from avcore.features import seed_features
from avcore.models.seed_threshold import distance
from avcore.parallel import parallel_map
from avcore.paths import data_dir
from avcore.sync import analysis
from avcore.sync.analysis import Measurements


def seed_summary(job: tuple[str, str]) -> tuple[np.ndarray, float]:
    """What the seed methods need of one clip: the MLP's input and the threshold distance."""
    path, cache_dir = job
    feats = seed_features.cached_seed_features(path, cache_dir)
    return feats.mean_vector(), distance(feats)


TABLE_VERSION = f"{seed_features.FEATURE_VERSION}+{analysis.MEASURE_VERSION}"


@dataclass
class FeatureTable:
    mlp_x: np.ndarray
    distance: np.ndarray
    measurements: list[Measurements]

    def save(self, path: Path) -> None:
        """The measurements as a float matrix whose columns are `detector_names`."""
        names = sorted(analysis.NAMES)
        rows = [m.row() for m in self.measurements]
        det = np.array([[r[n] for n in names] for r in rows])
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
            rows = [Measurements.from_row(dict(zip(names, r))) for r in z["detector_x"]]
            return cls(z["mlp_x"].astype(np.float32), z["distance"], rows)


def feature_table(
    meta: pd.DataFrame, dataset_dir: Path, *, progress: Callable[[int, int], None] | None = None
) -> FeatureTable:
    """Per-clip features of every method, rebuilt when the clip list or a feature recipe
    changed; the seed's per-clip arrays live in the hash-keyed cache, so a rebuild recomputes
    only what is new."""
    table_path = dataset_dir / "features.npz"
    if table_path.is_file() and table_path.stat().st_mtime >= (dataset_dir / schema.METADATA_FILE).stat().st_mtime:
        table = FeatureTable.load(table_path)
        if table is not None and len(table.distance) == len(meta):
            return table
    cache = data_dir() / "cache" / "features"
    seed_rows = parallel_map(seed_summary, [(p, str(cache)) for p in meta["Path"]], progress=progress)
    measured = parallel_map(analysis.measurements_of, list(meta["Path"]), progress=progress)
    table = FeatureTable(np.stack([r[0] for r in seed_rows]), np.array([r[1] for r in seed_rows]), measured)
    table.save(table_path)
    return table
