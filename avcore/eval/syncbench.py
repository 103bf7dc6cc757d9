"""The real-footage sync benchmark: the product's one verdict on real clips and on copies whose
sound no longer belongs to the picture in time.

The embedded set is procedural and `realbench` mostly measures damage that leaves a trace in
the file. This benchmark asks the question users ask: is this real clip in sync? Each real clip
is scored as it is and re-encoded smaller and slower (both still in sync: a verdict of
"misaligned" there is a false alarm), with its sound slid against the picture by a large
(0.3-1.0 s) and a small (0.13-0.25 s, just beyond ITU-R BT.1359's 45 ms early / 125 ms late
detectability window) amount in both directions, and with the sound of another clip of its
group. The shifts are content shifts made by cutting, so that nothing in the file betrays them
(same length of picture and sound, no silent gap): the picture of [0, L-d] with the sound of
[d, L] plays every sound d early, and the picture of [d, L] with the sound of [0, L-d] plays it
d late. Offsets follow the project's sign: positive when the audio is late.

Clips are grouped by file-name prefix, because the kinds of footage fail differently: talking
heads (lip sync), visible sound events, and in-the-wild footage. Variants are real files
written with ffmpeg into `data_dir()/syncbench/clips`, named by a hash of their recipe, so a
rerun (or another folder holding some of the same clips) reuses every file whose recipe
version and source are unchanged.
"""

from __future__ import annotations

import hashlib
import math
import os
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from avcore import paths
from avcore.check import check_clip
from avcore.errors import AvcoreError
from avcore.io import media
from avcore.parallel import parallel_map
from avcore.verdict import DEFAULT_TOLERANCE, Tolerance, Verdict

RECIPE_VERSION = "sync-v1"
SEED = 0

# File-name prefix -> group. Talking heads: GRID, lip-sync projects' source videos and the
# usual talking-face corpora (LRS2/3, VoxCeleb, HDTF, MEAD); events: VAS and AVE clips, where
# a visible action makes the sound; wild: VGGSound's YouTube excerpts.
PREFIX_GROUPS = (
    ("grid-", "talking"),
    ("retalk-", "talking"),
    ("latentsync-", "talking"),
    ("lrs2-", "talking"),
    ("lrs3-", "talking"),
    ("vox-", "talking"),
    ("voxceleb-", "talking"),
    ("hdtf-", "talking"),
    ("mead-", "talking"),
    ("vas-", "events"),
    ("ave-", "events"),
    ("vgg-", "wild"),
    ("vggsound-", "wild"),
)
OTHER = "other"  # clips of an unknown prefix are scored in a group of their own
GROUPS = ("talking", "events", "wild", OTHER)

LARGE_SHIFT_S = (0.3, 1.0)
SMALL_SHIFT_S = (0.13, 0.25)  # beyond the default tolerance on both sides (45 ms / 125 ms)
REENCODE_WIDTH = 320
REENCODE_FPS = 15
# The largest shift leaves L - 1 s of clip; under 2 s that is under a second to judge by.
MIN_LENGTH_S = 2.0
# A made file's streams may differ from the asked length by encoder priming (AAC: 23 ms at
# 44.1 kHz), frame rounding (40 ms at 25 fps) and a late-starting video stream (33 ms).
DURATION_SLACK_S = 0.1
WITHIN_MS = (40.0, 80.0)

ASIS, REENCODE, SWAP = "asis", "reencode", "swap"
SHIFTS = {  # variant -> (size range, sign of the true offset)
    "shift_large_early": (LARGE_SHIFT_S, -1),
    "shift_large_late": (LARGE_SHIFT_S, +1),
    "shift_small_early": (SMALL_SHIFT_S, -1),
    "shift_small_late": (SMALL_SHIFT_S, +1),
}
VARIANTS = (ASIS, REENCODE, *SHIFTS, SWAP)
FAMILIES = {  # pooled rows of the report
    "shift_large": ("shift_large_early", "shift_large_late"),
    "shift_small": ("shift_small_early", "shift_small_late"),
    "shift_all": tuple(SHIFTS),
}


