"""Every figure the app shows after its first page (whose own are in `avcore.eval.summary`), built
from plain arrays and tables.

One function per plot, with no Streamlit import, so tests can build each figure headless and the
app's pages only lay them out. Colours stay the same across pages: the original clip is always
blue, the altered clip orange, aligned green and misaligned red. scikit-learn and OpenCV are
imported where they are used: they cost seconds at import, which pages without such a figure
should not pay.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from avcore import roc

ORIGINAL, ALTERED = "#1f77b4", "#ff7f0e"
CLASS_COLOURS = {"aligned": "#2ca02c", "misaligned": "#d62728"}
_MARGIN = dict(l=10, r=10, t=40, b=10)


def _layout(fig: go.Figure, title: str, height: int = 320) -> go.Figure:
    fig.update_layout(title=title, height=height, margin=_MARGIN, legend=dict(orientation="h", y=-0.2))
    return fig


# ----- dataset --------------------------------------------------------------------------------


def duration_histogram(table: pd.DataFrame, colour: str | None = None) -> go.Figure:
    """Clip (or segment) durations, stacked by `colour` when the table has that column."""
    fig = go.Figure()
    groups = table.groupby(colour) if colour and colour in table else [("all", table)]
    for name, part in groups:
        fig.add_histogram(x=part["Duration"], name=str(name), marker_color=CLASS_COLOURS.get(str(name)), nbinsx=30)
    fig.update_layout(barmode="stack", xaxis_title="duration (s)", yaxis_title="clips")
    return _layout(fig, "Durations")


def count_bar(values: pd.Series, title: str) -> go.Figure:
    """How many rows take each value (anomaly types, or AVE's categories), largest first."""
    counts = values.value_counts()
    horizontal = len(counts) > 8
    if horizontal:
        counts = counts.iloc[::-1]
        fig = go.Figure(go.Bar(x=counts.values, y=counts.index.astype(str), orientation="h"))
        fig.update_layout(xaxis_title="clips")
    else:
        fig = go.Figure(go.Bar(x=counts.index.astype(str), y=counts.values))
        fig.update_layout(yaxis_title="clips")
    return _layout(fig, title, height=max(320, 22 * len(counts)) if horizontal else 320)


# ----- curves of one clip (lab, features, check) ---------------------------------------------


def sync_curves(curves: dict, title: str = "Motion and sound over time") -> go.Figure:
    """Motion energy (top) and audio onset envelope (bottom) of one or more clips, overlaid on
    one time axis so that a shift between the original and the altered clip is visible.

    `curves` maps a name ("original", "altered") to its `avcore.sync.SyncCurves`; each curve is
    scaled to its own peak.
    """
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=("motion energy (picture)", "onset envelope (sound)"),
    )
    for name, c in curves.items():
        colour = ALTERED if name == "altered" else ORIGINAL
        t = np.arange(len(c.motion)) / c.fps
        fig.add_scatter(x=t, y=_peak(c.motion_total), name=f"{name}: motion", line_color=colour, row=1, col=1)
        if c.onset is not None:
            fig.add_scatter(
                x=t[: len(c.onset)], y=_peak(c.onset[: len(t)]), name=f"{name}: sound", line_color=colour, row=2, col=1
            )
        else:
            fig.add_annotation(
                text=f"{name}: no sound",
                x=0.5,
                y=0.5,
                xref="x2 domain",
                yref="y2 domain",
                showarrow=False,
                font_color=colour,
            )
    fig.update_xaxes(title_text="time (s)", row=2, col=1)
    fig.update_yaxes(title_text="share of peak")
    return _layout(fig, title, height=420)


