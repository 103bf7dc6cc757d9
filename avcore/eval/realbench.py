"""A benchmark of real clips that no method ever trains on.

Each 2-6 s segment of a real clip appears as it is, re-encoded at another size and frame rate
(still aligned), damaged by each of the original project's four ffmpeg commands exactly as it
ran them (video stream copied, ffmpeg's own frame timing), and in two harder forms that leave no
trace in the file: the audio taken from 0.3-1.0 s earlier or later with the same duration and no
silent gap, and white noise mixed in rather than replacing the audio. Those that move or mix
the sound are made only where the segment is not silent throughout.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from avcore.damage import anomalies
from avcore.data import schema
from avcore.errors import AvcoreError
from avcore.features import cues
from avcore.io import ffmpeg, media
from avcore.parallel import parallel_map
from avcore.paths import VIDEO_SUFFIXES

RECIPE_VERSION = "real-v3"
SEGMENT_S = 3.0
CONTEXT_S = 1.0  # room kept around a segment for the content-only shifts

# The original's commands, verbatim but for input and output names.
ORIGINAL_RECIPES = {
    "time_shift": lambda src, dst, ms: ["-i", src, "-af", f"adelay={ms}|{ms}", "-c:v", "copy", dst],
    "noise": lambda src, dst, ms: [
        "-i",
        src,
        "-f",
        "lavfi",
        "-i",
        "anoisesrc=color=white",
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-c:v",
        "copy",
        "-shortest",
        dst,
    ],
    "mute": lambda src, dst, ms: ["-i", src, "-an", "-c:v", "copy", dst],
    "distort": lambda src, dst, ms: ["-i", src, "-vf", "setpts='0.75*PTS+sin(N*0.05)*0.05/TB'", "-c:a", "copy", dst],
}


@dataclass(frozen=True)
class Segment:
    source: str
    start: float
    end: float
    content_room: bool  # whether the source has CONTEXT_S of audio either side

    @property
    def name(self) -> str:
        return f"{Path(self.source).stem}-{self.start:.1f}"


def segments(media_dir: str | os.PathLike) -> list[Segment]:
    """3 s segments every 2 s inside clips long enough to keep 1 s of context either side;
    a 2-6 s clip is one whole segment. Clips without audio or under 2 s are left out."""
    out = []
    for path in sorted(Path(media_dir).glob("*")):
        if path.suffix.lower() not in VIDEO_SUFFIXES:
            continue
        try:
            info = media.probe(path)
        except AvcoreError:
            continue
        if info.video is None or info.audio is None:
            continue
        length = min(info.video.duration, info.audio.duration)
        if length >= SEGMENT_S + 2 * CONTEXT_S:
            start = CONTEXT_S
            while start + SEGMENT_S <= length - CONTEXT_S:
                out.append(Segment(str(path), start, start + SEGMENT_S, True))
                start += 2.0
        elif 2.0 <= length <= 6.0:
            out.append(Segment(str(path), 0.0, round(length, 2), False))
    return out


def _row(seg: Segment, variant: str, kind: str, shift_ms: float, rel: str) -> dict:
    return schema.sample_row(
        f"{seg.name}-{variant}",
        seg.start,
        seg.end,
        kind,
        Path(seg.source).name,
        rel,
        round(seg.end - seg.start, 3),
        shift_ms,
        "test",
        variant,
    )


def make_segment(job: tuple[Segment, str, int]) -> list[dict]:
    """Every variant of one segment; returns their metadata rows."""
    seg, out_dir, seed = job
    rng = np.random.default_rng([seed, int(seg.start * 10), len(seg.source)])
    out = Path(out_dir) / "clips"
    length = seg.end - seg.start
    base = out / f"{seg.name}-asis.mp4"
    media.encode(base, [["-ss", f"{seg.start}", "-t", f"{length}", "-i", seg.source]])
    rows = [_row(seg, "asis", schema.UNDAMAGED, 0.0, f"clips/{base.name}")]

    info = media.probe(base)
    w, h = info.video.width * 2 // 3 // 2 * 2, info.video.height * 2 // 3 // 2 * 2
    fps = 15 if info.video.fps > 20 else 30
    re = out / f"{seg.name}-reencode.mp4"
    media.encode(re, [["-i", str(base)]], vf=f"scale={w}:{h},fps={fps}")
    rows.append(_row(seg, "reencode", schema.UNDAMAGED, 0.0, f"clips/{re.name}"))

    # Moving or mixing under a sound needs a sound: on a segment that is silent throughout
    # (below -60 dBFS: a real clip's track goes silent 5 s in), a delay changes nothing one can
    # hear, and noise mixed at an SNR against silence is itself silent, yet each was labelled
    # damage. Content shifts are left out there too, though one taken from before the silence
    # would bring sound in.
    audible = _has_sound(base)
    for kind, recipe in ORIGINAL_RECIPES.items():
        if kind == "time_shift" and not audible:
            continue
        ms = int(rng.uniform(100, 0.8 * length * 1000)) if kind == "time_shift" else 0
        dst = out / f"{seg.name}-recipe_{kind}.mp4"
        ffmpeg.run(["-v", "error", "-y", *recipe(str(base), str(dst), ms)], what=f"The original {kind} recipe")
        rows.append(_row(seg, f"recipe_{kind}", kind, float(ms), f"clips/{dst.name}"))

    if audible:
        mix = out / f"{seg.name}-mix.mp4"
        anomalies.noise(base, mix, snr_db=float(rng.uniform(0, 10)), seed=seed)
        rows.append(_row(seg, "mix", "noise", 0.0, f"clips/{mix.name}"))

    if seg.content_room and audible:
        for sign in (-1, 1):
            d = sign * rng.uniform(0.3, 1.0)
            dst = out / f"{seg.name}-content{'+' if sign > 0 else '-'}.mp4"
            media.encode(
                dst,
                [
                    ["-ss", f"{seg.start}", "-t", f"{length}", "-i", seg.source],
                    ["-ss", f"{seg.start + d:.3f}", "-t", f"{length}", "-i", seg.source],
                ],
                audio_map="1:a:0",
            )
            # audio taken from later (d > 0) plays each sound early: a negative offset
            rows.append(
                _row(seg, f"content{'+' if sign > 0 else '-'}", "time_shift", round(-d * 1000), f"clips/{dst.name}")
            )
    return rows


def _has_sound(path: Path) -> bool:
    return cues.audio_cues(media.read_audio(path), media.AUDIO_RATE)["silence_ratio"] < 1.0


def build(
    media_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Write the benchmark's clips and metadata.csv (every row in the test split); reused as
    long as the recipe version and source list are unchanged."""
    out = Path(out_dir)
    segs = segments(media_dir)
    if not segs:
        raise AvcoreError(f"No usable clips in {media_dir}: need clips with audio and video, 2 s or longer.")
    stamp = out / "recipe.txt"
    key = RECIPE_VERSION + "\n" + "\n".join(f"{s.name}:{os.path.getsize(s.source)}" for s in segs)
    if stamp.is_file() and stamp.read_text() == key and (out / schema.METADATA_FILE).is_file():
        return pd.read_csv(out / schema.METADATA_FILE)
    (out / "clips").mkdir(parents=True, exist_ok=True)
    rows = [
        r for group in parallel_map(make_segment, [(s, str(out), seed) for s in segs], progress=progress) for r in group
    ]
    meta = pd.DataFrame(rows, columns=list(schema.COLUMNS))
    meta.to_csv(out / schema.METADATA_FILE, index=False)
    stamp.write_text(key)
    return meta