@dataclass(frozen=True)
class Clip:
    """A usable source clip: its file, its group by name prefix, and how long both streams run."""

    path: str
    group: str
    length: float  # the shorter stream's duration (s)

    @property
    def name(self) -> str:
        return Path(self.path).name


@dataclass(frozen=True)
class Case:
    """One scored file: which clip, which variant, its true offset and how it was made.

    `true_offset_ms` is 0 for the clip as it is and re-encoded, the shift for content shifts
    (positive: audio late) and None for a swap, whose sound has no offset to this picture.
    The recipe is the picture's source and start, the sound's source and start, and the
    length (s); `asis` has none: it is scored from the source file itself.
    """

    clip: str
    group: str
    variant: str
    true_offset_ms: float | None
    path: str
    picture: tuple[str, float] | None = None
    sound: tuple[str, float] | None = None
    length: float | None = None

    @property
    def made(self) -> bool:
        return self.variant != ASIS


def group_of(name: str) -> str:
    """The group of a clip file name by its prefix; "other" for a prefix not listed."""
    lower = name.lower()
    return next((group for prefix, group in PREFIX_GROUPS if lower.startswith(prefix)), OTHER)


def clips(media_dir: str | os.PathLike) -> tuple[list[Clip], list[dict]]:
    """The usable clips of a folder, sorted by name, and the files left out with why.

    Parameters
    ----------
    media_dir : folder of real clips, grouped by their name's prefix (`PREFIX_GROUPS`).

    Returns
    -------
    list of Clip, and a list of {"clip", "why"} for media files that cannot be used (no
    audio or video stream, shorter than MIN_LENGTH_S, unreadable).
    """
    usable, skipped = [], []
    for path in sorted(Path(media_dir).iterdir()):
        if not path.is_file() or path.suffix.lower() not in paths.VIDEO_SUFFIXES:
            continue
        try:
            info = media.probe(path)
        except AvcoreError as exc:
            skipped.append({"clip": path.name, "why": str(exc)})
            continue
        if info.video is None or info.audio is None:
            skipped.append({"clip": path.name, "why": "needs both a video and an audio stream"})
            continue
        length = min(info.video.duration, info.audio.duration)
        if length < MIN_LENGTH_S:
            skipped.append({"clip": path.name, "why": f"{length:.2f} s long, under {MIN_LENGTH_S:.0f} s"})
            continue
        usable.append(Clip(str(path), group_of(path.name), round(length, 3)))
    return usable, skipped


def plan(clip_list: list[Clip], *, seed: int = SEED, cache_dir: str | os.PathLike | None = None) -> list[Case]:
    """Every case of the benchmark, drawn deterministically: the same clips and seed always give
    the same plan.

    Each clip draws its shifts from its own generator (seeded by `seed` and its name), so a clip
    keeps its shifts whatever else the folder holds. A swap pairs each clip with the next one of
    its group in name order (the last with the first), cut to the shorter length; a group of
    one clip has no swap.

    Parameters
    ----------
    clip_list : the clips, as `clips` returns them.
    seed : seed of the shift magnitudes.
    cache_dir : folder of the made files (default `data_dir()/syncbench`).

    Returns
    -------
    list of Case, clip by clip in VARIANTS order.
    """
    folder = Path(cache_dir) if cache_dir is not None else paths.data_dir() / "syncbench"
    by_group: dict[str, list[Clip]] = {}
    for clip in clip_list:
        by_group.setdefault(clip.group, []).append(clip)
    cases = []
    for clip in clip_list:
        rng = np.random.default_rng([seed, zlib.crc32(clip.name.encode())])
        cases.append(Case(clip.name, clip.group, ASIS, 0.0, clip.path))
        cases.append(_made(folder, clip, REENCODE, 0.0, (clip.path, 0.0), (clip.path, 0.0), clip.length))
        for variant, ((lo, hi), sign) in SHIFTS.items():
            d = round(float(rng.uniform(lo, hi)), 3)
            # sound from later (start d) plays every sound early; picture from later, late
            picture, sound = ((clip.path, 0.0), (clip.path, d)) if sign < 0 else ((clip.path, d), (clip.path, 0.0))
            cases.append(_made(folder, clip, variant, sign * d * 1000.0, picture, sound, round(clip.length - d, 3)))
        group = by_group[clip.group]
        if len(group) > 1:
            other = group[(group.index(clip) + 1) % len(group)]
            cases.append(
                _made(folder, clip, SWAP, None, (clip.path, 0.0), (other.path, 0.0), min(clip.length, other.length))
            )
    return cases