def _peak(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    top = np.nanmax(np.abs(x)) if x.size else 0.0
    return x / top if top > 0 else x


def _standard(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    spread = float(np.nanstd(x)) if np.isfinite(x).any() else 0.0
    return (x - np.nanmean(x)) / spread if spread > 0 else np.zeros_like(x)


def cross_correlation(
    lags_ms: np.ndarray, corr: np.ndarray, offset_ms: float | None, name: str = "", confident: bool = True
) -> go.Figure:
    """Correlation of motion with sound against the audio lag, the detected offset marked (as
    only a best guess when the analysis is not confident). Positive lags: the sound comes late."""
    fig = go.Figure(go.Scatter(x=lags_ms, y=corr, name=name or "correlation", line_color=ORIGINAL))
    if offset_ms is not None:
        label = f"offset {offset_ms:+.0f} ms" if confident else f"best guess {offset_ms:+.0f} ms (not confident)"
        fig.add_vline(
            x=offset_ms,
            line_dash="dash",
            line_color="#d62728" if confident else "#999999",
            annotation_text=label,
            annotation_position="top",
        )
    fig.add_vline(x=0, line_color="#999999", line_width=1)
    fig.update_layout(xaxis_title="audio lag (ms; > 0: sound late)", yaxis_title="correlation")
    return _layout(fig, f"Cross-correlation {name}".strip())


def mouth_and_speech(
    opening: np.ndarray, start: int, envelope: np.ndarray, fps: float, offset_ms: float | None
) -> go.Figure:
    """The speaking face's mouth opening and the speech band's loudness over time, each as
    standard scores, so a viewer can see the syllables the lag curve lined up. With a measured
    offset the sound is also drawn moved by it (`offset_ms`, positive: sound late), where it
    should follow the mouth; without one only the two curves as they play are shown.

    Parameters
    ----------
    opening : (T,) the mouth's curve from sample `start` of the clip on.
    envelope : (Ta,) the speech band's envelope from sample 0.
    fps : both curves' rate, in Hz.
    """
    t_sound = np.arange(len(envelope)) / fps
    fig = go.Figure()
    fig.add_scatter(
        x=(start + np.arange(len(opening))) / fps, y=_standard(opening), name="mouth opening", line_color=ORIGINAL
    )
    fig.add_scatter(x=t_sound, y=_standard(envelope), name="speech band, as it plays", line_color="#999999")
    if offset_ms is not None:
        word = "earlier" if offset_ms > 0 else "later"
        fig.add_scatter(
            x=t_sound - offset_ms / 1000,
            y=_standard(envelope),
            name=f"speech band, {abs(offset_ms):.0f} ms {word} (as measured)",
            line_color=ALTERED,
        )
    fig.update_layout(xaxis_title="time (s)", yaxis_title="standard score")
    return _layout(fig, "Mouth and speech over time")


def offset_track(track, tolerance, drift_ms_per_min: float | None = None) -> go.Figure:
    """A long clip's offset per analysis window (`windows.WindowResult`s), the tolerance band
    shaded: drift shows as a slope, a cut or an edit as a jump. Windows that could not be
    measured are left out rather than drawn at zero."""
    locked = [p for p in track if p.measured and p.offset_ms is not None]
    fig = go.Figure()
    fig.add_hrect(
        y0=-tolerance.early_ms,
        y1=tolerance.late_ms,
        fillcolor=CLASS_COLOURS["aligned"],
        opacity=0.12,
        line_width=0,
        annotation_text="in sync",
        annotation_position="top left",
    )
    lows = [p.offset_ms - p.offset_ci_ms[0] if p.offset_ci_ms else 0.0 for p in locked]
    highs = [p.offset_ci_ms[1] - p.offset_ms if p.offset_ci_ms else 0.0 for p in locked]
    fig.add_scatter(
        x=[p.centre_s for p in locked],
        y=[p.offset_ms for p in locked],
        mode="markers+lines",
        name="measured offset",
        line_color=ORIGINAL,
        error_y=dict(type="data", symmetric=False, array=highs, arrayminus=lows),
    )
    title = "Offset over the clip" + (
        "" if drift_ms_per_min is None else f" (drift {drift_ms_per_min:+.0f} ms per minute)"
    )
    fig.update_layout(xaxis_title="time in the clip (s)", yaxis_title="offset (ms; > 0: sound late)")
    return _layout(fig, title)


def source_map(frame: np.ndarray, grid: np.ndarray, best: tuple[int, int] | None = None) -> go.Figure:
    """Where the sound seems to come from: each grid cell's correlation with the audio, laid
    over a frame of the clip, the best cell outlined."""
    h, w = frame.shape[:2]
    rows, cols = grid.shape
    fig = go.Figure(go.Image(z=frame if frame.ndim == 3 else np.repeat(frame[..., None], 3, axis=2)))
    fig.add_heatmap(
        z=grid,
        x=(np.arange(cols) + 0.5) * w / cols,
        y=(np.arange(rows) + 0.5) * h / rows,
        colorscale="Hot",
        opacity=0.45,
        showscale=True,
        colorbar_title="corr.",
        zsmooth=False,
    )
    if best is not None:
        r, c = best
        fig.add_shape(
            type="rect",
            x0=c * w / cols,
            x1=(c + 1) * w / cols,
            y0=r * h / rows,
            y1=(r + 1) * h / rows,
            line=dict(color="#00e5ff", width=3),
        )
    fig.update_xaxes(visible=False, range=[0, w])
    fig.update_yaxes(visible=False, range=[h, 0], scaleanchor="x")
    return _layout(fig, "Sound-source map", height=360)


# ----- features page --------------------------------------------------------------------------


def flow_hsv(mag: np.ndarray, ang: np.ndarray) -> np.ndarray:
    """The usual optical-flow picture from magnitude and angle (radians) maps: hue is the
    direction, brightness the speed."""
    import cv2

    hsv = np.zeros((*mag.shape, 3), np.uint8)
    hsv[..., 0] = (ang * 90 / np.pi).astype(np.uint8)
    hsv[..., 1] = 255
    top = float(mag.max())
    hsv[..., 2] = (np.clip(mag / top, 0, 1) * 255).astype(np.uint8) if top > 0 else 0
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


def flow_magnitude(mag: np.ndarray) -> go.Figure:
    fig = go.Figure(go.Heatmap(z=mag, colorscale="Viridis", colorbar_title="px/frame"))
    fig.update_yaxes(autorange="reversed", scaleanchor="x", visible=False)
    fig.update_xaxes(visible=False)
    return _layout(fig, "Flow magnitude", height=300)


def mfcc_heatmap(coeffs: np.ndarray, step_s: float, title: str = "MFCC") -> go.Figure:
    """13 MFCC against time; `coeffs` is (T, 13). Each coefficient is standardised over time,
    or the first (overall loudness, hundreds of units) would wash out the other twelve."""
    t = np.arange(coeffs.shape[0]) * step_s
    z = (coeffs - coeffs.mean(axis=0)) / (coeffs.std(axis=0) + 1e-6)
    fig = go.Figure(
        go.Heatmap(
            z=z.T, x=t, y=np.arange(coeffs.shape[1]), colorscale="RdBu_r", zmid=0, colorbar_title="SD from<br>its mean"
        )
    )
    fig.update_layout(xaxis_title="time (s)", yaxis_title="coefficient")
    return _layout(fig, title, height=280)


# ----- threshold and ROC ----------------------------------------------------------------------


def score_histogram(p: np.ndarray, y: np.ndarray, threshold: float) -> go.Figure:
    """The score of every test clip, by true class, with the decision threshold."""
    fig = go.Figure()
    for label, value in (("aligned", 0), ("misaligned", 1)):
        fig.add_histogram(
            x=p[y == value],
            name=label,
            marker_color=CLASS_COLOURS[label],
            opacity=0.65,
            xbins=dict(start=0, end=1.0001, size=0.025),
        )
    fig.add_vline(x=threshold, line_dash="dash", annotation_text=f"threshold {threshold:.2f}")
    fig.update_layout(barmode="overlay", xaxis_title="p(misaligned)", yaxis_title="test clips", xaxis_range=[0, 1])
    return _layout(fig, "Scores by true class")


def roc_figure(y: np.ndarray, p: np.ndarray, threshold: float) -> go.Figure:
    """ROC curve with the current operating point and the Youden-optimal point (max TPR - FPR)."""
    fpr, tpr, thresholds, best = roc.youden(y, p)
    pred = p >= threshold
    op_tpr = float(pred[y == 1].mean()) if (y == 1).any() else 0.0
    op_fpr = float(pred[y == 0].mean()) if (y == 0).any() else 0.0
    fig = go.Figure()
    fig.add_scatter(x=fpr, y=tpr, mode="lines", name="ROC", line_color=ORIGINAL)
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance", line=dict(dash="dot", color="#999999"))
    fig.add_scatter(
        x=[fpr[best]],
        y=[tpr[best]],
        mode="markers",
        name=f"Youden optimum (t = {min(thresholds[best], 1):.2f})",
        marker=dict(symbol="star", size=14, color="#2ca02c"),
    )
    fig.add_scatter(
        x=[op_fpr],
        y=[op_tpr],
        mode="markers",
        name=f"current (t = {threshold:.2f})",
        marker=dict(size=12, color="#d62728"),
    )
    fig.update_layout(
        xaxis_title="false-positive rate",
        yaxis_title="true-positive rate",
        xaxis_range=[-0.02, 1.02],
        yaxis_range=[-0.02, 1.02],
    )
    return _layout(fig, "ROC curve", height=360)


def youden_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The threshold that maximises TPR - FPR on these scores."""
    thresholds, best = roc.youden(y, p)[2:]
    return float(min(thresholds[best], 1.0))


def confusion_figure(y: np.ndarray, pred: np.ndarray) -> go.Figure:
    """Counts of true against predicted class; misaligned is the positive class."""
    from sklearn.metrics import confusion_matrix

    cm = confusion_matrix(y, pred, labels=[0, 1])
    labels = ["aligned", "misaligned"]
    fig = go.Figure(
        go.Heatmap(
            z=cm,
            x=labels,
            y=labels,
            colorscale="Blues",
            showscale=False,
            text=cm,
            texttemplate="%{text}",
            textfont_size=18,
        )
    )
    fig.update_layout(xaxis_title="called by the method", yaxis_title="really")
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, "Test clips: really vs. called", height=300)


# ----- MLP -------------------------------------------------------------------------------------


def loss_curve(history: list[dict]) -> go.Figure:
    """Training and validation loss per epoch; ln 2 marks a model that learned nothing."""
    epochs = [h["epoch"] for h in history]
    fig = go.Figure()
    fig.add_scatter(x=epochs, y=[h["train_loss"] for h in history], name="train", line_color=ORIGINAL)
    fig.add_scatter(x=epochs, y=[h["val_loss"] for h in history], name="validation", line_color=ALTERED)
    fig.add_hline(y=float(np.log(2)), line_dash="dot", line_color="#999999", annotation_text="ln 2 (chance)")
    fig.update_layout(xaxis_title="epoch", yaxis_title="BCE loss")
    return _layout(fig, "Loss")
