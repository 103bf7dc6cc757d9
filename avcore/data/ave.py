"""The real AVE dataset: its annotation files, and the original project's sample generation.

AVE's `Annotations.txt` is `Category&VideoID&Quality&StartTime&EndTime` in whole seconds with
a header line. Categories contain commas ("Baby cry, infant cry"), so `&` is the only separator
and no CSV reader touches the raw file. `trainSet.txt`, `valSet.txt` and `testSet.txt` have the
same format without a header and together hold exactly the rows of `Annotations.txt`.

`load_table` reads whichever form of a local copy a person points at (the annotation file, its
folder, or the samples `trim_segments` wrote) as the one table the app's dataset pages show.

`trim_segments` reproduces the original sample-generation rules (see `plan_segment`) on
whichever videos of the dataset are present in a folder, one `<VideoID>.mp4` each.
"""

from __future__ import annotations

import math
import os
import re
import stat
import tempfile
import zlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from avcore.damage import anomalies
from avcore.data import dataset, schema
from avcore.io import media
from avcore.errors import AvcoreError

FIELDS = ("Category", "VideoID", "Quality", "StartTime", "EndTime")
SPLIT_FILES = {"train": "trainSet.txt", "val": "valSet.txt", "test": "testSet.txt"}

MIN_PIECE_S = 1.0  # no sample is shorter than this
SPLIT_FROM_S = 2.0  # segments at least this long are cut into pieces
MAX_PIECES = 3
MAX_SHIFT_FRACTION = 0.8
TRAIN_FRACTION = 0.7
MAX_ANNOTATION_BYTES = 4 << 20

Progress = Callable[[int, int], None]


# ----- annotation files ---------------------------------------------------------------------


def parse_annotations(path: str | os.PathLike) -> pd.DataFrame:
    """Rows of an AVE annotation file, with Duration = EndTime - StartTime.

    Strict on purpose: a malformed line raises an AvcoreError naming its line number rather
    than being dropped, because a silently shortened annotation list changes the dataset
    without anyone noticing. Only blank lines and a header as the first line are skipped.
    Zero-length rows are kept (the released file has one); `trim_segments` skips them.
    """
    lines = _read_lines(path)
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if not rows and _is_header(line):
            continue
        rows.append(_parse_line(line, number, path))
    if not rows:
        raise AvcoreError(f"{path} holds no annotation rows.")
    df = pd.DataFrame(rows, columns=list(FIELDS))
    df["Duration"] = df["EndTime"] - df["StartTime"]
    return df


def annotations_to_csv(txt: str | os.PathLike, csv: str | os.PathLike) -> Path:
    """The annotation file as an ordinary CSV (commas in categories get quoted)."""
    csv = Path(csv)
    csv.parent.mkdir(parents=True, exist_ok=True)
    parse_annotations(txt).to_csv(csv, index=False)
    return csv