def _made(folder: Path, clip: Clip, variant: str, offset_ms: float | None, picture, sound, length: float) -> Case:
    """A case written to a file named by its recipe, so that a changed recipe is a new file."""
    sources = sorted({picture[0], sound[0]})
    recipe = repr(
        (
            RECIPE_VERSION,
            variant,
            [Path(p).name for p in (picture[0], sound[0])],
            picture[1],
            sound[1],
            length,
            [os.path.getsize(p) for p in sources],
        )
    )
    key = hashlib.sha256(recipe.encode()).hexdigest()[:12]
    path = folder / "clips" / f"{Path(clip.name).stem}-{variant}-{key}.mp4"
    return Case(clip.name, clip.group, variant, offset_ms, str(path), picture, sound, length)


def make_case(case: Case) -> str | None:
    """Write one case's file with ffmpeg (re-encoded) and check it; None when it is written,
    else why not.

    The windows are cut by the trim filters on the decoded streams, not by input seeking:
    seeking an MPEG program stream lands on the next I-frame after the target (a GRID clip
    cut at 0.64 s lost 8 frames, 0.3 s of picture, which would have shifted it by 0.3 s more).
    Each stream keeps its place on the source's clock (`PTS-start`, not `PTS-STARTPTS`), so a
    video stream that starts a frame after its audio still does. Module-level so that
    `parallel_map` can run it in worker processes. A failure leaves no file: ffmpeg's, or a
    stream of the result not of the asked length (an audio stream that starts late in its
    source would make the sound's window short).
    """
    (pic_src, pic_start), (snd_src, snd_start) = case.picture, case.sound
    vf = f"trim=start={pic_start:.3f}:duration={case.length:.3f},setpts=PTS-{pic_start:.3f}/TB"
    if case.variant == REENCODE:
        vf += f",scale={REENCODE_WIDTH}:-2,fps={REENCODE_FPS}"
    af = f"atrim=start={snd_start:.3f}:duration={case.length:.3f},asetpts=PTS-{snd_start:.3f}/TB"
    inputs = [["-i", pic_src]] + ([["-i", snd_src]] if snd_src != pic_src else [])
    try:
        media.encode(case.path, inputs, audio_map=f"{len(inputs) - 1}:a:0", vf=vf, af=af)
        info = media.probe(case.path)
    except AvcoreError as exc:
        return str(exc)
    for stream in (info.video, info.audio):
        if stream is None or abs(stream.duration - case.length) > DURATION_SLACK_S:
            os.remove(case.path)
            got = "missing" if stream is None else f"{stream.duration:.3f} s long"
            return f"a stream of the made file is {got}, not {case.length:.3f} s"
    return None


def build(cases: list[Case], *, progress: Callable[[int, int], None] | None = None) -> tuple[int, dict[str, str]]:
    """Write every made case whose file is not there yet.

    Returns how many files were tried and, for those that could not be made, path -> why: one
    odd clip leaves out its cases, not the benchmark.

    The jobs go variant by variant, not clip by clip: the workers take them in runs of up to
    eight, and one run holding all of a large clip's variants (a 1080x1920 HEVC clip costs ten
    times a GRID one) would keep one core busy while the other waits.
    """
    missing = sorted((c for c in cases if c.made and not os.path.isfile(c.path)), key=lambda c: (c.variant, c.clip))
    failures = parallel_map(make_case, missing, progress=progress)
    return len(missing), {c.path: why for c, why in zip(missing, failures) if why is not None}


def score_case(job: tuple[str, Tolerance]) -> Verdict | str:
    """The verdict on one file, or the error a user would see. Module-level for workers."""
    path, tolerance = job
    try:
        return check_clip(path, tolerance=tolerance)
    except AvcoreError as exc:
        return str(exc)


