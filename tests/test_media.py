"""Probing, decoding and writing: every real clip, the edge cases, and input a user can break."""

from __future__ import annotations

import os

import numpy as np
import pytest
from conftest import MEDIA, real_clip

from avcore import AvcoreError
from avcore.io import ffmpeg, media

NO_AUDIO = {"no-audio-480p.mp4", "no-audio-1x1.mp4"}
CLIPS = sorted(p.name for p in MEDIA.glob("*") if p.suffix in (".mp4", ".webm")) if MEDIA.is_dir() else []


@pytest.mark.parametrize("name", CLIPS)
def test_every_real_clip_decodes(name):
    path = real_clip(name)
    clip = media.decode(path, 25, (64, 48))
    info = clip.info
    alone = media.probe(path)  # decode lists the packets in its video pass; the answer is the same
    assert (info.duration, info.video.fps, info.audio) == (alone.duration, alone.video.fps, alone.audio)
    assert np.array_equal(info.video.frame_times, alone.video.frame_times)
    assert clip.frames.shape[1:] == (48, 64) and clip.frames.dtype == np.uint8
    assert abs(len(clip.frames) / 25 - min(info.video.duration, clip.seconds)) < 0.1
    if name in NO_AUDIO:
        assert clip.audio is None and not info.has_audio
    else:
        assert clip.audio.dtype == np.float32
        assert abs(clip.audio.size / media.AUDIO_RATE - info.audio.duration) < 0.1
        assert np.abs(clip.audio).max() > 0.01


def test_probe_reads_streams():
    info = media.probe(real_clip("chaplin.mp4"))
    assert (info.video.codec, info.video.width, info.video.height) == ("h264", 640, 360)
    assert info.video.fps == pytest.approx(25, abs=0.01)
    assert info.audio.codec == "mp3" and info.audio.sample_rate == 44100 and info.audio.channels == 2
    assert info.duration == pytest.approx(9.64, abs=0.05)


def test_variable_frame_rate_clip():
    info = media.probe(real_clip("fire.mp4"))
    gaps = np.diff(info.video.frame_times)
    assert gaps.std() > 0.002  # really variable
    assert info.video.fps == pytest.approx(
        len(gaps) / (info.video.frame_times[-1] - info.video.frame_times[0]), rel=0.1
    )
    clip = media.decode(real_clip("fire.mp4"), 25, (32, 32))
    assert abs(len(clip.frames) - 25 * info.video.duration) <= 2


def test_analysis_decode_without_deblocking_sees_the_same_motion():
    """Skipping the loop filter changes pixels of a 64x48 frame by about a grey level and
    leaves the motion the sync curves are made of as it was."""
    path = real_clip("chaplin.mp4")
    shown, analysed = (media.decode(path, 25, (64, 48), deblock=d).frames.astype(np.float32) for d in (True, False))
    assert 0.1 < np.abs(shown - analysed).mean() < 2.0
    motion = [np.abs(np.diff(f, axis=0)).mean(axis=(1, 2)) for f in (shown, analysed)]
    assert np.corrcoef(*motion)[0, 1] > 0.99


def test_webm_and_color_decode():
    clip = media.decode(real_clip("bunny-1s.webm"), 10, (33, 21), color=True)
    assert clip.frames.shape[1:] == (21, 33, 3)


def test_frames_are_handed_over_while_decoding():
    """Every frame reaches `on_frames`, in order and whole, though the pipe (64 kB) splits
    them."""
    runs = []
    clip = media.decode(real_clip("chaplin.mp4"), 25, (33, 21), color=True, on_frames=runs.append)
    assert len(runs) > 1 and all(r.shape[1:] == (21, 33, 3) for r in runs)
    assert np.array_equal(np.concatenate(runs), clip.frames)


def test_a_failing_frame_consumer_stops_the_decode():
    def fail(frames):
        raise ValueError("consumer broke")

    with pytest.raises(ValueError, match="consumer broke"):
        media.decode(real_clip("chaplin.mp4"), 25, (64, 48), on_frames=fail)


def test_long_clip_is_cut_and_says_so():
    path = real_clip("chaplin.mp4")
    clip = media.decode(path, 10, (32, 32), max_seconds=3)
    assert len(clip.frames) == 30
    assert clip.audio.size == pytest.approx(3 * media.AUDIO_RATE, abs=400)
    assert any("first 3 s" in n for n in clip.notes)


@pytest.mark.parametrize("channels,rate", [(1, 8000), (2, 44100), (6, 48000)])
def test_any_channel_layout_and_rate(tmp_path, channels, rate):
    """Mono, stereo and 5.1 at any rate come back as 16 kHz mono of the right length."""
    dst = tmp_path / "multi.mkv"
    ffmpeg.run(
        [
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=97x55:rate=30:duration=2",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:sample_rate={rate}:duration=2",
            "-filter_complex",
            f"[1:a]pan={'mono' if channels == 1 else 'stereo' if channels == 2 else '5.1'}|"
            + "|".join(f"c{i}=c0" for i in range(channels))
            + "[a]",
            "-map",
            "0:v",
            "-map",
            "[a]",
            "-c:v",
            "libx264",
            "-c:a",
            "aac",
            str(dst),
        ]
    )
    info = media.probe(dst)
    assert info.audio.channels == channels and info.audio.sample_rate == rate
    clip = media.decode(dst, 25, (32, 32))
    assert clip.audio.size == pytest.approx(2 * media.AUDIO_RATE, abs=1600)
    spectrum = np.abs(np.fft.rfft(clip.audio))
    assert np.argmax(spectrum) * media.AUDIO_RATE / clip.audio.size == pytest.approx(440, abs=5)


