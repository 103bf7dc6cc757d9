"""The real-clip benchmark: every variant exists and really carries what its row says."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from conftest import real_clip
from test_anomalies import _best_lag_ms

from avcore.data import synth
from avcore.eval import realbench
from avcore.io import media


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    src = tmp_path_factory.mktemp("src")
    for name in ("chaplin.mp4", "short-480p-24fps.mp4", "no-audio-480p.mp4"):
        shutil.copy(real_clip(name), src / name)
    out = tmp_path_factory.mktemp("bench")
    return out, realbench.build(src, out, seed=1), src


def test_segments_and_variants(bench):
    _, meta, _ = bench
    assert set(meta["Category"]) == {"chaplin.mp4", "short-480p-24fps.mp4"}  # no-audio clip left out
    assert meta["Duration"].between(2, 6).all()
    per_segment = meta.groupby(["Category", "StartTime"])["Variant"].apply(set)
    for variants in per_segment:
        assert {
            "asis",
            "reencode",
            "mix",
            "recipe_time_shift",
            "recipe_noise",
            "recipe_mute",
            "recipe_distort",
        } <= variants
    long_segments = ((meta["Category"] == "chaplin.mp4") & (meta["Variant"] == "asis")).sum()
    assert long_segments >= 2
    assert (meta["Variant"].str.startswith("content")).sum() == 2 * long_segments  # the 2 s clip has no room


def test_variants_carry_their_damage(bench):
    out, meta, _ = bench
    rows = {r.Variant: r for r in meta[meta["Category"] == "chaplin.mp4"].head(9).itertuples()}
    base = media.probe(out / rows["asis"].FilePath)
    re = media.probe(out / rows["reencode"].FilePath)
    assert re.video.width < base.video.width and abs(re.video.fps - base.video.fps) > 5
    assert media.probe(out / rows["recipe_mute"].FilePath).audio is None
    warped = media.probe(out / rows["recipe_distort"].FilePath)
    assert warped.video.duration == pytest.approx(0.75 * base.video.duration, abs=0.15)
    delayed = media.probe(out / rows["recipe_time_shift"].FilePath)
    assert delayed.audio.duration == pytest.approx(
        base.audio.duration + rows["recipe_time_shift"].ShiftMs / 1000, abs=0.06
    )
    clean = media.read_audio(out / rows["asis"].FilePath)
    for variant in ("content+", "content-"):
        shifted = media.read_audio(out / rows[variant].FilePath)
        assert shifted.size == pytest.approx(clean.size, abs=800)
        assert np.abs(shifted[:1600]).max() > 1e-3  # no silent gap at the start
        # the shifted track must line up with the source at the stated offset
        full = media.read_audio(real_clip("chaplin.mp4"))
        start = int(rows[variant].StartTime * media.AUDIO_RATE)
        picture_audio = full[start : start + shifted.size]
        assert _best_lag_ms(picture_audio, shifted) == pytest.approx(rows[variant].ShiftMs, abs=25)


def test_rebuild_is_reused(bench):
    out, meta, src = bench
    stamp = (out / "recipe.txt").stat().st_mtime
    again = realbench.build(src, out)
    assert len(again) == len(meta) and (out / "recipe.txt").stat().st_mtime == stamp


def test_silent_segment_gets_no_variant_that_moves_or_mixes_sound(tmp_path):
    """A delay, a content shift or noise mixed at an SNR leaves digital silence silent: such a
    row would label an unchanged clip as damaged."""
    src = tmp_path / "src"
    src.mkdir()
    clip = synth.render(3, duration=5.2)  # long enough for content shifts
    media.write_clip(src / "silent.mp4", clip.frames, clip.fps, np.zeros_like(clip.audio))
    meta = realbench.build(src, tmp_path / "bench")
    assert set(meta["Variant"]) == {"asis", "reencode", "recipe_noise", "recipe_mute", "recipe_distort"}
