"""Every figure builder in avcore.plots, headless, on small made-up inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from avcore import plots
from avcore.sync import decode, events
from avcore.verdict import DECISION_THRESHOLD


@pytest.fixture(scope="module")
def scores():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 50)
    return y, np.clip(0.35 + 0.3 * y + rng.normal(0, 0.2, y.size), 0, 1)


def test_dataset_figures():
    table = pd.DataFrame(
        {"Duration": [2.0, 3.5, 5.0, 4.0], "Label": ["aligned", "misaligned"] * 2, "Category": list("abcd")}
    )
    assert len(plots.duration_histogram(table, "Label").data) == 2
    assert len(plots.duration_histogram(table).data) == 1
    bars = plots.count_bar(pd.Series([f"c{i % 28}" for i in range(100)]), "28 categories")
    assert bars.data[0].orientation == "h" and len(bars.data[0].y) == 28


def test_threshold_figures_follow_the_threshold(scores):
    y, p = scores
    low, high = plots.roc_figure(y, p, 0.1), plots.roc_figure(y, p, 0.9)
    current = lambda fig: next(t for t in fig.data if t.name.startswith("current"))  # noqa: E731
    assert current(low).x[0] > current(high).x[0]  # a lower threshold raises the false-positive rate
    youden = plots.youden_threshold(y, p)
    assert 0.3 < youden < 0.8
    cm = plots.confusion_figure(y, (p >= DECISION_THRESHOLD).astype(int)).data[0].z
    assert np.asarray(cm).sum() == y.size
    hist = plots.score_histogram(p, y, DECISION_THRESHOLD)
    assert [t.name for t in hist.data] == ["aligned", "misaligned"]


def test_clip_figures(click_clip):
    from avcore.io import media

    decoded = decode.measure(click_clip)[0]
    curves = events.curves(decoded)
    result = events.analyse(curves)
    fig = plots.sync_curves({"original": curves, "altered": curves})
    assert len(fig.data) == 4
    assert isinstance(
        plots.cross_correlation(result.lags_ms, result.correlation, result.offset_ms, confident=result.synchronizable),
        go.Figure,
    )
    frame = media.decode(click_clip, 1.0, (160, 120), color=True, max_seconds=1.0).frames[-1]
    assert isinstance(plots.source_map(frame, result.source_map, result.best_region), go.Figure)


def test_feature_figures():
    mag = np.random.default_rng(1).random((48, 64)).astype(np.float32)
    ang = np.full_like(mag, np.pi / 2)
    rgb = plots.flow_hsv(mag, ang)
    assert rgb.shape == (48, 64, 3) and rgb.dtype == np.uint8
    assert isinstance(plots.flow_magnitude(mag), go.Figure)
    mfcc = np.random.default_rng(2).normal(size=(25, 13)).astype(np.float32)
    assert np.asarray(plots.mfcc_heatmap(mfcc, 0.2).data[0].z).shape == (13, 25)
    history = [{"epoch": i, "train_loss": 0.7 - i / 100, "val_loss": 0.7 - i / 120} for i in range(1, 11)]
    assert len(plots.loss_curve(history).data) == 2


def test_offset_track_leaves_out_unmeasured_windows():
    from avcore.sync.windows import WindowResult
    from avcore.verdict import DEFAULT_TOLERANCE

    track = [
        WindowResult(0.0, 10.0, 100.0, (90.0, 115.0), 6.0, True),
        WindowResult(5.0, 15.0, None, None, 1.0, False),
        WindowResult(10.0, 20.0, 160.0, None, 5.0, True),
    ]
    fig = plots.offset_track(track, DEFAULT_TOLERANCE, drift_ms_per_min=120.0)
    points = fig.data[0]
    assert list(points.x) == [5.0, 15.0] and list(points.y) == [100.0, 160.0]
    assert list(points.error_y.array) == [15.0, 0.0] and list(points.error_y.arrayminus) == [10.0, 0.0]
    assert "+120 ms per minute" in fig.layout.title.text


def test_mouth_and_speech_moves_the_sound_onto_the_mouth():
    """A sound 200 ms late, moved by the measured +200 ms, rises with the mouth; as it plays it
    does not. Without an offset only the two curves as they play are drawn."""
    fps, start = 25.0, 3
    pattern = np.random.default_rng(3).random(120)
    opening = pattern[start:100]
    envelope = np.r_[np.zeros(5), pattern][:120]  # sample k + 5 of the sound is sample k of the mouth
    fig = plots.mouth_and_speech(opening, start, envelope, fps, 200.0)
    mouth, played, moved = fig.data
    assert "200 ms earlier" in moved.name

    def at_mouth(trace):
        return np.interp(mouth.x, trace.x, trace.y)

    assert np.corrcoef(mouth.y, at_mouth(moved))[0, 1] > 0.99
    assert abs(np.corrcoef(mouth.y, at_mouth(played))[0, 1]) < 0.5
    assert len(plots.mouth_and_speech(opening, start, envelope, fps, None).data) == 2


def test_mouth_and_speech_moves_an_early_sound_later():
    """A sound 200 ms early (offset -200 ms) is drawn 200 ms later, onto the mouth."""
    fps = 25.0
    pattern = np.random.default_rng(4).random(120)
    opening = pattern[5:105]  # sample k of the mouth is sample k + 5 of the pattern
    envelope = pattern[10:110]  # ... and sample k of the sound sample k + 10: the sound is 5 frames ahead
    mouth, _, moved = plots.mouth_and_speech(opening, 0, envelope, fps, -200.0).data
    assert "200 ms later" in moved.name
    assert np.corrcoef(mouth.y[5:], np.interp(mouth.x[5:], moved.x, moved.y))[0, 1] > 0.99
