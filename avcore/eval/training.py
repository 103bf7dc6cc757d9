"""Fitting every method on a dataset's training split, and the saved models of a dataset
(trained and saved the first time they are asked for).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from avcore.data import schema
from avcore.data.dataset import load_metadata
from avcore.eval.feature_cache import FeatureTable, feature_table
from avcore.models import detector
from avcore.models.registry import Models
from avcore.models.seed_threshold import SeedThreshold


def train(meta: pd.DataFrame, table: FeatureTable, *, with_seed_config: bool = True, on_epoch=None) -> Models:
    """Fit every method on the training split only."""
    from avcore.models import seed_mlp

    tr = (meta["Split"] == "train").to_numpy()
    y = meta["y"].to_numpy()
    threshold = SeedThreshold.fit(table.distance[tr], y[tr])
    mlp = seed_mlp.train(table.mlp_x[tr], y[tr], seed_mlp.DEFAULT_CONFIG, on_epoch=on_epoch)
    original = seed_mlp.train(table.mlp_x[tr], y[tr], seed_mlp.SEED_CONFIG) if with_seed_config else None
    rows = [r for r, keep in zip(table.measurements, tr) if keep]
    classes = meta.loc[tr, "MisalignmentType"].replace(schema.UNDAMAGED, "aligned").tolist()
    return Models(threshold, mlp, detector.Detector.fit(rows, classes), original)


def load_or_train(dataset_dir: Path, *, retrain: bool = False, progress=None) -> Models:
    """The models trained on this dataset's train split, training and saving them if needed."""
    model_dir = dataset_dir / "models"
    if not retrain and (model_dir / "detector.pkl").is_file():
        return Models.load(model_dir)
    meta = load_metadata(dataset_dir)
    models = train(meta, feature_table(meta, dataset_dir, progress=progress))
    models.save(model_dir)
    return models
