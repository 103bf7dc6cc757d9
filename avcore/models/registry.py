"""The trained methods as one set (`Models`): saved to a folder, and loaded back only after the
folder's checksums are checked (`avcore.models.modelfiles`). What the CLI, the app and the
evaluation score with.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from avcore.models import detector, modelfiles
from avcore.models.seed_threshold import SeedThreshold

if TYPE_CHECKING:
    from avcore.models import seed_mlp


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