def summarize(cases: list[Case], verdicts: list[Verdict | str]) -> dict:
    """The benchmark's figures per group from the cases and their verdicts.

    Every share comes with its count and the number of cases it is over. Cases whose check
    failed (a str in place of a Verdict) are left out of the shares and counted as errors.
    Offsets are judged against the true shift over every shifted case: a case given no
    offset is not within; the median error is over the cases that have one.

    Parameters
    ----------
    cases : the cases, as `plan` returns them.
    verdicts : for each case, its Verdict, or the error message of a failed check.

    Returns
    -------
    dict of group -> {"n_clips", "variants": {variant or family: row}, "offsets": {family: row}}
    for the groups that hold at least one case, in GROUPS order.
    """
    if len(cases) != len(verdicts):
        raise ValueError("one verdict per case")
    out = {}
    for group in GROUPS:
        mine = [(c, v) for c, v in zip(cases, verdicts) if c.group == group]
        if not mine:
            continue
        variants = {name: _state_row([p for p in mine if p[0].variant == name], name) for name in VARIANTS}
        variants.update(
            {fam: _state_row([p for p in mine if p[0].variant in members], fam) for fam, members in FAMILIES.items()}
        )
        offsets = {fam: _offset_row([p for p in mine if p[0].variant in members]) for fam, members in FAMILIES.items()}
        out[group] = {
            "n_clips": len({c.clip for c, _ in mine}),
            "variants": {k: v for k, v in variants.items() if v["n"] or v["errors"]},
            "offsets": offsets,
        }
    return out


def _share(mask: np.ndarray) -> dict:
    return {"k": int(mask.sum()), "n": int(mask.size), "share": float(mask.mean()) if mask.size else None}


def _state_row(pairs: list[tuple[Case, Verdict | str]], name: str) -> dict:
    states = np.array([v.state for _, v in pairs if not isinstance(v, str)], dtype=object)
    row = {"n": int(states.size), "errors": sum(isinstance(v, str) for _, v in pairs)}
    for state in ("aligned", "misaligned", "unverified"):
        row[state] = _share(states == state)
    if name == SWAP:
        row["not_aligned"] = _share(states != "aligned")
    return row


def _offset_row(pairs: list[tuple[Case, Verdict | str]]) -> dict:
    scored = [(c, _offset(v)) for c, v in pairs if not isinstance(v, str)]
    measured = [ms is not None for _, ms in scored]
    err = np.array([np.inf if ms is None else abs(ms - c.true_offset_ms) for c, ms in scored])
    row = {"n": int(err.size), "with_offset": _share(np.array(measured, dtype=bool))}
    for ms in WITHIN_MS:
        row[f"within_{ms:.0f}ms"] = _share(err <= ms)
    finite = err[np.isfinite(err)]
    row["median_abs_error_ms"] = float(np.median(finite)) if finite.size else None
    return row


