"""The sync benchmark: its variants carry the shift they claim (measured, not trusted), its
figures count what they say, its plan is deterministic, and the CLI reports per group."""

from __future__ import annotations

import json
import os
from dataclasses import replace

import numpy as np
import pytest
from conftest import real_clip
from test_anomalies import _best_lag_ms
from test_evaluate_cli import cli

from avcore.data import synth
from avcore.eval import syncbench
from avcore.io import media
from avcore.verdict import DEFAULT_TOLERANCE, Verdict

SR = media.AUDIO_RATE


def _write_synth(path, seed: int, kind: str, duration: float = 4.0):
    clip = synth.render(seed, kind=kind, duration=duration)
    return media.write_clip(path, clip.frames, clip.fps, clip.audio)


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory):
    """Two talking-group clips and one events clip, plus files the benchmark must ignore."""
    src = tmp_path_factory.mktemp("syncsrc")
    _write_synth(src / "grid-a.mp4", 1, "mouth")
    _write_synth(src / "grid-c.mp4", 2, "mouth", duration=3.6)
    _write_synth(src / "vas-b.mp4", 3, "drum")
    (src / "notes.txt").write_text("not a clip")
    return src


@pytest.fixture(scope="module")
def built(synth_dir, tmp_path_factory):
    clip_list, skipped = syncbench.clips(synth_dir)
    cases = syncbench.plan(clip_list, seed=0, cache_dir=tmp_path_factory.mktemp("synccache"))
    assert syncbench.build(cases)[1] == {}
    return clip_list, cases


def _case(cases, clip, variant):
    return next(c for c in cases if c.clip == clip and c.variant == variant)


def test_groups_by_prefix():
    assert syncbench.group_of("grid-bbaf2n.mpg") == "talking"
    assert syncbench.group_of("RETALK-1.mp4") == "talking"
    assert syncbench.group_of("latentsync-1.mp4") == "talking"
    assert syncbench.group_of("vas-dog-02677.mp4") == "events"
    assert syncbench.group_of("vgg--Qowmc0P9ic.mp4") == "wild"
    assert syncbench.group_of("holiday.mp4") == "other"


def test_plan_has_every_variant_and_pairs_swaps_in_group(built):
    clip_list, cases = built
    assert [c.name for c in clip_list] == ["grid-a.mp4", "grid-c.mp4", "vas-b.mp4"]
    assert {c.variant for c in cases if c.clip == "grid-a.mp4"} == set(syncbench.VARIANTS)
    assert _case(cases, "grid-a.mp4", "swap").sound[0].endswith("grid-c.mp4")
    assert _case(cases, "grid-c.mp4", "swap").sound[0].endswith("grid-a.mp4")
    assert not any(c.variant == "swap" for c in cases if c.clip == "vas-b.mp4")  # alone in its group
    assert _case(cases, "grid-a.mp4", "asis").path.endswith("grid-a.mp4")  # scored from the source itself


@pytest.mark.parametrize("variant", ["shift_large_early", "shift_large_late", "shift_small_early", "shift_small_late"])
def test_content_shift_moves_the_sound_by_the_drawn_amount(built, synth_dir, variant):
    """Measured against the sound that belongs to the variant's picture: a negative offset
    means the sound plays early. Same length of picture and sound, and no silent gap."""
    _, cases = built
    case = _case(cases, "grid-a.mp4", variant)
    (lo, hi), sign = syncbench.SHIFTS[variant]
    d = abs(case.true_offset_ms) / 1000
    assert lo <= d <= hi and np.sign(case.true_offset_ms) == sign
    source = media.read_audio(synth_dir / "grid-a.mp4")
    shifted = media.read_audio(case.path)
    assert media.probe(case.path).video.duration == pytest.approx(case.length, abs=0.05)
    assert shifted.size / SR == pytest.approx(case.length, abs=0.05)  # decoded: no AAC priming
    start = int(round(case.picture[1] * SR))
    own_sound = source[start : start + shifted.size]  # what the variant's picture was filmed with
    assert _best_lag_ms(own_sound, shifted) == pytest.approx(case.true_offset_ms, abs=5)

    # sample by sample it is the source's sound of the other window: no gap, nothing missing
    begin = int(round(case.sound[1] * SR))
    expected = source[begin : begin + shifted.size]
    win = SR // 5
    for k in range(0, min(expected.size, shifted.size) - win, win):
        want = np.sqrt(np.mean(expected[k : k + win] ** 2))
        got = np.sqrt(np.mean(shifted[k : k + win] ** 2))
        assert got == pytest.approx(want, rel=0.3, abs=1e-3), f"window at {k / SR:.1f} s"


