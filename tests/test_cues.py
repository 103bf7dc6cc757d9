"""Forensic cues: each kind of damage moves the cue that should betray it, and leaves a clean
clip's cues where a clean clip's belong."""

from __future__ import annotations

import numpy as np
import pytest

from avcore.damage import anomalies
from avcore.features import cues
from avcore.io import media
from avcore.sync import decode

SR = media.AUDIO_RATE


@pytest.fixture(scope="module")
def clean(click_clip) -> dict[str, float]:
    return cues.cues(decode.measure(click_clip)[0])


@pytest.fixture(scope="module")
def moving_clip(tmp_path_factory):
    """5 s of a bar sliding 1 px a frame at 25 fps (a constant change every frame), with the
    click track of nothing in particular: the picture's timing is what matters here."""
    n, fps = 125, 25
    frames = np.full((n, 120, 160), 40, np.uint8)
    for i in range(n):
        frames[i, 30:90, 10 + i : 30 + i] = 220
    audio = np.random.default_rng(0).normal(0, 0.05, n * SR // fps).astype(np.float32)
    return media.write_clip(tmp_path_factory.mktemp("cues") / "moving.mp4", frames, fps, audio)


def _cues_of(frames: np.ndarray, audio: np.ndarray | None, fps: float = 25.0) -> dict[str, float]:
    return cues.cues(media.Decoded(frames=frames, fps=fps, audio=audio, info=None, seconds=len(frames) / fps))


def test_keys_are_stable_and_numbers(clean, click_clip, tmp_path):
    muted = cues.cues(decode.measure(anomalies.mute(click_clip, tmp_path / "muted.mp4"))[0])
    assert tuple(clean) == tuple(muted) == cues.KEYS
    assert all(isinstance(v, float) and np.isfinite(v) for v in [*clean.values(), *muted.values()])


def test_clean_clip_looks_clean(clean):
    assert clean["audio_missing"] == 0.0
    assert abs(clean["av_duration_ratio"] - 1) < 0.05
    assert clean["fps_off_standard"] < 0.01
    assert clean["irregular_interval_ratio"] == 0.0
    assert clean["frame_interval_cv"] < 0.01


def test_mute_removes_the_audio_stream(click_clip, tmp_path):
    c = cues.cues(decode.measure(anomalies.mute(click_clip, tmp_path / "muted.mp4"))[0])
    assert c["audio_missing"] == 1.0
    assert c["audio_rms_dbfs"] == cues.FLOOR_DBFS and c["silence_ratio"] == 1.0


@pytest.mark.parametrize("ms", [700, 1200])
def test_delay_leaves_leading_silence_and_longer_audio(clean, click_clip, tmp_path, ms):
    c = cues.cues(decode.measure(anomalies.time_shift(click_clip, tmp_path / "late.mp4", ms))[0])
    assert c["leading_silence_s"] - clean["leading_silence_s"] == pytest.approx(ms / 1000, abs=0.06)
    assert c["av_duration_diff_s"] - clean["av_duration_diff_s"] == pytest.approx(ms / 1000, abs=0.06)
    assert c["av_duration_ratio"] < clean["av_duration_ratio"] - 0.1


def test_advance_shortens_the_audio(clean, click_clip, tmp_path):
    c = cues.cues(decode.measure(anomalies.time_shift(click_clip, tmp_path / "early.mp4", -500))[0])
    assert c["av_duration_diff_s"] - clean["av_duration_diff_s"] == pytest.approx(-0.5, abs=0.06)
    assert c["av_duration_ratio"] == pytest.approx(c["video_duration_s"] / c["audio_duration_s"], abs=1e-6)
    assert c["av_duration_ratio"] > clean["av_duration_ratio"] + 0.08


def test_noise_replacement_is_flat_and_steady(clean, click_clip, tmp_path):
    c = cues.cues(decode.measure(anomalies.noise(click_clip, tmp_path / "noise.mp4"))[0])
    assert c["spectral_flatness"] > 0.8
    assert c["spectral_flatness"] > clean["spectral_flatness"] + 0.2  # the clicks are noise bursts
    assert c["audio_level_std_db"] < 1.5 < clean["audio_level_std_db"]
    assert c["silence_ratio"] < 0.05 < clean["silence_ratio"]


def test_flatness_tells_noise_from_a_tone():
    t = np.arange(3 * SR) / SR
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    noise = anomalies.white_noise(t.size, np.random.default_rng(0))
    assert cues.spectral_flatness(*cues.block_spectra(noise)) > 0.85
    assert cues.spectral_flatness(*cues.block_spectra(tone)) < 0.05
    assert cues.spectral_flatness(*cues.block_spectra(np.zeros_like(tone))) == 0.0


def _room_with_knocks(rng: np.random.Generator, seconds: float = 4.0) -> np.ndarray:
    """A dark room tone (integrated white noise) under four low knocks: a natural floor."""
    n = int(seconds * SR)
    rumble = np.cumsum(rng.standard_normal(n))
    rumble = 0.01 * (rumble - np.convolve(rumble, np.ones(801) / 801, "same")) / 20
    t = np.arange(SR // 4) / SR
    knock = np.sin(2 * np.pi * 180 * t) * np.exp(-t / 0.05)
    for start in (0.5, 1.4, 2.2, 3.3):
        rumble[int(start * SR) : int(start * SR) + knock.size] += 0.5 * knock
    return rumble.astype(np.float32)


@pytest.mark.parametrize("snr_db", [0.0, 10.0])
def test_mixed_in_noise_brightens_and_flattens_the_floor_under_the_sound(snr_db):
    rng = np.random.default_rng(1)
    room = _room_with_knocks(rng)
    mixed = anomalies.mix_noise(room, snr_db, rng)
    clean_db, _ = cues.floor_hf(*cues.block_spectra(room))
    mixed_db, mixed_flatness = cues.floor_hf(*cues.block_spectra(mixed))
    assert clean_db < -40 and mixed_db > -15 and mixed_flatness > 0.9


def test_distort_shortens_the_video_and_warps_frame_times(moving_clip, tmp_path):
    before = cues.cues(decode.measure(moving_clip)[0])
    after = cues.cues(decode.measure(anomalies.distort(moving_clip, tmp_path / "warped.mp4"))[0])
    assert before["av_duration_ratio"] == pytest.approx(1.0, abs=0.03)
    assert after["av_duration_ratio"] == pytest.approx(0.75, abs=0.03)
    assert after["video_duration_s"] == pytest.approx(0.75 * before["video_duration_s"], abs=0.1)
    assert after["fps_off_standard"] > 0.05 > before["fps_off_standard"]
    assert after["irregular_interval_ratio"] > 0.2 and before["irregular_interval_ratio"] == 0.0
    assert after["frame_interval_cv"] > 0.02 > before["frame_interval_cv"]
    # decoded at 25 fps, a clip played 4/3 as fast loses every fourth frame
    assert after["frame_jump_ratio"] > 0.2 > 0.05 > before["frame_jump_ratio"]


def test_repeated_frames_amid_motion_are_found_and_a_still_scene_is_not():
    n = 90
    i = np.arange(n)
    x = (i - i // 3) % 50  # film-to-video style: the picture advances on two frames of three
    moving = np.full((n, 48, 64), 40, np.uint8)
    for k, pos in enumerate(x):
        moving[k, 10:40, pos : pos + 10] = 220
    steady = np.full((n, 48, 64), 40, np.uint8)
    for i in range(n):
        steady[i, 10:40, i % 50 : i % 50 + 10] = 220
    audio = np.zeros(n * SR // 25, np.float32)
    assert _cues_of(moving, audio)["duplicate_frame_ratio"] > 0.3
    assert _cues_of(steady, audio)["duplicate_frame_ratio"] == 0.0
    assert _cues_of(np.repeat(steady[:1], n, axis=0), audio)["duplicate_frame_ratio"] == 0.0


def test_loudness_follows_the_gain():
    rng = np.random.default_rng(1)
    audio = (0.3 * np.sin(2 * np.pi * 220 * np.arange(2 * SR) / SR) * rng.uniform(0.5, 1, 2 * SR)).astype(np.float32)
    frames = np.zeros((50, 48, 64), np.uint8)
    loud, quiet = _cues_of(frames, audio), _cues_of(frames, audio * 0.1)
    assert loud["audio_rms_dbfs"] - quiet["audio_rms_dbfs"] == pytest.approx(20, abs=0.2)
    assert loud["audio_peak_dbfs"] - quiet["audio_peak_dbfs"] == pytest.approx(20, abs=0.2)
    assert loud["audio_active_rms_dbfs"] - quiet["audio_active_rms_dbfs"] == pytest.approx(20, abs=0.2)


def test_array_shift_moves_the_leading_silence(click_clip):
    d = decode.measure(click_clip)[0]
    base = _cues_of(d.frames, d.audio)
    late = _cues_of(d.frames, anomalies.shift_audio(d.audio, SR, 500))
    early = _cues_of(d.frames, anomalies.shift_audio(d.audio, SR, -200))
    # to the sample: a loudness frame's start was up to 40 ms off
    assert late["leading_silence_s"] - base["leading_silence_s"] == pytest.approx(0.5, abs=0.005)
    assert base["leading_silence_s"] - early["leading_silence_s"] == pytest.approx(0.2, abs=0.005)
    assert late["trailing_silence_s"] >= 0.0
