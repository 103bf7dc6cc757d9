"""Anomaly Lab: damage a clip in one of four ways and compare it with the original."""

import streamlit as st

from app_support import cache, pickers, upload
from avcore import plots
from avcore.errors import AvcoreError
from avcore.verdict import ALIGNED, MISALIGNED

KINDS = {"time_shift": "Time shift", "noise": "Noise", "mute": "Mute", "distort": "Distort"}

st.title("Anomaly Lab")
st.markdown(
    "Pick a clip and one kind of damage, render it, and compare the two side by side. "
    f"The lab works on the first {cache.LAB_SECONDS} s of a clip at up to {cache.LAB_MAX_HEIGHT} p, "
    "so rendering takes seconds."
)

source_col, damage_col = st.columns(2)
with source_col:
    clip, label = pickers.choose_clip("lab")

with damage_col:
    kind = st.radio("Anomaly", list(KINDS), format_func=KINDS.get, horizontal=True, key="lab_kind")
    if kind == "time_shift":
        ms = st.slider("Shift (ms): above 0 the sound comes late, below 0 early", -2000, 2000, 500, 50, key="lab_ms")
        params = (("ms", float(ms)),)
    elif kind == "noise":
        mode = st.radio("Noise", ["Replace the audio", "Mix in at an SNR"], horizontal=True, key="lab_noise_mode")
        snr = st.slider("Signal-to-noise ratio (dB)", -10, 30, 5, key="lab_snr", disabled=mode != "Mix in at an SNR")
        params = (("snr_db", float(snr) if mode == "Mix in at an SNR" else None),)
    elif kind == "distort":
        strength = st.slider("Distort strength (1 is the original recipe)", 0.1, 2.0, 1.0, 0.1, key="lab_strength")
        params = (("strength", float(strength)),)
    else:
        st.caption("The audio stream is removed.")
        params = ()
    render = st.button("Render", type="primary", disabled=clip is None, key="lab_render")

controls = None if clip is None else (upload.sha256(clip), kind, params)
if render and clip is not None:
    cache.start_mfcc_warm_up()  # while ffmpeg renders: the Features page shows these clips' MFCC
    try:
        with st.spinner("Rendering both clips..."):
            pair = cache.lab_render(controls[0], clip, kind, params)
        st.session_state["lab_result"] = {
            "controls": controls,
            "label": label,
            "kind": kind,
            "params": dict(params),
            **pair,
            "sha_original": upload.sha256(pair["original"]),
            "sha_altered": upload.sha256(pair["altered"]),
        }
    except AvcoreError as exc:
        st.error(str(exc))

result = st.session_state.get("lab_result")
if result and result["controls"] != controls:
    # a result drawn beside other settings would describe a clip nobody asked for
    st.info("The settings changed since the last render: press Render to see this damage.")
    result = None
if result:
    settings = ", ".join(f"{k.replace('_', ' ')} {v:+g}" for k, v in result["params"].items() if v is not None)
    settings = settings or ("audio replaced" if result["kind"] == "noise" else "audio removed")
    st.subheader(f"{result['label']}: {KINDS[result['kind']]} ({settings})")
    left, right = st.columns(2)
    left.markdown("**Original**")
    left.video(result["original"])
    right.markdown("**Altered**")
    right.video(result["altered"])
    right.download_button(
        "Download the altered clip",
        result["altered"],
        file_name=f"altered-{result['kind']}.mp4",
        mime="video/mp4",
        on_click="ignore",
        key="lab_download",
    )
    try:
        # here, not at the top: it imports scikit-learn, which the page's first run (a choice of
        # clip and damage) never needs and would wait for while the models load
        from avcore.check import Checker

        with st.spinner("Checking both clips..."):
            analyses = {
                "original": cache.analysis(result["sha_original"], result["original"]),
                "altered": cache.analysis(result["sha_altered"], result["altered"]),
            }
        for col, (name, analysis) in zip((left, right), analyses.items()):
            verdict = Checker.decide(analysis)
            box = col.success if verdict.state == ALIGNED else col.error if verdict.state == MISALIGNED else col.info
            box(
                f"The detector on the {name} clip: **{verdict.state}**. {verdict.headline()[0].upper()}"
                f"{verdict.headline()[1:]}."
            )
            col.caption("; ".join(verdict.reasons))
        st.plotly_chart(plots.sync_curves({name: a.clip.curves for name, a in analyses.items()}), width="stretch")
        st.caption(
            "Each curve is scaled to its own peak. A time shift slides the orange sound curve along "
            "the blue one; noise flattens its peaks; mute removes it; distort squeezes the motion curve."
        )
    except AvcoreError as exc:
        st.error(str(exc))
    st.page_link("pages/4_features.py", label="See the features of both clips", icon=":material/insights:")
