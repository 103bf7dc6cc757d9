"""Features: what the methods see, frame by frame, for the original and the altered clip."""

import streamlit as st

from app_support import cache, glossary, pickers, upload
from avcore import plots
from avcore.errors import AvcoreError
from avcore.features import preview, seed_features

st.title("Features")
lab = st.session_state.get("lab_result")
if lab:
    st.markdown(
        f"The clips from the **Anomaly Lab**: {lab['label']}, original and with "
        f"**{lab['kind'].replace('_', ' ')}**. Render another one there to compare it here."
    )
    clips = {"original": (lab["sha_original"], lab["original"]), "altered": (lab["sha_altered"], lab["altered"])}
else:
    st.info(
        "Render an anomaly in the Anomaly Lab to compare an original and an altered clip here; "
        "meanwhile, any clip of the dataset can be explored on its own."
    )
    path, _ = pickers.choose_clip("feat", allow_upload=False)
    if path is None:
        st.stop()
    clips = {"original": (upload.sha256(path), path)}

try:
    with st.spinner("Decoding..."):
        frames = {name: cache.frames_view(sha, clip) for name, (sha, clip) in clips.items()}
        syncs = {name: cache.sync_view(sha, clip) for name, (sha, clip) in clips.items()}
except AvcoreError as exc:
    st.error(str(exc))
    st.stop()

st.subheader("Optical flow")
n = min(len(v["frames"]) for v in frames.values())
if n < 2:
    st.warning("The clip is too short to show flow between frames.")
else:
    controls = st.columns([3, 2])
    i = controls[0].slider(
        "Frame",
        1,
        n - 1,
        min(n - 1, max(1, n // 3)),
        key="feat_frame",
        help=f"Frames at {preview.VIEW_FPS:.0f} per second; flow is computed live, "
        "Farneback as in the seed, between this frame and the one before.",
    )
    mode = controls[1].radio(
        "Show flow as", ["HSV (hue = direction)", "Magnitude heatmap"], horizontal=True, key="feat_flow_mode"
    )
    cells = st.columns(4)
    for k, (name, view) in enumerate(frames.items()):
        h, w = view["grey"].shape[1:]
        mag, ang = seed_features.flow_steps(view["grey"][i - 1 : i + 1])[0].reshape(2, h, w)
        left, right = cells[2 * k], cells[2 * k + 1]
        left.image(view["frames"][i], caption=f"{name}: frame at {i / view['fps']:.1f} s", width="stretch")
        if mode.startswith("HSV"):
            right.image(plots.flow_hsv(mag, ang), caption=f"{name}: optical flow", width="stretch")
        else:
            right.plotly_chart(plots.flow_magnitude(mag), width="stretch", key=f"feat_mag_{name}")

st.subheader(
    "Motion energy and onset envelope",
    help="Motion energy: how much the picture changes from one frame to the next. Onset envelope: how "
    "suddenly the sound gets louder. In a clip in sync, the peaks of the two line up.",
)
st.plotly_chart(plots.sync_curves({name: v["curves"] for name, v in syncs.items()}), width="stretch")

st.subheader(
    "MFCC (the seed's audio feature)",
    help="Mel-frequency cepstral coefficients: 13 numbers per time step that sum up the shape of the "
    "sound's spectrum, the way a listener hears it. The original project's only audio feature.",
)
columns = st.columns(len(frames))
for col, (name, view) in zip(columns, frames.items()):
    if view["mfcc"] is None:
        col.info(f"{name}: no sound, so no MFCC.")
    else:
        col.plotly_chart(plots.mfcc_heatmap(view["mfcc"], view["mfcc_step_s"], f"MFCC, {name}"), width="stretch")

st.subheader(
    "Cross-correlation of motion with sound",
    help="How well motion and sound line up when the sound is slid earlier or later by each lag; the "
    "highest point is the best fit.",
)
columns = st.columns(len(syncs))
for col, (name, view) in zip(columns, syncs.items()):
    r = view["result"]
    if r.lags_ms.size == 0:
        col.info(f"{name}: cannot tell ({r.reason}).")
    else:
        col.plotly_chart(
            plots.cross_correlation(r.lags_ms, r.correlation, r.offset_ms, name, confident=r.synchronizable),
            width="stretch",
        )
        if r.offset_ms is None:
            lag = "no single best fit"
        else:
            lag = f"the sound {'late' if r.offset_ms >= 0 else 'early'} by {abs(r.offset_ms):.0f} ms"
        verdict = "the offset counts as measured" if r.synchronizable else f"cannot tell: {r.reason}"
        col.caption(
            f"Best fit: {lag}. Confidence {r.confidence:.1f} standard deviations above chance ({verdict}).",
            help=glossary.SYNC_CONFIDENCE,
        )
