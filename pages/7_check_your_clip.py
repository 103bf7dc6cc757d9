"""Check your clip: upload a video, get a verdict, the evidence behind it, and a fix if possible.

Every number on the page (the card, the correlation chart's marker) comes from the clip's one
`Verdict`; the tolerance control re-decides it from the cached analysis without a new decode.
"""

import streamlit as st

from app_support import cache, sidebar, upload
from app_support.text import plain
from avcore import plots
from avcore.check import Checker
from avcore.errors import AvcoreError
from avcore.eval import summary
from avcore.io.media import DEFAULT_MAX_SECONDS
from avcore.verdict import ALIGNED, DEFAULT_TOLERANCE, MISALIGNED, Tolerance, Verdict

# the three states in three styles: a colour, an icon and a word a visitor reads at a glance
STYLES = {
    ALIGNED: ("green", ":material/check_circle:", "IN SYNC", st.success),
    MISALIGNED: ("red", ":material/error:", "OUT OF SYNC OR DAMAGED", st.error),
    "unverified": ("gray", ":material/help:", "NOT VERIFIED", st.info),
}
# Streamlit serves a player's bytes from memory, copying the range of every request the browser
# makes: three 188 MB uploads played at once took the server's peak from 1.4-1.6 to 1.7-2.1 GB
# (bench/bench_app.py --only-rounds), past Community Cloud's memory
PLAYER_MAX_BYTES = 50 * 10**6
# short enough for a third of the card (a metric's value is cut off with "..." past its width)
EVIDENCE_WORDS = {
    "speech": "speaking face",
    "events": "sound events",
    "damage": "file damage",
    "none": "nothing",
}


def draw_card(name: str, verdict: Verdict, method: str, facts: dict | None) -> None:
    colour, icon, word, box = STYLES[verdict.state]
    with st.container(border=True):
        st.markdown(f"## :{colour}[{icon} {word}]")
        st.text(f"{name} · checked with the {summary.name(method)}")
        box(verdict.headline()[0].upper() + verdict.headline()[1:] + ".")
        cells = st.columns(3)
        shown = "not measured" if verdict.offset_ms is None else f"{verdict.offset_ms:+.0f} ms"
        interval = None
        if verdict.offset_ci_ms is not None:
            interval = f"likely {verdict.offset_ci_ms[0]:+.0f} to {verdict.offset_ci_ms[1]:+.0f} ms"
        cells[0].metric(
            "Offset (sound vs picture)",
            shown,
            interval,
            delta_color="off",
            delta_arrow="off",
            help="How late the sound is against the picture, in milliseconds; negative: the sound comes early.",
        )
        cells[1].metric(
            "Decided by",
            EVIDENCE_WORDS[verdict.evidence],
            help="What in the clip decided the verdict: a face whose mouth the sound follows, sound "
            "events with a visible cause, or traces that damage leaves in a file; nothing when the "
            "clip shows none of them.",
        )
        cells[2].metric(
            "Damage found",
            "none" if verdict.damage == "aligned" else verdict.damage.replace("_", " "),
            f"{verdict.p_damage:.0%} likely",
            delta_color="off",
            delta_arrow="off",
            help="The damage detector's reading of the file itself: missing or replaced sound, a "
            "delay's silence, a warped frame clock. Finding none does not mean the clip is in sync.",
        )
        st.markdown("\n".join(f"- {r[0].upper() + r[1:]}" for r in verdict.reasons))
        st.caption(f"Tolerance: {verdict.tolerance.describe()}.")
        if facts:
            st.caption(
                f"{facts['duration_s']} s · {facts['resolution']} · {facts['fps']} fps · audio: {facts['audio']}"
            )


def tolerance_control() -> Tolerance:
    with st.expander("Tolerance", icon=":material/tune:"):
        st.caption(
            "How far the sound may be off and still count as in sync. The default is ITU-R BT.1359's "
            "detectability window: viewers notice sound more than 45 ms early or 125 ms late."
        )
        early, late = st.columns(2)
        e = early.number_input(
            "Sound early by at most (ms)", 0, 500, int(DEFAULT_TOLERANCE.early_ms), 5, key="check_tol_early"
        )
        lt = late.number_input(
            "Sound late by at most (ms)", 0, 500, int(DEFAULT_TOLERANCE.late_ms), 5, key="check_tol_late"
        )
    return Tolerance(float(e), float(lt))


