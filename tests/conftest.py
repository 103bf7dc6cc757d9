"""Shared fixtures: the real clips in ../shared/media (skipped cleanly when absent) and small
clips the tests make themselves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
MEDIA = SHARED / "media"
AVE = SHARED / "ave"


def real_clip(name: str) -> Path:
    path = MEDIA / name
    if not path.is_file():
        pytest.skip(f"real clip {name} not available (../shared/media is absent)")
    return path


@pytest.fixture
def media_dir() -> Path:
    if not MEDIA.is_dir():
        pytest.skip("../shared/media is absent")
    return MEDIA


@pytest.fixture(scope="session")
def click_clip(tmp_path_factory) -> Path:
    """A 5 s, 160x120 clip: a white square flashes at ten irregular times, each flash with a
    click; enough clear events for the sync analysis to be confident."""
    from avcore.io import media

    fps, sr, seconds = 25, media.AUDIO_RATE, 5.0
    rng = np.random.default_rng(0)
    events = np.cumsum(rng.uniform(0.25, 0.6, 14))
    events = events[events < seconds - 0.3]
    frames = np.full((int(seconds * fps), 120, 160, 3), 30, np.uint8)
    audio = np.zeros(int(seconds * sr), np.float32)
    for t in events:
        i = int(round(t * fps))
        frames[i : i + 2, 40:80, 60:100] = 255
        s = int(round(t * sr))
        audio[s : s + 800] += (rng.standard_normal(800) * np.exp(-np.arange(800) / 150)).astype(np.float32) * 0.6
    path = tmp_path_factory.mktemp("clips") / "click.mp4"
    return media.write_clip(path, frames, fps, audio, sr)


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory):
    """A 24-clip embedded dataset, built once per test session (about 5 s)."""
    from avcore.data import dataset

    out = tmp_path_factory.mktemp("tiny")
    dataset.build(out, size=24, seed=3, workers=2)
    return out


@pytest.fixture(scope="session", autouse=True)
def private_data_dir(tmp_path_factory):
    """Keep the feature cache of the tests out of the developer's data/ folder."""
    import os

    os.environ["AVCORE_DATA"] = str(tmp_path_factory.mktemp("data"))