def test_reencode_and_swap_files(built, synth_dir):
    _, cases = built
    re = media.probe(_case(cases, "grid-a.mp4", "reencode").path)
    assert re.video.width == syncbench.REENCODE_WIDTH and re.video.height % 2 == 0
    assert re.video.fps == pytest.approx(syncbench.REENCODE_FPS, abs=0.5)

    swap = _case(cases, "grid-a.mp4", "swap")
    assert swap.length == pytest.approx(3.6, abs=0.01)  # cut to the shorter clip
    sound = media.read_audio(swap.path)
    other = media.read_audio(synth_dir / "grid-c.mp4")[: sound.size]
    assert np.corrcoef(sound[: other.size], other)[0, 1] > 0.95
    assert media.probe(swap.path).video.duration == pytest.approx(3.6, abs=0.05)


def test_plan_is_deterministic(built, tmp_path):
    clip_list, _ = built
    again = syncbench.plan(clip_list, seed=0, cache_dir=tmp_path)
    same = syncbench.plan(clip_list, seed=0, cache_dir=tmp_path)
    other = syncbench.plan(clip_list, seed=1, cache_dir=tmp_path)
    assert again == same
    assert [c.true_offset_ms for c in again] != [c.true_offset_ms for c in other]
    # a clip keeps its shifts whatever else the folder holds
    alone = syncbench.plan(clip_list[:1], seed=0, cache_dir=tmp_path)
    shifts = [c for c in again if c.clip == clip_list[0].name and c.variant in syncbench.SHIFTS]
    assert [c.true_offset_ms for c in alone if c.variant in syncbench.SHIFTS] == [c.true_offset_ms for c in shifts]


def test_mpeg_program_stream_cut_keeps_every_frame(tmp_path):
    """Input seeking in a GRID .mpg lands on the next I-frame and loses up to 0.3 s of picture;
    the trim filters cut it exactly (make_case raises if a stream is short)."""
    src = real_clip("sync/grid-bbaf2n.mpg")
    clip_list, _ = syncbench.clips(src.parent)
    grid = [c for c in clip_list if c.name == src.name]
    cases = [c for c in syncbench.plan(grid, cache_dir=tmp_path) if c.variant == "shift_large_late"]
    assert syncbench.build(cases) == (1, {})
    assert media.probe(cases[0].path).video.duration == pytest.approx(cases[0].length, abs=0.05)


def test_a_file_that_comes_out_short_is_reported_not_kept(built, tmp_path):
    _, cases = built
    case = _case(cases, "grid-a.mp4", "shift_large_late")
    too_long = replace(case, length=case.length + 1.0, path=str(tmp_path / "short.mp4"))
    written, failed = syncbench.build([too_long])
    assert written == 1 and "not" in failed[too_long.path] and not os.path.exists(too_long.path)


def _verdict(state: str, offset_ms: float | None = None) -> Verdict:
    return Verdict(
        state=state,
        evidence="none",
        offset_ms=offset_ms,
        offset_ci_ms=None,
        offset_source="",
        repairable=False,
        reasons=(),
        tolerance=DEFAULT_TOLERANCE,
        p_damage=0.0,
        damage="aligned",
    )


def _cases(group: str, variant: str, offsets: list[float | None]) -> list[syncbench.Case]:
    return [syncbench.Case(f"{group}-{i}.mp4", group, variant, o, f"/x/{i}") for i, o in enumerate(offsets)]


