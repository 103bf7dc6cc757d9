"""The only place the app caches: thin `st.cache_*` wrappers over `avcore`.

Clip analyses are `st.cache_data` keyed by the clip's sha256 (the clip itself is passed as an
unhashed `_clip` argument and only written to disk on a miss), with `max_entries` so memory stays
bounded however many clips visitors bring. Models are `st.cache_resource` and never mutated.

Heavy imports (scikit-learn, librosa, and even numpy and pandas) happen inside the functions,
so the first page renders before they are loaded: `start_warm_up` loads the models in a
background thread once it has, and `start_mfcc_warm_up` librosa when the Anomaly Lab renders
(the shipped clips' MFCC is made ahead, `avcore.features.preview`).
torch loads only when a seed MLP is first used (see `avcore.models.registry.SavedMLP`): the MLP page
shows the shipped weights' training from the card beside them (`mlp_card`).
"""

from __future__ import annotations

import json
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from app_support.upload import Clip, as_file
from avcore.features import preview
from avcore.paths import ASSETS

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

RESULTS = ASSETS / "results"
SHIPPED_MLP = ASSETS / "models" / "seed_mlp.pt"  # the file `scoring.Scorer.load` reads
LAB_SECONDS = 20
LAB_MAX_HEIGHT = 480


# ----- models and librosa: loaded once per server, in the background ---------------------------


@st.cache_resource(show_spinner=False)
def _models() -> Future:
    """Load the models in a background thread. Alone: librosa's first call (seconds of imports
    holding the GIL) used to follow in the same thread and ran into a visitor's first verdict,
    which does not need it."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="avlab-models").submit(_load_models)


def _load_models():
    # First what a presenter's next page, the Dataset, needs: pandas and plotly. The models'
    # imports come first otherwise (OpenCV, scikit-learn), and the Dataset page's first run
    # waited for them (AppTest, 0.4 s between pages: 0.62-0.71 s before, 0.14-0.24 s now)
    import avcore.plots  # noqa: F401
    from app_support.runtime import freeze_long_lived
    from avcore import scoring

    models = scoring.Scorer.load()
    freeze_long_lived()
    return models


@st.cache_resource(show_spinner=False)
def _librosa() -> Future:
    """Pay librosa's first-call cost (imports and compilation, seconds) in a background thread."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="avlab-librosa").submit(_warm_librosa)


def _warm_librosa() -> None:
    import numpy as np

    from avcore.features import seed_features

    seed_features.mfcc(np.zeros(seed_features.MFCC_HOP * 4, np.float32))


def start_warm_up() -> None:
    """The models, for the entry script's last line: after the first page has been drawn."""
    _models()


def start_mfcc_warm_up() -> None:
    """librosa, for the Anomaly Lab's render: the Features page then shows the MFCC of the two
    rendered clips, which no shipped table holds. Not when the Lab opens: a presenter's next
    click, a shipped clip on the Features page, needs no librosa, and its import would slow
    that page's first run."""
    _librosa()


def scorer():
    """The shipped models; raises AvcoreError if they are missing."""
    return _models().result()


# ----- shipped results and datasets ------------------------------------------------------------


@st.cache_data(show_spinner=False)
def mlp_card() -> dict:
    """The shipped seed MLP's training config and history ({"config": dict, "history": list}):
    from the card beside its weights, else (no card, or one for other weights) from the weights,
    which imports torch. Raises AvcoreError if the models are missing."""
    from avcore.models import modelfiles

    card = modelfiles.read_card(SHIPPED_MLP)
    if card is None:
        import dataclasses

        mlp = scorer().models.mlp
        card = {"config": dataclasses.asdict(mlp.config), "history": mlp.history}
    return card


@st.cache_data(show_spinner=False)
def evaluation() -> dict:
    """The `python -m avcore evaluate --json` report that ships in assets/results."""
    return json.loads((RESULTS / "evaluation.json").read_text())


@st.cache_data(show_spinner=False)
def test_scores() -> pd.DataFrame:
    """Every method's p_misaligned on every test clip, so the threshold page never scores live."""
    import pandas as pd

    return pd.read_csv(RESULTS / "test_scores.csv")


@st.cache_data(max_entries=4, show_spinner=False)
def metadata(dataset_dir: str) -> pd.DataFrame:
    from avcore.data.dataset import load_metadata

    return load_metadata(dataset_dir)


@st.cache_data(max_entries=2, show_spinner=False)
def ave_table(path: str, mtime: float) -> pd.DataFrame:
    """`mtime` is part of the key only, so an edited annotation file is read again."""
    from avcore.data import ave

    return ave.load_table(path)