def analyse(uploaded, method: str, status) -> None:
    """Measure the clip and keep the result in session_state (it survives page switches); the
    upload is on disk only inside this call."""
    try:
        with upload.as_file(uploaded) as path:
            sha = upload.sha256(uploaded)
            status.write("Measuring sound against picture...")
            analysis = cache.analysis(sha, path)
            status.write("Reading the clip's facts...")
            facts = cache.clip_facts(sha, path)
        st.session_state["check_result"] = {
            "key": (uploaded.file_id, method),
            "name": uploaded.name,
            "sha": sha,
            "analysis": analysis,
            "facts": facts,
            "method": method,
        }
        status.update(label=f"{plain(uploaded.name)}: analysis complete", state="complete", expanded=False)
    except AvcoreError as exc:
        status.update(label=f"{plain(uploaded.name)}: could not be analysed", state="error", expanded=False)
        st.error(str(exc))


def verdict_of(result: dict, uploaded, tolerance: Tolerance) -> Verdict:
    """The detector's verdict is decided from the cached analysis; a seed method's needs the
    clip itself (its own features), so it is scored while the upload is there."""
    if result["method"] == "detector":
        return Checker.decide(result["analysis"], tolerance)
    if uploaded is None:
        return result["seed_verdict"]
    with upload.as_file(uploaded) as path:
        verdict = cache.seed_verdict(result["sha"], path, result["method"], tolerance.early_ms, tolerance.late_ms)
    result["seed_verdict"] = verdict
    return verdict


st.title("Check your clip")
cap_mb = upload.max_mb()
st.markdown(
    f"Upload an **mp4, webm, mov, mkv or avi** file of up to **{cap_mb} MB**. The first "
    f"{DEFAULT_MAX_SECONDS:.0f} s are analysed. Your file is deleted from the server as soon as "
    "the analysis is done."
)
uploaded = st.file_uploader(upload.uploader_label("Your clip"), type=list(upload.VIDEO_TYPES), key="check_upload")
method = sidebar.active_method()
tolerance = tolerance_control()
new_clip = uploaded is not None and st.session_state.get("check_result", {}).get("key") != (uploaded.file_id, method)
if new_clip:
    st.session_state.pop("check_result", None)
    analyse(uploaded, method, st.status(f"Analysing {plain(uploaded.name)}...", expanded=True))

result = st.session_state.get("check_result")
if result is None:
    if uploaded is None:
        st.info(
            f"No clip yet. A file over {cap_mb} MB is refused before it is sent (a red mark on its name). "
            "Tip: damage a clip in the Anomaly Lab, download it, and check it here."
        )
    st.stop()
if uploaded is None:
    st.caption(f"Last clip checked: {plain(result['name'])} (upload it again to prepare a fixed copy).")
try:
    verdict = verdict_of(result, uploaded, tolerance)
except AvcoreError as exc:
    st.error(str(exc))
    st.stop()
draw_card(result["name"], verdict, result["method"], result["facts"])
if uploaded is not None and uploaded.size <= PLAYER_MAX_BYTES:
    st.video(uploaded)
elif uploaded is not None:
    st.caption(
        f"No player for clips over {PLAYER_MAX_BYTES // 10**6} MB: the server streams a player's file from "
        "memory, a copy for every request the browser makes, and three such clips at once would not fit. "
        "The fixed and the nudged clips below still play."
    )

if len(verdict.track) > 1:  # a clip longer than one analysis window
    st.plotly_chart(plots.offset_track(verdict.track, verdict.tolerance, verdict.drift_ms_per_min), width="stretch")
clip = result["analysis"].clip
events = clip.sync
left, right = st.columns([3, 2])
left.plotly_chart(plots.sync_curves({"your clip": clip.curves}), width="stretch")
if events.best_region is not None:
    right.plotly_chart(
        plots.source_map(result["facts"]["frame"], events.source_map, events.best_region), width="stretch"
    )
    marked = verdict.offset_ms if verdict.evidence == "events" else None
    left.plotly_chart(plots.cross_correlation(events.lags_ms, events.correlation, marked), width="stretch")