def parse_splits(ave_dir: str | os.PathLike) -> pd.DataFrame:
    """All rows of AVE's own train/val/test files, with a Split column ("train"/"val"/"test").

    Passing this to `trim_segments` makes it keep AVE's split instead of drawing its own.
    Beware: AVE splits rows, not videos, and a few videos annotated with two categories have
    rows on both sides.
    """
    ave_dir = _existing_dir(ave_dir, "AVE folder")
    parts = []
    for split, name in SPLIT_FILES.items():
        part = parse_annotations(ave_dir / name)
        part["Split"] = split
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _read_lines(path) -> list[str]:
    """The file's lines, read only if it is a regular file of at most MAX_ANNOTATION_BYTES:
    a device or a pipe (/dev/zero) would otherwise be read without end, and a huge file whole
    into memory. AVE's own annotation file is 0.2 MB."""
    try:
        # non-blocking, or opening a named pipe would wait for a writer before fstat could refuse it
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as f:
            info = os.fstat(f.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise AvcoreError(f"{path} is a folder; give the annotation file inside it.")
            if not stat.S_ISREG(info.st_mode):
                raise AvcoreError(f"{path} is not a regular file, so it cannot be an AVE annotation file.")
            if info.st_size > MAX_ANNOTATION_BYTES:
                raise AvcoreError(
                    f"{path} is larger than {MAX_ANNOTATION_BYTES >> 20} MB, far more than an AVE annotation file."
                )
            text = f.read(MAX_ANNOTATION_BYTES + 1).decode("utf-8-sig")
    except FileNotFoundError:
        raise AvcoreError(f"No annotation file at {path}.") from None
    except UnicodeDecodeError:
        raise AvcoreError(f"{path} is not a text file, so it cannot be an AVE annotation file.") from None
    except OSError as exc:
        raise AvcoreError(f"The annotation file {path} could not be read: {exc.strerror}.") from None
    return text.splitlines()


def _is_header(line: str) -> bool:
    return tuple(f.strip().lower() for f in line.split("&")) == tuple(f.lower() for f in FIELDS)


def _parse_line(line: str, number: int, path) -> tuple:
    where = f"{path}, line {number}"  # never the line itself: the file may not be the user's to read
    fields = [f.strip() for f in line.split("&")]
    if len(fields) != len(FIELDS):
        raise AvcoreError(
            f"{where}: expected 5 fields separated by '&' "
            f"(Category&VideoID&Quality&StartTime&EndTime), found {len(fields)}."
        )
    category, video_id, quality, start, end = fields
    if not category or not video_id:
        raise AvcoreError(f"{where}: the category and the video id must not be empty.")
    if not all(t.isascii() and t.isdigit() for t in (start, end)):
        raise AvcoreError(f"{where}: start and end must be whole seconds, like 0 and 10.")
    if int(start) > int(end):
        raise AvcoreError(f"{where}: the segment ends before it starts.")
    return category, video_id, quality, int(start), int(end)


# ----- a local copy, as one table -----------------------------------------------------------


def load_table(path: str | os.PathLike) -> pd.DataFrame:
    """AVE from an annotation file, a folder holding `Annotations.txt` (videos beside it or in
    its `AVE/` subfolder), or a folder of samples cut by `trim_segments` (with `metadata.csv`).

    Raw annotations get `Path` ("" when the video is not downloaded) and `Playable`, so a
    partial download is shown with the rest of the dataset rather than refused; the samples come
    with their labels as `dataset.load_metadata` reads them.
    """
    root = Path(path).expanduser()
    if not root.exists():
        raise AvcoreError(f"Nothing at {root}: give the AVE annotation file or the folder that holds it.")
    if root.is_dir() and (root / schema.METADATA_FILE).is_file():
        return dataset.load_metadata(root)
    annotations = root / "Annotations.txt" if root.is_dir() else root
    folder = annotations.parent
    table = parse_annotations(annotations)
    video_dirs = [d for d in (folder, folder / "AVE") if d.is_dir()]
    table["Path"] = [_find_video(video_dirs, vid) for vid in table["VideoID"]]
    table["Playable"] = table["Path"] != ""
    return table


def _find_video(folders: list[Path], video_id: str) -> str:
    for folder in folders:
        candidate = folder / f"{video_id}.mp4"
        if candidate.is_file():
            return str(candidate)
    return ""


# ----- the sample-generation rules (pure) ---------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """One sample to write: a stretch of the source video and what to do to it."""

    start: float
    end: float
    kind: str  # "none" (aligned) or one of anomalies.TYPES
    params: dict = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return round(self.end - self.start, 3)

    @property
    def shift_ms(self) -> int:
        return self.params.get("ms", 0)


def plan_segment(start: float, end: float, rng: np.random.Generator) -> list[Piece]:
    """The original rules for one annotated segment, as a list of samples to write.

    Under 1 s: nothing. Under 2 s: the segment as is. Otherwise 1-3 pieces, each at least 1 s,
    that tile the segment (the whole annotated event is used, none of it twice). Each piece is
    aligned or misaligned by a coin flip, and a misaligned one gets one of the four types.
    Times are rounded to the millisecond so that the plan, the ffmpeg arguments and the
    metadata agree exactly.
    """
    duration = end - start
    if duration < MIN_PIECE_S:
        return []
    bounds = [start, end] if duration < SPLIT_FROM_S else _tile(start, end, rng)
    bounds = [round(float(t), 3) for t in bounds]
    return [_damage(a, b, rng) for a, b in zip(bounds[:-1], bounds[1:])]


def _tile(start: float, end: float, rng: np.random.Generator) -> list[float]:
    """Boundaries of n random pieces of at least 1 s each: the slack beyond n x 1 s is shared
    out at uniform random cut points (rounding them later is monotone, so pieces stay >= 1 s)."""
    duration = end - start
    n = int(rng.integers(1, min(MAX_PIECES, math.floor(duration / MIN_PIECE_S)) + 1))
    slack = duration - n * MIN_PIECE_S
    cuts = np.sort(rng.uniform(0.0, slack, n - 1))
    return [start, *(start + (i + 1) * MIN_PIECE_S + c for i, c in enumerate(cuts)), end]


def _damage(start: float, end: float, rng: np.random.Generator) -> Piece:
    """Coin flip, then a uniform type. The time-shift range [100, 0.8 x duration x 1000] ms is
    never empty, since pieces are at least 1 s long, so the shift never needs skipping."""
    if rng.random() < 0.5:
        return Piece(start, end, schema.UNDAMAGED)
    kind = anomalies.TYPES[int(rng.integers(len(anomalies.TYPES)))]
    if kind == "time_shift":
        top = MAX_SHIFT_FRACTION * (end - start) * 1000.0
        return Piece(start, end, kind, {"ms": int(round(rng.uniform(schema.MIN_SAMPLE_SHIFT_MS, top)))})
    if kind == "noise":
        return Piece(start, end, kind, {"seed": int(rng.integers(2**31 - 1))})
    return Piece(start, end, kind)


def assign_splits(
    categories: Mapping[str, str], *, seed: int = 0, train_fraction: float = TRAIN_FRACTION
) -> dict[str, str]:
    """Train or test for each video, stratified by its category.

    Whole videos are assigned, never single clips: clips cut from one video share picture and
    sound, so splitting them would put near-copies of test clips into training.
    """
    videos = sorted(categories)
    groups = [categories[v] for v in videos]
    return dict(zip(videos, schema.stratified_split(groups, np.random.default_rng(seed), train_fraction, "train")))


# ----- writing the samples ------------------------------------------------------------------


def trim_segments(
    annotations_df: pd.DataFrame,
    ave_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    seed: int = 0,
    limit: int | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Write the samples of every annotated segment whose video is in `ave_dir`, and their
    metadata (also saved as `out_dir/metadata.csv`, FilePath relative to `out_dir`).

    Rows whose video is absent, zero-length rows, videos without sound (aligned and mute would
    be the same clip) and unreadable videos are skipped, never fatal; the counts are in
    `result.attrs["skipped"]`, and samples ffmpeg failed on are listed in
    `result.attrs["failures"]`. A segment running past the end of its video is cut at the end
    of the shorter stream. `limit` caps the number of segments processed (present videos only).

    Each row draws from its own random stream, seeded by `seed` and the row's content, so a
    segment's samples do not change when other videos are added or removed. The Split column
    comes from `annotations_df` when it has one (e.g. from `parse_splits`), otherwise from
    `assign_splits` over the videos that produced samples.
    """
    ave_dir = _existing_dir(ave_dir, "AVE video folder")
    _check_annotations(annotations_df)
    if limit is not None and limit < 0:
        raise AvcoreError("The segment limit cannot be negative.")
    out_dir = Path(out_dir)
    skipped: Counter[str] = Counter()
    todo = []
    for row in annotations_df.to_dict("records"):
        if row["EndTime"] <= row["StartTime"]:
            skipped["zero_length"] += 1
        elif not (ave_dir / f"{row['VideoID']}.mp4").is_file():
            skipped["missing_video"] += 1
        else:
            todo.append(row)
    todo = todo[:limit] if limit is not None else todo

    records: list[dict] = []
    failures: list[str] = []
    sources: dict[str, media.MediaInfo | None] = {}
    _report(progress, 0, len(todo))
    with tempfile.TemporaryDirectory(prefix="avcore-ave-") as tmp:
        cut = Path(tmp) / "cut.mp4"
        for done, row in enumerate(todo, start=1):
            reason = _trim_row(row, ave_dir, out_dir, cut, seed, sources, records, failures)
            if reason:
                skipped[reason] += 1
            _report(progress, done, len(todo))

    result = pd.DataFrame(records, columns=list(schema.ORIGINAL_COLUMNS))
    if "Split" not in annotations_df.columns:
        first_category = result.drop_duplicates("VideoID").set_index("VideoID")["Category"].to_dict()
        result["Split"] = result["VideoID"].map(assign_splits(first_category, seed=seed))
    out_dir.mkdir(parents=True, exist_ok=True)
    result.to_csv(out_dir / schema.METADATA_FILE, index=False)
    if failures:
        skipped["failed_samples"] = len(failures)
    result.attrs["skipped"] = dict(skipped)
    result.attrs["failures"] = failures
    return result


def sample_path(category: str, video_id: str, piece: Piece) -> str:
    """Where a sample goes, relative to the output folder: one folder per category, so that a
    video annotated with two categories gets two distinct files, and no path begins with '-'
    (some YouTube ids do)."""
    folder = re.sub(r"[^A-Za-z0-9]+", "-", category).strip("-") or "uncategorised"
    return f"{folder}/{video_id}_{piece.start:.3f}-{piece.end:.3f}.mp4"


def _trim_row(
    row, ave_dir: Path, out_dir: Path, cut: Path, seed: int, sources, records: list, failures: list
) -> str | None:
    """Write one annotated segment's samples, appending their metadata, or say why there are
    none. A sample ffmpeg fails on is noted in `failures` and the batch goes on: one damaged
    video should not end a run over thousands."""
    video_id = row["VideoID"]
    if video_id not in sources:
        sources[video_id] = _probe_or_none(ave_dir / f"{video_id}.mp4")
    info = sources[video_id]
    if info is None:
        return "unreadable_video"
    if info.video is None or info.audio is None:
        return "no_audio" if info.video is not None else "no_video"
    end = min(float(row["EndTime"]), info.video.duration, info.audio.duration)
    pieces = plan_segment(float(row["StartTime"]), end, _row_rng(seed, row))
    if not pieces:
        return "too_short"
    for piece in pieces:
        rel = sample_path(row["Category"], video_id, piece)
        try:
            _render(ave_dir / f"{video_id}.mp4", piece, cut, out_dir / rel)
        except AvcoreError as exc:
            failures.append(f"{video_id} {piece.start:.3f}-{piece.end:.3f} s ({piece.kind}): {exc}")
            continue
        records.append(
            schema.sample_row(
                video_id, piece.start, piece.end, piece.kind, row["Category"], rel, piece.duration, piece.shift_ms, row.get("Split")
            )
        )
    return None


def _render(src: Path, piece: Piece, cut: Path, dst: Path) -> None:
    """Cut, then damage. Aligned samples get a plain second encode so that every sample has
    been compressed exactly twice: otherwise compression generation alone would give the
    label away."""
    media.encode(cut, [["-ss", f"{piece.start:.3f}", "-t", f"{piece.duration:.3f}", "-i", str(src)]])
    if piece.kind == schema.UNDAMAGED:
        media.encode(dst, [["-i", str(cut)]])
    else:
        anomalies.apply(cut, dst, piece.kind, **piece.params)


def _row_rng(seed: int, row: Mapping) -> np.random.Generator:
    key = "&".join(str(row[f]) for f in FIELDS)
    return np.random.default_rng([seed, zlib.crc32(key.encode("utf-8"))])


def _probe_or_none(path: Path) -> media.MediaInfo | None:
    try:
        return media.probe(path)
    except AvcoreError:
        return None


def _check_annotations(df: pd.DataFrame) -> None:
    missing = [c for c in FIELDS if c not in df.columns]
    if missing:
        raise AvcoreError(
            f"The annotation table lacks the column(s) {', '.join(missing)}; "
            "read the file with avcore.data.ave.parse_annotations."
        )
    ids = df["VideoID"].astype(str)
    bad = ids[~ids.str.fullmatch(r"[^/\\.][^/\\]*")]
    if len(bad):
        raise AvcoreError(f"The video id {bad.iloc[0]!r} is not a plain file name, so no video can be found for it.")


def _existing_dir(path, what: str) -> Path:
    path = Path(path)
    if not path.is_dir():
        raise AvcoreError(f"The {what} {path} does not exist or is not a folder.")
    return path


def _report(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)
