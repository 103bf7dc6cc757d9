"""Which model files may be loaded: a pickle runs any code it holds the moment it is read.

The detector is a scikit-learn pickle. It is loaded only if its sha256 is one avcore wrote
itself: the shipped file's, recorded in `assets/models/checksums.json` by `evaluate --ship`,
or one that `Models.save` recorded on this machine (in the data folder, which a folder handed
over by someone else cannot add to). A folder from elsewhere, given with `score --models` or
`evaluate --dataset`, is refused before its pickle is opened. The seed MLP's torch file is
read with `weights_only`, which cannot run code, and the threshold is JSON. Beside it, a JSON
card holds its training config and history and the weights' sha256, so the app shows them
without importing torch; a card written for other weights is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from avcore.errors import AvcoreError
from avcore.paths import ASSETS, data_dir

PICKLE = "detector.pkl"
FILES = ("seed_threshold.json", "seed_mlp.pt", PICKLE)
SHIPPED_CHECKSUMS = ASSETS / "models" / "checksums.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _local_record() -> Path:
    return data_dir() / "trusted-models.json"


def _read(path: Path) -> dict[str, str]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _write(path: Path, table: dict[str, str]) -> None:
    """Whole or not at all: a half-written record would refuse every model."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    os.replace(partial, path)


def remember(folder: Path) -> None:
    """Record the detector just saved in `folder` as one of ours."""
    path = folder / PICKLE
    _write(_local_record(), {**_read(_local_record()), str(path.resolve()): sha256(path)})


def write_shipped_checksums() -> None:
    """For `evaluate --ship`: the checksum that lets a fresh clone, or Community Cloud, load
    the shipped detector."""
    _write(SHIPPED_CHECKSUMS, {PICKLE: sha256(ASSETS / "models" / PICKLE)})


def check_folder(folder: Path) -> None:
    """Raise AvcoreError unless `folder` holds every model file and a detector avcore wrote."""
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise AvcoreError(
            f"The models folder {folder} has no {', '.join(missing)}; train models with "
            "`python -m avcore evaluate` or leave out --models to use the shipped ones."
        )
    known = set(_read(SHIPPED_CHECKSUMS).values()) | set(_read(_local_record()).values())
    if sha256(folder / PICKLE) not in known:
        raise AvcoreError(
            f"{folder / PICKLE} was not written by avcore on this machine nor shipped with it, so it is not "
            "loaded: a pickle can run any code. Retrain here with `python -m avcore evaluate --retrain`."
        )


def card_path(weights: Path) -> Path:
    return weights.with_suffix(".json")


def write_card(weights: Path, config: dict, history: list[dict]) -> None:
    """Beside a seed MLP's weights just saved: what they were trained with and how."""
    _write(card_path(weights), {"weights_sha256": sha256(weights), "config": config, "history": history})


def read_card(weights: Path) -> dict | None:
    """The card of these weights ({"config": ..., "history": ...}); None when the weights or the
    card are missing or unreadable, or the card was written for other weights."""
    card = _read(card_path(weights))
    if not isinstance(card, dict) or not weights.is_file() or card.get("weights_sha256") != sha256(weights):
        return None
    return card