@st.cache_data(max_entries=2, show_spinner=False)
def feature_table(dataset_dir: str):
    """A dataset's per-clip feature table (features.npz), for training the MLP live; None when
    it is missing or was made by an older feature recipe."""
    from avcore.eval.feature_cache import FeatureTable

    path = Path(dataset_dir) / "features.npz"
    return FeatureTable.load(path) if path.is_file() else None


# ----- one clip ---------------------------------------------------------------------------------


@st.cache_data(max_entries=32, show_spinner=False)
def analysis(sha: str, _clip: Clip):
    """What the detector and the sync paths measured on a clip (`avcore.check.Analysis`); the
    verdict is decided from it on every run, so changing the tolerance costs no decode.

    Kept without the decode it was measured on (60 s of 64x48 grey frames and 16 kHz audio,
    9 MB): neither the verdict nor the page reads it, and the cache holds one pickled copy and
    each session that checked the clip another. The allocator is then asked to give the
    analysis's working memory back (`runtime.give_back_memory`)."""
    from app_support.runtime import give_back_memory

    with as_file(_clip) as path:
        result = scorer().checker.analyse(path)
    result = slim(result)
    give_back_memory()
    return result


def slim(result):
    """An `Analysis` whose decode keeps its facts and notes but no frames or audio."""
    import dataclasses

    decoded = result.clip.decoded
    empty_audio = None if decoded.audio is None else decoded.audio[:0].copy()
    decoded = dataclasses.replace(decoded, frames=decoded.frames[:0].copy(), audio=empty_audio)
    return dataclasses.replace(result, clip=dataclasses.replace(result.clip, decoded=decoded))


@st.cache_data(max_entries=32, show_spinner=False)
def seed_verdict(sha: str, _clip: Clip, method: str, early_ms: float, late_ms: float):
    """A seed method's verdict: a probability of damage, never a measured sync."""
    from avcore.verdict import Tolerance

    with as_file(_clip) as path:
        return scorer().seed_verdict(path, method, Tolerance(early_ms, late_ms))


@st.cache_data(max_entries=16, show_spinner=False)
def sync_view(sha: str, _clip: Clip) -> dict:
    """`avcore.sync`'s curves and offset analysis of a clip, from the decode every path shares
    (only its 64x48 grey frames are kept: a 60 s clip costs 5 MB)."""
    from avcore.sync import decode, events

    with as_file(_clip) as path:
        decoded, curves = decode.measure(path)
    return {"curves": curves, "result": events.analyse(curves), "notes": list(decoded.notes)}


@st.cache_data(max_entries=16, show_spinner=False)
def clip_facts(sha: str, _clip: Clip) -> dict:
    """`avcore.features.preview.clip_facts` of a clip."""
    with as_file(_clip) as path:
        return preview.clip_facts(path)


@st.cache_data(max_entries=4, show_spinner=False)
def frames_view(sha: str, _clip: Clip) -> dict:
    """What the Features page browses: colour and grey frames at 10 fps, 256 px wide, of the
    first 20 s, and the seed MFCC of the same stretch (made ahead for the shipped clips)."""
    with as_file(_clip) as path:
        return preview.frames_view(path, sha)


@st.cache_data(max_entries=6, show_spinner=False)
def lab_render(sha: str, _clip: Clip, kind: str, params: tuple) -> dict:
    """The lab's pair of clips (`avcore.damage.anomalies.damaged_pair` of the first LAB_SECONDS
    at most LAB_MAX_HEIGHT high), as bytes for the players."""
    from avcore.damage import anomalies

    with as_file(_clip) as path, tempfile.TemporaryDirectory(prefix="avlab-") as tmp:
        original, altered = anomalies.damaged_pair(
            path, tmp, kind, seconds=LAB_SECONDS, max_height=LAB_MAX_HEIGHT, **dict(params)
        )
        return {"original": original.read_bytes(), "altered": altered.read_bytes()}


@st.cache_data(max_entries=4, show_spinner=False)
def retimed_clip(sha: str, _clip: Clip, move_ms: float) -> bytes:
    """The clip with its sound moved by `move_ms` (> 0: later), for the fix (the verdict's own
    offset, so no second analysis) and the manual nudge alike."""
    from avcore import repair

    with as_file(_clip) as path, tempfile.TemporaryDirectory(prefix="avlab-") as tmp:
        return repair.retime(path, Path(tmp) / "retimed.mp4", move_ms).read_bytes()


@st.cache_data(max_entries=32, show_spinner=False)
def seed_vector(sha: str, _clip: Clip) -> np.ndarray:
    """The seed MLP's input for one clip, so any MLP (shipped or trained now) can score it."""
    from avcore.features import seed_features

    with as_file(_clip) as path:
        return seed_features.seed_features(path).mean_vector()
