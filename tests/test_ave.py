"""AVE annotation parsing and the original sample-generation rules.

The real annotation files (../shared/ave) and real clips (../shared/media) are optional: the
tests that need them skip cleanly when they are absent. The trimming tests build a fake AVE
folder from a few real clips, so they check real ffmpeg output rather than mocks.
"""

from __future__ import annotations

import shutil
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from conftest import AVE, MEDIA

from avcore import AvcoreError
from avcore.damage import anomalies
from avcore.data import ave, schema
from avcore.io import media

TOL_S = 0.15  # frame and audio-packet rounding of a cut


# ----- the real annotation file -------------------------------------------------------------


@pytest.fixture(scope="module")
def real_annotations() -> pd.DataFrame:
    path = AVE / "Annotations.txt"
    if not path.is_file():
        pytest.skip("../shared/ave is absent")
    return ave.parse_annotations(path)


def test_real_file_counts(real_annotations):
    df = real_annotations
    assert len(df) == 4143
    assert df["VideoID"].nunique() == 4097
    assert df["Category"].nunique() == 28
    assert list(df.columns) == ["Category", "VideoID", "Quality", "StartTime", "EndTime", "Duration"]


def test_real_file_values(real_annotations):
    df = real_annotations
    assert "Category" not in set(df["Category"])  # the header line is not a row
    assert "Baby cry, infant cry" in set(df["Category"])
    assert not df["Category"].str.contains("&").any()
    assert (df["Duration"] == df["EndTime"] - df["StartTime"]).all()
    assert pd.api.types.is_integer_dtype(df["StartTime"]) and pd.api.types.is_integer_dtype(df["EndTime"])
    assert (df["Duration"] == 0).sum() == 1
    assert (df["Duration"] >= 0).all()


def test_real_split_files_hold_exactly_the_annotated_rows(real_annotations):
    splits = ave.parse_splits(AVE)
    assert set(splits["Split"]) == {"train", "val", "test"}
    key = ["Category", "VideoID", "Quality", "StartTime", "EndTime"]
    as_rows = lambda df: Counter(map(tuple, df[key].itertuples(index=False)))  # noqa: E731
    assert as_rows(splits) == as_rows(real_annotations)


def test_csv_round_trip_keeps_commas(real_annotations, tmp_path):
    csv = ave.annotations_to_csv(AVE / "Annotations.txt", tmp_path / "sub" / "annotations.csv")
    back = pd.read_csv(csv)
    assert len(back) == len(real_annotations)
    assert list(back["Category"]) == list(real_annotations["Category"])
    assert list(back["Duration"]) == list(real_annotations["Duration"])


# ----- a made annotation file ---------------------------------------------------------------


