"""Each anomaly is checked by its measured effect on the output, not by a file existing."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import real_clip

from avcore import AvcoreError
from avcore.damage import anomalies
from avcore.io import media


def _best_lag_ms(ref: np.ndarray, shifted: np.ndarray, max_ms: float = 1500) -> float:
    """Lag (ms) at which `shifted` matches `ref` best; positive = shifted is late."""
    sr = media.AUDIO_RATE
    n = min(ref.size, shifted.size)
    a, b = ref[:n] - ref[:n].mean(), shifted[:n] - shifted[:n].mean()
    spec = np.fft.irfft(np.fft.rfft(b, 2 * n) * np.conj(np.fft.rfft(a, 2 * n)))
    max_lag = int(max_ms * sr / 1000)
    lags = np.r_[np.arange(0, max_lag), np.arange(-max_lag, 0)]
    corr = np.r_[spec[:max_lag], spec[-max_lag:]]
    return lags[np.argmax(corr)] * 1000 / sr


@pytest.mark.parametrize("ms", [250, -400, 900])
def test_time_shift_file_correlates_at_requested_lag(tmp_path, ms):
    src = real_clip("chaplin.mp4")
    out = anomalies.time_shift(src, tmp_path / "shifted.mp4", ms)
    ref, shifted = media.read_audio(src), media.read_audio(out)
    assert _best_lag_ms(ref, shifted) == pytest.approx(ms, abs=3)
    info = media.probe(out)
    assert info.video.duration == pytest.approx(media.probe(src).video.duration, abs=0.05)


@pytest.mark.parametrize("ms", [120, -330])
def test_shift_audio_array(ms):
    rng = np.random.default_rng(1)
    audio = rng.standard_normal(32000).astype(np.float32)
    shifted = anomalies.shift_audio(audio, media.AUDIO_RATE, ms)
    assert shifted.size == audio.size
    assert _best_lag_ms(audio, shifted) == pytest.approx(ms, abs=1)


def _flatness(audio: np.ndarray) -> float:
    spec = np.abs(np.fft.rfft(audio[: 1 << 15])) ** 2 + 1e-12
    bands = spec[: len(spec) // 64 * 64].reshape(64, -1).mean(axis=1)[1:-4]  # skip DC and the AAC lowpass
    return float(np.exp(np.mean(np.log(bands))) / np.mean(bands))


def test_noise_replacement_is_spectrally_flat(tmp_path):
    src = real_clip("chaplin.mp4")
    out = anomalies.noise(src, tmp_path / "noise.mp4")
    noisy, clean = media.read_audio(out), media.read_audio(src)
    assert _flatness(noisy) > 0.9
    assert _flatness(clean) < 0.5
    assert abs(np.corrcoef(noisy[:16000], clean[:16000])[0, 1]) < 0.1


def test_noise_mix_hits_requested_snr():
    rng = np.random.default_rng(0)
    t = np.arange(48000) / 16000
    audio = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    for snr in (0.0, 10.0):
        noise = anomalies.mix_noise(audio, snr, rng) - audio
        measured = 10 * np.log10(np.mean(audio**2) / np.mean(noise**2))
        assert measured == pytest.approx(snr, abs=0.2)


def test_noise_mix_file(tmp_path):
    src = real_clip("smpte-countdown.mp4")
    out = anomalies.noise(src, tmp_path / "mix.mp4", snr_db=0)
    noisy, clean = media.read_audio(out), media.read_audio(src)
    n = min(noisy.size, clean.size)
    residual = noisy[:n] - clean[:n]
    assert 10 * np.log10(np.mean(clean[:n] ** 2) / np.mean(residual**2)) == pytest.approx(0, abs=1.5)


def test_mute_has_no_audio_stream(tmp_path):
    out = anomalies.mute(real_clip("chaplin.mp4"), tmp_path / "mute.mp4")
    info = media.probe(out)
    assert info.audio is None and info.video is not None


@pytest.mark.parametrize("strength", [1.0, 0.5])
def test_distort_moves_frame_times_as_formula(tmp_path, strength):
    src = real_clip("chaplin.mp4")
    out = anomalies.distort(src, tmp_path / "warp.mp4", strength=strength)
    before, after = media.probe(src).video.frame_times, media.probe(out).video.frame_times
    assert after.size == before.size
    assert np.abs(after - anomalies.distort_times(before, strength)).max() < 2e-3
    assert media.probe(out).audio.duration == pytest.approx(media.probe(src).audio.duration, abs=0.05)


def test_distort_formula_is_the_original():
    t = np.arange(100) / 25
    n = np.arange(100)
    assert np.allclose(anomalies.distort_times(t), 0.75 * t + np.sin(n * 0.05) * 0.05)


@pytest.mark.parametrize("kind,params", [("time_shift", {"ms": 100}), ("noise", {}), ("mute", {}), ("distort", {})])
def test_outputs_play_in_browsers(tmp_path, kind, params):
    from avcore.io import ffmpeg

    out = anomalies.apply(real_clip("short-480p-24fps.mp4"), tmp_path / "out.mp4", kind, **params)
    banner = ffmpeg.run(["-i", str(out)], check=False).stderr.decode()
    assert "h264" in banner and "yuv420p" in banner
    assert ("aac" in banner) == (kind != "mute")


def test_user_errors(tmp_path):
    with pytest.raises(AvcoreError, match="no audio"):
        anomalies.time_shift(real_clip("no-audio-480p.mp4"), tmp_path / "x.mp4", 300)
    with pytest.raises(AvcoreError, match="Unknown anomaly"):
        anomalies.apply(real_clip("chaplin.mp4"), tmp_path / "x.mp4", "reverse")
    with pytest.raises(AvcoreError):
        anomalies.distort(real_clip("chaplin.mp4"), tmp_path / "x.mp4", strength=5)
    assert not (tmp_path / "x.mp4").exists()


def test_damaged_pair_cuts_shrinks_then_damages(tmp_path, click_clip):
    original, altered = anomalies.damaged_pair(click_clip, tmp_path, "mute", seconds=1.5, max_height=64)
    cut, muted, src = media.probe(original), media.probe(altered), media.probe(click_clip)
    assert cut.video.height <= 64 < src.video.height
    assert cut.duration == pytest.approx(min(1.5, src.duration), abs=0.1)
    assert cut.has_audio and not muted.has_audio
    assert muted.video.duration == pytest.approx(cut.video.duration, abs=0.05)
