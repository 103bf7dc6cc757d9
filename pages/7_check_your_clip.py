"""Check your clip: upload a video, get a verdict, the evidence behind it, and a fix if possible.

The verdict card is drawn as soon as the verdict exists; the offset analysis behind it takes
longer and fills in the rest of the card and the plots when it is done.
"""

import streamlit as st

from app_support import cache, sidebar, upload
from app_support.text import plain
from avcore import plots, summary
from avcore.errors import AvcoreError
from avcore.media import DEFAULT_MAX_SECONDS
from avcore.repair import MIN_OFFSET_MS


def draw_card(name: str, row: dict, evidence: dict | None, facts: dict | None) -> None:
    """Verdict, probability, type, offset and reasons. The detector gives its own offset and
    reasons; the seed methods give only a probability, so the offset then comes from the sync
    analysis (`evidence`, None while it is still running)."""
    result = evidence["result"] if evidence else None
    misaligned = row["verdict"] == "misaligned"
    with st.container(border=True):
        st.markdown(f"## {':red' if misaligned else ':green'}[{row['verdict'].upper()}]  \n"
                    f"{name} · {summary.name(row['method'])}")
        cells = st.columns(3)
        cells[0].metric("p(misaligned)", f"{row['p_misaligned']:.2f}")
        cells[1].metric("Anomaly type", row.get("type", "—").replace("_", " "),
                        help=None if "type" in row else "Only the detector names the type of damage.")
        if result is None:
            cells[2].metric("Offset (sound vs picture)", "measuring…")
            return
        offset, reliable, source = offset_of(row, result)
        shown = "cannot tell" if offset is None else f"{offset:+.0f} ms" if reliable else f"≈ {offset:+.0f} ms?"
        cells[2].metric("Offset (sound vs picture)", shown, source, delta_color="off", delta_arrow="off")
        if row.get("type_probs"):
            st.caption("Type probabilities: " + ", ".join(f"{k.replace('_', ' ')} {v:.2f}"
                                                          for k, v in row["type_probs"].items()))
        reasons = row.get("reasons")
        if reasons is None:  # a seed method: say what the sync analysis found
            reasons = evidence["notes"] + ([f"offset: cannot tell, {result.reason}"] if result.reason else [])
        if reasons:
            st.markdown("\n".join(f"- {r[0].upper() + r[1:]}" for r in reasons))
        if facts:
            st.caption(f"{facts['duration_s']} s · {facts['resolution']} · {facts['fps']} fps · audio: {facts['audio']}")


def offset_of(row: dict, result) -> tuple[float | None, bool, str]:
    """Offset, whether it is sure enough to repair by, and what measured it: the detector's
    estimate when it gave one (it also reads the file's traces, such as a delay's leading
    silence), else the sync analysis alone. A misaligned verdict's unsure estimate is shown as
    a guess; an aligned one's is not shown at all."""
    if "offset_reliable" in row:
        offset, reliable = row["offset_ms"], row["offset_reliable"]
        if offset is None or (not reliable and row["verdict"] == "aligned"):
            return None, False, "no clear audio-visual events"
        confidence = f", confidence {row['offset_confidence']:.1f}" if row["offset_source"].startswith("sync") else ""
        return offset, reliable, row["offset_source"] + confidence
    if result.offset_ms is None or not result.synchronizable:
        return None, False, result.reason or "no clear audio-visual events"
    return result.offset_ms, True, f"sync, confidence {result.confidence:.1f}"


def analyse(uploaded, method: str, status, card) -> None:
    """Verdict first (drawn into `card` at once), then the evidence; the result goes into
    session_state so it survives page switches. The upload is on disk only inside this call."""
    try:
        with upload.as_file(uploaded) as path:
            sha = upload.sha256(uploaded)
            status.write(f"Scoring with the {summary.name(method)}...")
            verdict = cache.verdict(sha, path, method)
            with card.container():
                draw_card(uploaded.name, verdict["row"], verdict["evidence"], None)
            status.write("Measuring the offset between sound and picture...")
            evidence = verdict["evidence"] or cache.sync_view(sha, path)
            facts = cache.clip_facts(sha, path)
        st.session_state["check_result"] = {"key": (uploaded.file_id, method), "name": uploaded.name, "sha": sha,
                                            "row": verdict["row"], "evidence": evidence, "facts": facts}
        status.update(label=f"{plain(uploaded.name)}: analysis complete", state="complete", expanded=False)
    except AvcoreError as exc:
        status.update(label=f"{plain(uploaded.name)}: could not be analysed", state="error", expanded=False)
        card.empty()
        st.error(str(exc))


st.title("Check your clip")
cap_mb = upload.max_mb()
st.markdown(f"Upload an **mp4, webm, mov, mkv or avi** file of up to **{cap_mb} MB**. The first "
            f"{DEFAULT_MAX_SECONDS:.0f} s are analysed. Your file is deleted from the server as soon as "
            "the analysis is done.")
uploaded = st.file_uploader(upload.uploader_label("Your clip"), type=list(upload.VIDEO_TYPES), key="check_upload")
method = sidebar.active_method()
new_clip = uploaded is not None and st.session_state.get("check_result", {}).get("key") != (uploaded.file_id, method)
status = st.status(f"Analysing {plain(uploaded.name)}...", expanded=True) if new_clip else None
card = st.empty()
if new_clip:
    st.session_state.pop("check_result", None)
    analyse(uploaded, method, status, card)

result = st.session_state.get("check_result")
if result is None:
    if uploaded is None:
        st.info(f"No clip yet. A file over {cap_mb} MB is refused before it is sent (a red mark on its name). "
                "Tip: damage a clip in the Anomaly Lab, download it, and check it here.")
    st.stop()
if uploaded is None:
    st.caption(f"Last clip checked: {plain(result['name'])} (upload it again to prepare a fixed copy).")
row, evidence, facts = result["row"], result["evidence"], result["facts"]
with card.container():
    draw_card(result["name"], row, evidence, facts)

sync = evidence["result"]
offset, reliable, _ = offset_of(row, sync)
left, right = st.columns([3, 2])
left.plotly_chart(plots.sync_curves({"your clip": evidence["curves"]}), width="stretch")
if sync.best_region is not None:
    right.plotly_chart(plots.source_map(facts["frame"], sync.source_map, sync.best_region), width="stretch")
    left.plotly_chart(plots.cross_correlation(sync.lags_ms, sync.correlation, sync.offset_ms, confident=sync.synchronizable),
                      width="stretch")
else:
    right.info(f"No sound-source map and no offset: {sync.reason}.")

if reliable and abs(offset) >= MIN_OFFSET_MS and uploaded is not None:
    st.subheader("Fix sync")
    st.markdown(f"Move the sound {'earlier' if offset > 0 else 'later'} by {abs(offset):.0f} ms.")
    if st.button("Prepare the fixed clip", key="check_fix_button"):
        try:
            with st.spinner("Re-encoding with the sound moved..."):
                st.session_state["check_fix"] = {"key": result["key"],
                                                 "data": cache.fixed_clip(result["sha"], uploaded, offset)}
        except AvcoreError as exc:
            st.error(str(exc))
    fix = st.session_state.get("check_fix")
    if fix and fix["key"] == result["key"]:
        st.download_button("Download the fixed clip", fix["data"], file_name=f"fixed-{result['name']}",
                           mime="video/mp4", on_click="ignore", key="check_fix_download")