def _write(tmp_path, text: str, name: str = "Annotations.txt"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_edge_cases_parse(tmp_path):
    path = _write(
        tmp_path,
        "\ufeffCategory&VideoID&Quality&StartTime&EndTime\r\n"
        "Race car, auto racing&-abc_DEF12&good&3&9\r\n"
        "Church bell&zero&good&5&5\r\n"
        "\r\n"
        "Banjo&-abc_DEF12&bad&0&10\r\n",
    )
    df = ave.parse_annotations(path)
    assert list(df["Category"]) == ["Race car, auto racing", "Church bell", "Banjo"]
    assert list(df["VideoID"]) == ["-abc_DEF12", "zero", "-abc_DEF12"]
    assert list(df["Quality"]) == ["good", "good", "bad"]
    assert list(df["Duration"]) == [6, 0, 10]


def test_split_format_without_header_parses(tmp_path):
    df = ave.parse_annotations(_write(tmp_path, "Bark&x1&good&0&2\nGoat&x2&good&1&4\n"))
    assert list(df["VideoID"]) == ["x1", "x2"]


@pytest.mark.parametrize(
    "line, words",
    [
        ("Bark&x1&good&0", "5 fields"),
        ("Bark,x1,good,0,2", "5 fields"),
        ("Bark&x1&good&0&2&extra", "5 fields"),
        ("Bark&x1&good&0.5&2", "whole seconds"),
        ("Bark&x1&good&zero&2", "whole seconds"),
        ("Bark&x1&good&-1&2", "whole seconds"),
        ("Bark&x1&good&²&2", "whole seconds"),
        ("Bark&x1&good&4&2", "ends before it starts"),
        ("&x1&good&0&2", "must not be empty"),
    ],
)
def test_malformed_line_is_an_error_naming_the_line(tmp_path, line, words):
    path = _write(tmp_path, f"Category&VideoID&Quality&StartTime&EndTime\nBark&ok&good&0&10\n{line}\n")
    with pytest.raises(AvcoreError, match=words) as info:
        ave.parse_annotations(path)
    assert "line 3" in str(info.value)


def test_header_only_counts_as_first_line(tmp_path):
    path = _write(tmp_path, "Bark&x1&good&0&2\nCategory&VideoID&Quality&StartTime&EndTime\n")
    with pytest.raises(AvcoreError, match="line 2"):
        ave.parse_annotations(path)


@pytest.mark.parametrize(
    "content, words",
    [
        (None, "No annotation file"),
        (b"", "no annotation rows"),
        (b"Category&VideoID&Quality&StartTime&EndTime\n", "no annotation rows"),
        (b"\x00\xff\xfe binary", "not a text file"),
    ],
)
def test_unreadable_files_are_errors(tmp_path, content, words):
    path = tmp_path / "Annotations.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(AvcoreError, match=words):
        ave.parse_annotations(path)


def test_folder_instead_of_file_is_an_error(tmp_path):
    with pytest.raises(AvcoreError, match="folder"):
        ave.parse_annotations(tmp_path)


# ----- a local copy as one table ------------------------------------------------------------


def test_load_table_finds_each_video_beside_the_file_or_in_AVE(tmp_path):
    _write(tmp_path, "Bark&beside&good&0&2\nGoat&inside&good&1&4\nCat&absent&good&0&3\n")
    (tmp_path / "AVE").mkdir()
    (tmp_path / "beside.mp4").touch()
    (tmp_path / "AVE" / "inside.mp4").touch()
    for path in (tmp_path, tmp_path / "Annotations.txt"):  # the folder or the file itself
        table = ave.load_table(path)
        assert list(table["Path"]) == [str(tmp_path / "beside.mp4"), str(tmp_path / "AVE" / "inside.mp4"), ""]
        assert list(table["Playable"]) == [True, True, False]
        assert "Label" not in table  # raw annotations carry no labels


def test_load_table_of_nothing_is_an_error(tmp_path):
    with pytest.raises(AvcoreError, match="Nothing at"):
        ave.load_table(tmp_path / "nowhere")
    with pytest.raises(AvcoreError, match="No annotation file"):
        ave.load_table(tmp_path)  # a folder with neither Annotations.txt nor samples


# ----- the generation rules, without ffmpeg -------------------------------------------------


@pytest.mark.parametrize("start, end", [(0, 10), (3, 9.64), (1, 4), (0, 2), (7, 8), (2, 3.5)])
def test_plan_tiles_the_segment_with_pieces_of_at_least_1s(start, end):
    for seed in range(200):
        pieces = ave.plan_segment(start, end, np.random.default_rng(seed))
        assert 1 <= len(pieces) <= 3
        assert pieces[0].start == pytest.approx(start) and pieces[-1].end == pytest.approx(end)
        for a, b in zip(pieces[:-1], pieces[1:]):
            assert a.end == b.start
        for p in pieces:
            assert p.end - p.start >= 1 - 1e-9
        if end - start < 2:
            assert len(pieces) == 1


def test_plan_under_one_second_is_empty():
    assert ave.plan_segment(5, 5, np.random.default_rng(0)) == []
    assert ave.plan_segment(5, 5.9, np.random.default_rng(0)) == []


def test_plan_labels_types_and_shifts():
    pieces = [p for seed in range(600) for p in ave.plan_segment(0, 10, np.random.default_rng(seed))]
    counts = Counter(p.kind for p in pieces)
    assert set(counts) == {"none", *anomalies.TYPES}
    aligned = counts["none"] / len(pieces)
    assert 0.45 < aligned < 0.55
    for kind in anomalies.TYPES:  # each type about 1/8 of all pieces
        assert 0.09 < counts[kind] / len(pieces) < 0.16
    assert {len(ave.plan_segment(0, 10, np.random.default_rng(s))) for s in range(100)} == {1, 2, 3}
    for p in pieces:
        if p.kind == "time_shift":
            assert 100 <= p.shift_ms <= 0.8 * (p.end - p.start) * 1000 + 0.5
        else:
            assert p.shift_ms == 0


def test_plan_is_reproducible_and_depends_on_the_seed():
    a = ave.plan_segment(0, 10, np.random.default_rng(7))
    assert a == ave.plan_segment(0, 10, np.random.default_rng(7))
    assert any(ave.plan_segment(0, 10, np.random.default_rng(s)) != a for s in range(8, 12))


def test_splits_are_stratified_by_category_and_reproducible():
    videos = {f"v{i}": f"c{i % 4}" for i in range(200)}
    splits = ave.assign_splits(videos, seed=3)
    assert set(splits) == set(videos)
    for category in {"c0", "c1", "c2", "c3"}:
        members = [splits[v] for v, c in videos.items() if c == category]
        assert members.count("train") == 35  # round(0.7 x 50)
    assert splits == ave.assign_splits(videos, seed=3)
    assert splits != ave.assign_splits(videos, seed=4)


def test_sample_paths_are_distinct_per_category_and_never_start_with_a_dash():
    piece = ave.Piece(1.0, 2.5, "none")
    a = ave.sample_path("Banjo", "-x1", piece)
    b = ave.sample_path("Mandolin", "-x1", piece)
    assert a != b and not a.startswith("-") and not b.startswith("-")
    assert ave.sample_path("Race car, auto racing", "x", piece).split("/")[0] == "Race-car-auto-racing"


# ----- trimming a fake AVE folder -----------------------------------------------------------

FAKE_SOURCES = {
    "-fakeChaplin": "chaplin.mp4",  # 9.64 s: the 3-10 segment runs past its end
    "fakeSmpte": "smpte-countdown.mp4",
    "fakeFailing": "failing-audio.mp4",
    "fakeSilent": "no-audio-480p.mp4",
}
FAKE_ANNOTATIONS = """Category&VideoID&Quality&StartTime&EndTime
Film, silent&-fakeChaplin&good&3&10
Countdown&fakeSmpte&good&0&2
Countdown&fakeSmpte&good&5&5
Guitar, acoustic&fakeFailing&good&1&4
Guitar, acoustic&fakeFailing&good&7&8
Banjo&fakeFailing&good&7&8
Silence&fakeSilent&good&0&2
Bark&notDownloaded&good&0&10
"""


@pytest.fixture(scope="module")
def fake_ave(tmp_path_factory):
    names = set(FAKE_SOURCES.values())
    if not all((MEDIA / n).is_file() for n in names):
        pytest.skip("../shared/media is absent")
    root = tmp_path_factory.mktemp("fake_ave")
    for video_id, name in FAKE_SOURCES.items():
        shutil.copy(MEDIA / name, root / f"{video_id}.mp4")
    (root / "Annotations.txt").write_text(FAKE_ANNOTATIONS)
    return root


@pytest.fixture(scope="module")
def trimmed(fake_ave, tmp_path_factory):
    calls = []
    out = tmp_path_factory.mktemp("samples")
    df = ave.trim_segments(
        ave.parse_annotations(fake_ave / "Annotations.txt"),
        fake_ave,
        out,
        seed=11,
        progress=lambda done, total: calls.append((done, total)),
    )
    return df, out, calls


def _segments(fake_ave) -> pd.DataFrame:
    """The annotated segments of videos with sound, cut at the end of the shorter stream."""
    df = ave.parse_annotations(fake_ave / "Annotations.txt")
    ends = {}
    for video_id in df["VideoID"].unique():
        path = fake_ave / f"{video_id}.mp4"
        info = media.probe(path) if path.is_file() else None
        if info is not None and info.has_audio:
            ends[video_id] = min(info.video.duration, info.audio.duration)
    df = df[df["VideoID"].isin(ends)].copy()
    df["End"] = [min(e, ends[v]) for e, v in zip(df["EndTime"], df["VideoID"])]
    return df


def test_trim_skips_with_counts(trimmed):
    df, _, _ = trimmed
    assert df.attrs["skipped"] == {"zero_length": 1, "missing_video": 1, "no_audio": 1}
    assert df.attrs["failures"] == []
    assert set(df["VideoID"]) == {"-fakeChaplin", "fakeSmpte", "fakeFailing"}
    assert list(df.columns) == list(schema.ORIGINAL_COLUMNS)


def test_trim_pieces_lie_inside_their_segment_and_tile_it(trimmed, fake_ave):
    df, _, _ = trimmed
    segments = _segments(fake_ave)
    segments = segments[segments["Duration"] > 0]
    assert len(segments) == 5
    for seg in segments.itertuples():
        mine = df[
            (df["VideoID"] == seg.VideoID)
            & (df["Category"] == seg.Category)
            & (df["StartTime"] >= seg.StartTime)
            & (df["EndTime"] <= seg.End + 1e-3)
        ]
        mine = mine.sort_values("StartTime")
        assert 1 <= len(mine) <= 3
        assert mine["StartTime"].iloc[0] == pytest.approx(seg.StartTime)
        assert mine["EndTime"].iloc[-1] == pytest.approx(seg.End, abs=1e-3)
        assert (mine["StartTime"].iloc[1:].to_numpy() == mine["EndTime"].iloc[:-1].to_numpy()).all()
        if seg.End - seg.StartTime < 2:
            assert len(mine) == 1
    assert len(df) == sum(
        len(
            df[
                (df["VideoID"] == s.VideoID)
                & (df["Category"] == s.Category)
                & (df["StartTime"] >= s.StartTime)
                & (df["EndTime"] <= s.End + 1e-3)
            ]
        )
        for s in segments.itertuples()
    )
    assert (df["EndTime"] - df["StartTime"] >= 1 - 1e-9).all()
    assert np.allclose(df["Duration"], df["EndTime"] - df["StartTime"], atol=1e-6)


def test_trim_labels_are_consistent(trimmed):
    df, _, _ = trimmed
    assert set(df["Label"]) <= {"aligned", "misaligned"}
    assert ((df["Label"] == "aligned") == (df["MisalignmentType"] == "none")).all()
    assert set(df["MisalignmentType"]) <= {"none", *anomalies.TYPES}
    shifted = df["MisalignmentType"] == "time_shift"
    assert (df.loc[~shifted, "ShiftMs"] == 0).all()
    assert (df.loc[shifted, "ShiftMs"] >= 100).all()
    assert (df.loc[shifted, "ShiftMs"] <= 800 * df.loc[shifted, "Duration"] + 0.5).all()
    assert set(df["Split"]) <= {"train", "test"}
    assert (df.groupby("VideoID")["Split"].nunique() == 1).all()


def _check_streams(df: pd.DataFrame, out) -> None:
    """Each type leaves its own trace: time_shift lengthens the audio by the delay, distort
    plays the video at 1/0.75 speed, mute removes the audio."""
    for row in df.itertuples():
        info = media.probe(out / row.FilePath)
        d = row.Duration
        video = 0.75 * d if row.MisalignmentType == "distort" else d
        assert info.video.duration == pytest.approx(video, abs=TOL_S), row
        if row.MisalignmentType == "mute":
            assert info.audio is None, row
            continue
        audio = d + row.ShiftMs / 1000
        assert info.audio.duration == pytest.approx(audio, abs=TOL_S), row


def test_trim_files_have_the_planned_streams_and_lengths(trimmed):
    df, out, _ = trimmed
    _check_streams(df, out)


def test_every_kind_through_the_whole_pipeline(fake_ave, tmp_path, monkeypatch):
    """The seeded run above need not draw every type, so force one piece of each."""
    kinds = [("none", {}), ("time_shift", {"ms": 400}), ("noise", {"seed": 1}), ("mute", {}), ("distort", {})]
    pieces = [ave.Piece(float(i), float(i + 1), kind, params) for i, (kind, params) in enumerate(kinds)]
    monkeypatch.setattr(ave, "plan_segment", lambda start, end, rng: pieces)
    annotations = ave.parse_annotations(fake_ave / "Annotations.txt").iloc[:1]
    df = ave.trim_segments(annotations, fake_ave, tmp_path, seed=0)
    assert list(df["MisalignmentType"]) == [k for k, _ in kinds]
    assert list(df["ShiftMs"]) == [0, 400, 0, 0, 0]
    assert list(df["Label"]) == ["aligned"] + ["misaligned"] * 4
    _check_streams(df, tmp_path)


def test_trim_writes_metadata_and_reports_progress(trimmed):
    df, out, calls = trimmed
    saved = pd.read_csv(out / schema.METADATA_FILE, keep_default_na=False)
    assert list(saved["FilePath"]) == list(df["FilePath"])
    assert list(saved["MisalignmentType"]) == list(df["MisalignmentType"])
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.mp4")) == sorted(df["FilePath"])
    total = 6  # rows whose video is present and whose segment is not empty
    assert calls == [(i, total) for i in range(total + 1)]


def test_load_table_reads_trimmed_samples_with_their_labels(trimmed):
    df, out, _ = trimmed
    table = ave.load_table(out)
    assert list(table["FilePath"]) == list(df["FilePath"])
    assert list(table["Label"]) == list(df["Label"])
    assert table["Playable"].all()


def test_trim_is_deterministic(trimmed, fake_ave, tmp_path):
    df, _, _ = trimmed
    again = ave.trim_segments(ave.parse_annotations(fake_ave / "Annotations.txt"), fake_ave, tmp_path, seed=11)
    pd.testing.assert_frame_equal(df, again)


def test_trim_limit_and_ave_split_column(fake_ave, tmp_path):
    annotations = ave.parse_annotations(fake_ave / "Annotations.txt")
    annotations["Split"] = "val"
    df = ave.trim_segments(annotations, fake_ave, tmp_path, seed=11, limit=1)
    assert set(df["VideoID"]) == {"-fakeChaplin"}
    assert set(df["Split"]) == {"val"}


def test_trim_user_errors(fake_ave, tmp_path):
    annotations = ave.parse_annotations(fake_ave / "Annotations.txt")
    with pytest.raises(AvcoreError, match="does not exist"):
        ave.trim_segments(annotations, tmp_path / "nowhere", tmp_path / "out")
    with pytest.raises(AvcoreError, match="EndTime"):
        ave.trim_segments(annotations.drop(columns=["EndTime"]), fake_ave, tmp_path / "out")
    with pytest.raises(AvcoreError, match="plain file name"):
        ave.trim_segments(annotations.assign(VideoID="../escape"), fake_ave, tmp_path / "out")
    with pytest.raises(AvcoreError, match="negative"):
        ave.trim_segments(annotations, fake_ave, tmp_path / "out", limit=-1)