def run(
    media_dir: str | os.PathLike,
    *,
    tolerance: Tolerance = DEFAULT_TOLERANCE,
    seed: int = SEED,
    cache_dir: str | os.PathLike | None = None,
    build_progress: Callable[[int, int], None] | None = None,
    score_progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Build (or reuse) every variant of the clips in `media_dir`, score them all and report.

    Parameters
    ----------
    media_dir : folder of real clips named by group prefix (`PREFIX_GROUPS`).
    tolerance : passed to `check_clip`.
    seed : seed of the shift magnitudes.
    cache_dir : folder of the made files (default `data_dir()/syncbench`).
    build_progress, score_progress : called with (done, total) as files are made and scored.

    Returns
    -------
    dict: the folder, seed, tolerance, counts, skipped files, the per-group figures of
    `summarize` under "groups", and one detail row per case under "cases".
    """
    clip_list, skipped = clips(media_dir)
    if not clip_list:
        raise AvcoreError(
            f"No usable clips in {media_dir}: need clips with audio and video, {MIN_LENGTH_S:.0f} s or longer."
        )
    planned = plan(clip_list, seed=seed, cache_dir=cache_dir)
    written, failed = build(planned, progress=build_progress)
    cases = [c for c in planned if c.path not in failed]
    skipped += [{"clip": c.clip, "variant": c.variant, "why": failed[c.path]} for c in planned if c.path in failed]
    verdicts = parallel_map(score_case, [(c.path, tolerance) for c in cases], progress=score_progress)
    notes = [f"{c.name}: unknown prefix, scored in the group '{OTHER}'" for c in clip_list if c.group == OTHER]
    singles = sorted({c.group for c in clip_list} - {c.group for c in planned if c.variant == SWAP})
    notes += [f"group '{g}' has one clip: no swap" for g in singles]
    return {
        "benchmark": "sync",
        "dir": str(media_dir),
        "seed": seed,
        "recipe_version": RECIPE_VERSION,
        "tolerance_ms": [tolerance.early_ms, tolerance.late_ms],
        "n_clips": len(clip_list),
        "n_cases": len(cases),
        "files_written": written - len(failed),
        "skipped": skipped,
        "notes": notes,
        "groups": summarize(cases, verdicts),
        "cases": [_detail(c, v) for c, v in zip(cases, verdicts)],
    }


def _detail(case: Case, verdict: Verdict | str) -> dict:
    row = {
        "clip": case.clip,
        "group": case.group,
        "variant": case.variant,
        "true_offset_ms": case.true_offset_ms,
        "path": case.path,
    }
    if isinstance(verdict, str):
        return {**row, "error": verdict}
    return {**row, "state": verdict.state, "offset_ms": _offset(verdict), "verdict": verdict.to_json()}


def _offset(verdict: Verdict) -> float | None:
    """The verdict's offset, or None where it has none (a NaN is none either)."""
    ms = verdict.offset_ms
    return None if ms is None or not math.isfinite(ms) else float(ms)


def format_table(result: dict) -> str:
    """The readable report: per group, each variant's verdict shares (count/n and share), then
    how close the measured offsets of the shifted cases came to the truth."""
    tol = result["tolerance_ms"]
    lines = [
        f"sync benchmark: {result['dir']}   clips: {result['n_clips']}   cases: {result['n_cases']}   "
        f"seed {result['seed']}   tolerance: {tol[0]:g} ms early, {tol[1]:g} ms late",
        "misaligned on asis/reencode is the false-alarm rate; on the other variants, the recall",
    ]
    skipped = [
        f"skipped {' '.join(filter(None, (s['clip'], s.get('variant'))))}: {s['why']}" for s in result["skipped"]
    ]
    for note in result["notes"] + skipped:
        lines.append(f"  note: {note}")
    states = ("aligned", "misaligned", "unverified", "not_aligned")
    for group, figures in result["groups"].items():
        n = figures["n_clips"]
        lines += ["", f"{group} ({n} clip{'' if n == 1 else 's'})"]
        lines.append(f"{'variant':<20}{'n':>4}" + "".join(f"{s.replace('_', ' '):>16}" for s in states))
        for name, row in figures["variants"].items():
            cells = "".join(f"{_cell(row[s]) if s in row else '':>16}" for s in states)
            lines.append(f"{name:<20}{row['n']:>4}{cells}" + (f"   errors {row['errors']}" if row["errors"] else ""))
        within = [f"within_{ms:.0f}ms" for ms in WITHIN_MS]
        lines.append(
            f"{'offsets':<20}{'n':>4}{'with offset':>16}"
            + "".join(f"{w.replace('_', ' '):>16}" for w in within)
            + f"{'median |err| ms':>18}"
        )
        for name, row in figures["offsets"].items():
            median = "-" if row["median_abs_error_ms"] is None else f"{row['median_abs_error_ms']:.0f}"
            lines.append(
                f"{name:<20}{row['n']:>4}{_cell(row['with_offset']):>16}"
                + "".join(f"{_cell(row[w]):>16}" for w in within)
                + f"{median:>18}"
            )
    return "\n".join(lines)


def _cell(share: dict) -> str:
    value = "-" if share["share"] is None else f"{share['share']:.2f}"
    return f"{share['k']}/{share['n']} {value}"
