"""The synthetic generator: shapes, determinism, irregular events, and sound caused by picture.

Onsets and motion are measured here with plain numpy, independently of avcore.features.seed_features, so a
bug in the features cannot hide a bug in the generator (or the other way round).
"""

from __future__ import annotations

import numpy as np
import pytest

from avcore.data import synth
from avcore.io.media import AUDIO_RATE

HOP = 160  # 10 ms


def onset_envelope(audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rise in log energy over 20 ms, with a floor 30 dB under the loudest 10 ms so that
    background hiss cannot fake an onset; returns (times, strength)."""
    energy = np.mean(audio[: audio.size // HOP * HOP].reshape(-1, HOP).astype(np.float64) ** 2, axis=1)
    level = np.log(energy + energy.max() * 1e-3)
    rise = np.zeros_like(level)
    rise[2:] = level[2:] - level[:-2]
    return np.arange(level.size) * HOP / AUDIO_RATE, np.maximum(rise, 0)


def motion_energy(frames: np.ndarray) -> np.ndarray:
    """Share of pixels whose grey level changes by more than sensor noise, between frames k, k+1."""
    grey = frames.astype(np.int16).sum(axis=3) // 3
    return (np.abs(np.diff(grey, axis=0)) > 20).mean(axis=(1, 2))


def best_lag(clip: synth.SynthClip, max_lag: float = 0.6) -> float:
    """The audio delay (s) that best lines the onset envelope up with the visible events."""
    times, strength = onset_envelope(clip.audio)
    lags = np.arange(-max_lag, max_lag + 1e-9, HOP / AUDIO_RATE)
    idx = np.round((clip.events[None, :] + lags[:, None]) * AUDIO_RATE / HOP).astype(int)
    score = np.where((idx >= 0) & (idx < strength.size), strength[np.clip(idx, 0, strength.size - 1)], 0)
    return float(lags[np.argmax(score.sum(axis=1))])


def test_same_seed_same_clip_and_different_seed_different_clip():
    a, b, c = synth.render(7), synth.render(7), synth.render(8)
    assert a.frames.tobytes() == b.frames.tobytes()
    assert a.audio.tobytes() == b.audio.tobytes()
    assert np.array_equal(a.events, b.events) and a.kind == b.kind and a.duration == b.duration
    assert a.frames.shape != c.frames.shape or a.frames.tobytes() != c.frames.tobytes()
    assert a.audio.size != c.audio.size or a.audio.tobytes() != c.audio.tobytes()


def test_naming_the_drawn_kind_changes_nothing():
    drawn = synth.render(11)
    named = synth.render(11, kind=drawn.kind)
    assert named.frames.tobytes() == drawn.frames.tobytes() and named.audio.tobytes() == drawn.audio.tobytes()


@pytest.mark.parametrize("kind", synth.KINDS)
def test_every_kind_renders_the_promised_shapes(kind):
    for seed in range(3):
        clip = synth.render(seed, kind=kind)
        n = clip.frames.shape[0]
        assert clip.kind == kind and clip.fps == 25.0
        assert 2.0 - 0.02 <= clip.duration <= 6.0 + 0.02
        assert clip.frames.dtype == np.uint8 and clip.frames.shape == (n, 120, 160, 3)
        assert n == round(clip.duration * clip.fps)
        assert clip.audio.dtype == np.float32 and clip.audio.size == round(clip.duration * AUDIO_RATE)
        assert 0.3 <= np.abs(clip.audio).max() <= 1.0
        assert np.all(np.diff(clip.events) > 0) and clip.events.min() >= 0 and clip.events.max() < clip.duration
        assert clip.frames.std() > 5  # not a blank picture


def test_size_fps_and_duration_are_honoured():
    clip = synth.render(3, kind="drum", duration=2.5, size=(192, 144), fps=30.0)
    assert clip.frames.shape == (75, 144, 192, 3) and clip.audio.size == 40_000 and clip.fps == 30.0


def test_seeds_spread_over_kinds_and_durations():
    clips = [synth.render(seed) for seed in range(40)]
    assert {c.kind for c in clips} == set(synth.KINDS)
    durations = np.array([c.duration for c in clips])
    assert durations.min() < 3.0 and durations.max() > 5.0


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        synth.render(0, kind="violin")
    with pytest.raises(ValueError):
        synth.render(0, audio_offset_s=synth.MAX_OFFSET_S + 1)


@pytest.mark.parametrize("kind", synth.KINDS)
def test_events_are_irregular(kind):
    for seed in range(4):
        gaps = np.diff(synth.render(seed, kind=kind, duration=6.0).events)
        assert gaps.size >= 4
        assert gaps.std() > 0.05 and gaps.std() / gaps.mean() > 0.1


@pytest.mark.parametrize("kind", synth.KINDS)
def test_sound_onsets_fall_on_visible_events(kind):
    for seed in range(4):
        clip = synth.render(seed, kind=kind)
        times, strength = onset_envelope(clip.audio)
        inner = clip.events[(clip.events > 0.1) & (clip.events < clip.duration - 0.1)]
        assert inner.size
        for event in inner:
            near = np.abs(times - event) <= 0.1
            peak = times[near][np.argmax(strength[near])]
            assert np.min(np.abs(clip.events - peak)) <= 0.04, (seed, event, peak)
        assert abs(best_lag(clip)) <= 0.03


@pytest.mark.parametrize("kind", synth.KINDS)
def test_motion_is_stronger_near_events(kind):
    near, far = [], []
    for seed in range(6):
        clip = synth.render(seed, kind=kind)
        motion = motion_energy(clip.frames)
        mid = (np.arange(motion.size) + 0.5) / clip.fps
        gap = np.min(np.abs(mid[:, None] - clip.events[None, :]), axis=1)
        near.append(motion[gap <= 0.1])
        far.append(motion[gap > 0.2])
    assert np.concatenate(near).mean() > 1.6 * np.concatenate(far).mean()


@pytest.mark.parametrize("kind", synth.KINDS)
@pytest.mark.parametrize("offset", [0.4, -0.3])
def test_audio_offset_moves_only_the_timing_of_sounds(kind, offset):
    base = synth.render(5, kind=kind, duration=4.0)
    moved = synth.render(5, kind=kind, duration=4.0, audio_offset_s=offset)
    assert moved.frames.tobytes() == base.frames.tobytes() and np.array_equal(moved.events, base.events)
    assert moved.audio.size == base.audio.size
    n = int(round(abs(offset) * AUDIO_RATE))
    if offset > 0:
        np.testing.assert_allclose(moved.audio[n:], base.audio[:-n], atol=1e-5)
    else:
        np.testing.assert_allclose(moved.audio[:-n], base.audio[n:], atol=1e-5)
    # no silence where an adelay-style shift would leave a gap
    gap = moved.audio[:n] if offset > 0 else moved.audio[-n:]
    rms = np.sqrt(np.mean(gap[: gap.size // HOP * HOP].reshape(-1, HOP) ** 2, axis=1))
    assert rms.min() > 1e-4
    assert abs(best_lag(moved) - offset) <= 0.03