def test_summarize_counts_states_exactly():
    """'misaligned' contains 'aligned': a substring test would count it as aligned."""
    cases = _cases("talking", "asis", [0.0] * 4) + _cases("talking", "swap", [None] * 3)
    verdicts = [_verdict(s) for s in ("misaligned", "aligned", "aligned", "unverified")]
    verdicts += [_verdict("misaligned"), _verdict("unverified"), "The file is empty (0 bytes)."]
    groups = syncbench.summarize(cases, verdicts)
    assert set(groups) == {"talking"}
    asis = groups["talking"]["variants"]["asis"]
    assert asis["aligned"] == {"k": 2, "n": 4, "share": 0.5}
    assert asis["misaligned"] == {"k": 1, "n": 4, "share": 0.25}
    assert asis["unverified"]["k"] == 1 and "not_aligned" not in asis
    swap = groups["talking"]["variants"]["swap"]
    assert swap["n"] == 2 and swap["errors"] == 1
    assert swap["misaligned"]["share"] == 0.5 and swap["not_aligned"] == {"k": 2, "n": 2, "share": 1.0}


def test_summarize_offsets_against_the_true_shift():
    """Within counts every shifted case (no offset is not within); the median is over those with one."""
    truth = [-500.0, 600.0, -200.0, 150.0]
    cases = _cases("events", "shift_large_early", truth[:1]) + _cases("events", "shift_large_late", truth[1:2])
    cases += _cases("events", "shift_small_early", truth[2:3]) + _cases("events", "shift_small_late", truth[3:])
    # errors 30, 70 (right size, wrong sign would be 1200), none, 10
    verdicts = [
        _verdict("misaligned", -530.0),
        _verdict("misaligned", 670.0),
        _verdict("unverified", float("nan")),
        _verdict("misaligned", 140.0),
    ]
    events = syncbench.summarize(cases, verdicts)["events"]
    every = events["offsets"]["shift_all"]
    assert every["n"] == 4 and every["with_offset"]["k"] == 3
    assert every["within_40ms"] == {"k": 2, "n": 4, "share": 0.5}
    assert every["within_80ms"]["k"] == 3
    assert every["median_abs_error_ms"] == pytest.approx(30.0)
    assert events["offsets"]["shift_small"]["median_abs_error_ms"] == pytest.approx(10.0)
    assert events["variants"]["shift_small"]["unverified"] == {"k": 1, "n": 2, "share": 0.5}
    # the sign counts: the right size with the wrong sign is far off
    flipped = syncbench.summarize(cases, [replace(verdicts[0], offset_ms=530.0), *verdicts[1:]])
    assert flipped["events"]["offsets"]["shift_large"]["within_80ms"]["k"] == 1


def test_cli_json_and_table_reuse_the_variants(synth_dir, tmp_path):
    proc = cli("evaluate", "--sync", str(synth_dir), "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert set(result["groups"]) == {"talking", "events"}
    assert result["n_clips"] == 3 and result["n_cases"] == 3 * 7 - 1 == len(result["cases"])
    assert result["groups"]["talking"]["n_clips"] == 2
    assert "group 'events' has one clip: no swap" in result["notes"]
    asis = result["groups"]["events"]["variants"]["asis"]
    assert asis["n"] == 1 and sum(asis[s]["k"] for s in ("aligned", "misaligned", "unverified")) == 1
    states = {c["state"] for c in result["cases"]}
    assert states <= {"aligned", "misaligned", "unverified"}
    assert "building sync variants" in proc.stderr

    again = cli("evaluate", "--sync", str(synth_dir), "--tolerance-ms", "45,125")
    assert again.returncode == 0, again.stderr
    assert "talking (2 clips)" in again.stdout and "events (1 clip)" in again.stdout
    assert "building sync variants" not in again.stderr  # every file reused

    bad = cli("evaluate", "--sync", str(synth_dir), "--tolerance-ms", "45")
    assert bad.returncode == 2 and "EARLY,LATE" in bad.stderr and "Traceback" not in bad.stderr


def test_cli_empty_dir_is_a_user_error(tmp_path):
    proc = cli("evaluate", "--sync", str(tmp_path))
    assert proc.returncode == 2 and "No usable clips" in proc.stderr and "Traceback" not in proc.stderr