else:
    right.info(f"No sound-source map: {events.reason}.")
spoken = clip.speech
if spoken is not None and spoken.lags_ms.size:
    # the speaking face's own lag curve; its marker is the verdict's offset, which has the
    # speaker's natural lead taken off, so it sits a few ms from the curve's peak
    marked = verdict.offset_ms if verdict.evidence == "speech" else None
    lag_col, time_col = st.columns(2)
    lag_col.plotly_chart(
        plots.cross_correlation(spoken.lags_ms, spoken.score, marked, "mouth against speech"), width="stretch"
    )
    lag_col.caption(
        "How well the speaking face's mouth agrees with the speech band of the sound at each lag "
        "(a mean Fisher-transformed correlation); a clear single peak means a measured offset."
    )
    # the sound moved by the offset only where the verdict says it is out: in sync, as it plays
    moved = marked if verdict.state == "misaligned" else None
    time_col.plotly_chart(
        plots.mouth_and_speech(spoken.mouth_opening, spoken.mouth_start, spoken.speech_envelope, spoken.fps, moved),
        width="stretch",
    )
    time_col.caption(
        "The mouth's opening and the speech band's loudness as the clip plays"
        + (
            ", and the sound moved by the measured offset: there its syllables rise with the mouth."
            if moved is not None
            else (": in sync, the syllables rise with the mouth." if verdict.state == "aligned" else ".")
        )
    )

if uploaded is None:
    st.stop()
fix_col, nudge_col = st.columns(2)
with fix_col:
    st.subheader("Fix sync")
    if verdict.repairable:
        move = -verdict.offset_ms
        st.markdown(f"Move the sound {'earlier' if move < 0 else 'later'} by {abs(move):.0f} ms, as measured.")
        if st.button("Prepare the fixed clip", key="check_fix_button"):
            try:
                with st.spinner("Re-encoding with the sound moved, then checking it again..."):
                    data = cache.retimed_clip(result["sha"], uploaded, move)
                    sha = upload.sha256(data)
                    again = Checker.decide(cache.analysis(sha, data), tolerance)
                st.session_state["check_fix"] = {"key": result["key"], "data": data, "recheck": again}
            except AvcoreError as exc:
                st.error(str(exc))
        fix = st.session_state.get("check_fix")
        if fix and fix["key"] == result["key"]:
            st.video(fix["data"])
            _, _, word, box = STYLES[fix["recheck"].state]
            box(
                f"Checked again: {word.lower()}. {fix['recheck'].headline()[0].upper()}{fix['recheck'].headline()[1:]}."
            )
            st.download_button(
                "Download the fixed clip",
                fix["data"],
                file_name=f"fixed-{result['name']}",
                mime="video/mp4",
                on_click="ignore",
                key="check_fix_download",
            )
    else:
        st.caption(
            "A fix is offered only when the offset was measured exactly: a wrong fix would damage a "
            "good clip. You can still move the sound by hand."
        )
with nudge_col:
    st.subheader("Move the sound by hand")
    nudge = st.slider(
        "Move the sound (ms; above 0: later, below 0: earlier)",
        -1000,
        1000,
        0,
        10,
        key="check_nudge",
        help="Preview the clip with its sound moved by this much, and download it.",
    )
    if st.button("Preview", key="check_nudge_button", disabled=nudge == 0):
        try:
            with st.spinner("Re-encoding with the sound moved..."):
                st.session_state["check_nudged"] = {
                    "key": result["key"],
                    "ms": nudge,
                    "data": cache.retimed_clip(result["sha"], uploaded, float(nudge)),
                }
        except AvcoreError as exc:
            st.error(str(exc))
    nudged = st.session_state.get("check_nudged")
    if nudged and nudged["key"] == result["key"]:
        st.caption(f"The sound moved {abs(nudged['ms'])} ms {'later' if nudged['ms'] > 0 else 'earlier'}:")
        st.video(nudged["data"])
        st.download_button(
            "Download this version",
            nudged["data"],
            file_name=f"moved-{nudged['ms']:+d}ms-{result['name']}",
            mime="video/mp4",
            on_click="ignore",
            key="check_nudge_download",
        )