@pytest.mark.parametrize(
    "ext,vcodec,acodec", [(".mov", "libx264", "aac"), (".avi", "mpeg4", "libmp3lame"), (".webm", "libvpx", "libvorbis")]
)
def test_containers(tmp_path, ext, vcodec, acodec):
    dst = tmp_path / f"c{ext}"
    ffmpeg.run(
        [
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=161x121:rate=25:duration=1.5",
            "-f",
            "lavfi",
            "-i",
            "sine=duration=1.5",
            "-c:v",
            vcodec,
            "-c:a",
            acodec,
            str(dst),
        ]
    )
    clip = media.decode(dst, 25, (40, 30))
    assert len(clip.frames) == pytest.approx(37, abs=2) and clip.audio is not None


def test_write_clip_is_browser_playable(tmp_path):
    frames = (np.random.default_rng(0).random((20, 45, 61, 3)) * 255).astype(np.uint8)
    audio = np.sin(np.arange(16000) / 16000 * 2 * np.pi * 300).astype(np.float32) * 0.3
    out = media.write_clip(tmp_path / "out.mp4", frames, 25, audio)
    banner = ffmpeg.run(["-i", str(out)], check=False).stderr.decode()
    assert "h264" in banner and "yuv420p" in banner and "aac" in banner
    info = media.probe(out)
    assert info.video.width % 2 == 0 and info.video.height % 2 == 0
    with open(out, "rb") as f:
        head = f.read(4096)
    assert head.find(b"moov") != -1 and head.find(b"moov") < max(head.find(b"mdat"), 4096)  # +faststart
    assert sorted(os.listdir(tmp_path)) == ["out.mp4"]


def test_text_file_named_mp4(tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_text("this is not a video\n" * 20)
    with pytest.raises(AvcoreError, match="not a media file"):
        media.decode(bad, 25, (32, 32))


def test_zero_byte_file(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.touch()
    with pytest.raises(AvcoreError, match="empty"):
        media.probe(empty)


def test_truncated_file(tmp_path):
    data = real_clip("chaplin.mp4").read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.3)])
    with pytest.raises(AvcoreError, match="truncated"):
        media.decode(cut, 25, (32, 32))


def test_truncated_streamable_file(tmp_path):
    """A container that can be read from its start (MKV) decodes partly: still an error."""
    src = tmp_path / "full.mkv"
    ffmpeg.run(["-v", "error", "-i", str(real_clip("chaplin.mp4")), "-c", "copy", str(src)])
    data = src.read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(AvcoreError, match="truncated"):
        media.decode(cut, 25, (32, 32))


def test_audio_only_file(tmp_path):
    audio_only = tmp_path / "sound.m4a"
    ffmpeg.run(["-v", "error", "-i", str(real_clip("chaplin.mp4")), "-vn", "-c:a", "aac", str(audio_only)])
    with pytest.raises(AvcoreError, match="no video stream"):
        media.decode(audio_only, 25, (32, 32))


def test_truncated_audio_only_file_says_truncated(tmp_path):
    """The video pass cannot start on it, so no packet listing comes back with the frames; the
    probe's verdict must still be the one a user sees, as for any other file."""
    full = tmp_path / "sound.m4a"
    ffmpeg.run(
        [
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=20",
            "-c:a",
            "aac",
            "-movflags",
            "+faststart",
            str(full),
        ]
    )
    cut = tmp_path / "cut.m4a"
    cut.write_bytes(full.read_bytes()[: int(full.stat().st_size * 0.55)])
    with pytest.raises(AvcoreError, match="truncated"):
        media.decode(cut, 25, (32, 32))


def test_missing_file():
    with pytest.raises(AvcoreError, match="No file"):
        media.probe("/nonexistent/clip.mp4")


def test_hung_ffmpeg_times_out(monkeypatch, tmp_path):
    """A subprocess that never ends is stopped and reported, not waited on forever."""
    sleeper = tmp_path / "ffmpeg"
    sleeper.write_text("#!/bin/sh\nexec sleep 30\n")  # exec: no child left holding the pipe
    sleeper.chmod(0o755)
    monkeypatch.setattr(ffmpeg, "exe", lambda: str(sleeper))
    with pytest.raises(AvcoreError, match="longer than"):
        ffmpeg.run(["-i", "x"], timeout=0.5)


def test_failed_write_leaves_nothing(tmp_path):
    with pytest.raises(AvcoreError):
        media.encode(tmp_path / "out.mp4", [["-i", str(tmp_path / "missing.mp4")]])
    assert not (tmp_path / "out.mp4").exists()
