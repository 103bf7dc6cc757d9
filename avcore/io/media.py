"""Probe, decode and write video with the imageio-ffmpeg binary.

ffmpeg does the frame-rate change, scaling and grey conversion, so full-resolution frames never
reach Python: a 60 s 1080p upload costs a few MB of small grey frames, not gigabytes. The binary
ships without ffprobe, so `probe` reads ffmpeg's own stream banner and the exact per-stream
durations and frame timestamps from one stream-copy pass (no decoding).

Conventions of this module: time and durations in seconds (from the file's start), sample and
frame rates in Hz, frame sizes as (width, height); frames are uint8 arrays (N, H, W) grey or
(N, H, W, 3) RGB, audio float32 mono in [-1, 1] at AUDIO_RATE Hz.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from avcore.errors import AvcoreError
from avcore.io import ffmpeg

AUDIO_RATE = 16_000
DEFAULT_MAX_SECONDS = 60.0
# containers that hold what `encode` writes (H.264 and AAC); WebM, GIF or WAV cannot
OUTPUT_TYPES = (".mp4", ".mov", ".mkv")

_NOT_MEDIA = "This file could not be read as a video. It is not a media file, or it is empty, truncated or corrupt."


@dataclass(frozen=True)
class VideoStream:
    """The first picture stream: `duration` (s) and `fps` (Hz) from its packets' times,
    `frame_times` (s) from its first frame, (`width`, `height`) in pixels."""

    codec: str
    width: int
    height: int
    duration: float
    fps: float
    frame_times: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class AudioStream:
    """The first audio stream as stored: `sample_rate` in Hz (0 if the banner gave none),
    `duration` in seconds from its packets' times."""

    codec: str
    sample_rate: int
    channels: int
    duration: float


@dataclass(frozen=True)
class MediaInfo:
    """What `probe` found: the streams, and `duration`, the longer stream's (s), or the
    container's when it has neither."""

    path: str
    duration: float
    video: VideoStream | None
    audio: AudioStream | None

    @property
    def has_audio(self) -> bool:
        """Whether the file has an audio stream with packets (a muted clip has none)."""
        return self.audio is not None


@dataclass(frozen=True)
class Decoded:
    """Frames at `fps` Hz (grey or RGB, as `decode` was asked), 16 kHz mono audio (None: no
    audio stream) and the probe of (at most) the first `seconds` of a clip; `notes` are what a
    person should be told about the decode."""

    frames: np.ndarray
    fps: float
    audio: np.ndarray | None
    info: MediaInfo
    seconds: float
    notes: tuple[str, ...] = ()

    @property
    def sr(self) -> int:
        """The audio's sample rate in Hz: always AUDIO_RATE, ffmpeg resamples to it."""
        return AUDIO_RATE


_STREAM_RE = re.compile(r"^\s*Stream #0:(\d+)[^:]*: (Video|Audio): (.*)$")
_DURATION_RE = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_OUTPUT_RE = re.compile(r"^(?:Stream mapping:|Output #0)", re.M)


# a stream copy of the first picture and first audio stream into a listing of every packet's
# time and duration: exact stream durations and frame times without decoding anything
_PACKET_LISTING = ["-map", "0:V:0?", "-map", "0:a:0?", "-c", "copy", "-f", "framecrc"]


def probe(path: str | os.PathLike, *, timeout: float = 60.0) -> MediaInfo:
    """Which streams a file has, with codecs, sizes, rates, durations and video frame times.

    One stream copy (no decoding) of the first picture stream and the first audio stream gives
    exact packet times, and its stderr carries ffmpeg's stream banner, so a single process
    answers both. A file with no video stream is not refused here but by `decode` (or
    `require_video`), since a caller may still want to know what the file holds.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    timeout : float
        Seconds before ffmpeg is stopped.

    Returns
    -------
    MediaInfo
        Durations in seconds, `video.frame_times` in seconds from the first frame.

    Raises
    ------
    AvcoreError
        For anything that is not readable media: no file, an empty, corrupt or truncated one,
        a still image.
    """
    path = _existing(path)
    args = ["-nostats", "-i", path, *_PACKET_LISTING, "pipe:1"]
    proc = ffmpeg.run(args, check=False, timeout=timeout, what="Reading the file")
    return _media_info(path, proc.stderr, proc.stdout, listing_output=0)


def _media_info(path: str, stderr: bytes, listing: bytes, listing_output: int) -> MediaInfo:
    """The probe's answer from ffmpeg's banner and the packet listing written as output
    number `listing_output` of the same run."""
    text = stderr.decode("utf-8", "replace")
    if "Input #0" not in text:
        raise AvcoreError(_NOT_MEDIA)
    banner = _OUTPUT_RE.split(text, maxsplit=1)[0]
    streams = _parse_banner(banner)
    mapped = re.findall(rf"^\s*Stream #0:(\d+) -> #{listing_output}:\d+", text, re.M)
    times = _packet_times(listing, [int(i) for i in mapped])
    m = _DURATION_RE.search(banner)
    container = (int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3])) if m else 0.0
    video_idx = next((i for i, (kind, _) in streams.items() if kind == "Video"), None)
    audio_idx = next((i for i, (kind, _) in streams.items() if kind == "Audio"), None)
    no_packets = (np.zeros(0), np.zeros(0))
    video = None if video_idx is None else _video_stream(streams[video_idx][1], *times.get(video_idx, no_packets))
    audio = None if audio_idx is None else _audio_stream(streams[audio_idx][1], *times.get(audio_idx, no_packets))
    durations = [s.duration for s in (video, audio) if s is not None]
    _require_whole_file(container, durations)
    return MediaInfo(path=path, duration=max(durations or [container]), video=video, audio=audio)


def _video_stream(desc: str, starts: np.ndarray, ends: np.ndarray) -> VideoStream:
    """The picture stream of banner line `desc` with its packets' start and end times (s); a
    stream of no packets is no media, one of a single frame is a still image."""
    if starts.size == 0:
        raise AvcoreError(_NOT_MEDIA)
    if starts.size == 1:  # a PNG or JPEG (whatever its name), or a one-frame video
        raise AvcoreError(
            f"This file is a still image ({_codec(desc)}, one frame), not a video: it has no motion to match sound to."
        )
    duration = float(ends.max() - starts.min())
    width, height = _frame_size(desc)
    fps = (starts.size / duration) if duration > 0 else _header_fps(desc)
    return VideoStream(
        codec=_codec(desc),
        width=width,
        height=height,
        duration=duration,
        fps=float(fps),
        frame_times=starts - starts.min(),
    )


def _audio_stream(desc: str, starts: np.ndarray, ends: np.ndarray) -> AudioStream | None:
    """The sound stream of banner line `desc` with its packets' times (s); None without packets."""
    if not starts.size:
        return None
    return AudioStream(
        codec=_codec(desc),
        sample_rate=_int_before(desc, " Hz") or 0,
        channels=_channels(desc),
        duration=float(ends.max() - starts.min()),
    )


def _require_whole_file(container: float, durations: list[float]) -> None:
    """Refuse a file whose streams hold far less than the container declares."""
    if durations and container > 0 and max(durations) < 0.9 * container - 0.5:
        raise AvcoreError(
            f"The file declares {container:.1f} s but holds only {max(durations):.1f} s of data: "
            "it looks truncated (an interrupted download or copy?)."
        )


def decode(
    path: str | os.PathLike,
    fps: float,
    size: tuple[int, int] | None,
    *,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    color: bool = False,
    info: MediaInfo | None = None,
    timeout: float = 120.0,
    on_frames: Callable[[np.ndarray], None] | None = None,
    deblock: bool = True,
    keep_frames: bool = True,
) -> Decoded:
    """Frames at `fps` and `size`, grey unless `color`, and 16 kHz mono audio, of the first
    `max_seconds` of a clip.

    Without `info`, the probe rides along in the video pass as a second output, so one ffmpeg
    process and one read of the file serve both (a process start alone costs 0.02 s of CPU),
    while the audio pass runs beside it; the probe's verdict (not media, truncated, no video)
    is still the error a caller sees first. A missing audio stream is not an error: it is the
    "mute" anomaly.

    Parameters
    ----------
    path : str or os.PathLike
        The clip.
    fps : float
        Frame rate of the frames returned, in Hz (ffmpeg's fps filter, from t=0).
    size : (width, height) or None
        Frame size in pixels; None keeps the clip's own, which needs the probe first.
    max_seconds : float
        Only this much of the clip is decoded; `notes` says when the clip is longer.
    color : bool
        RGB frames instead of grey.
    info : MediaInfo or None
        The clip's `probe`, when the caller has it already.
    timeout : float
        Seconds before each ffmpeg pass is stopped.
    on_frames : callable or None
        Handed the frames in order, a run of whole frames at a time, as ffmpeg writes them, so
        work on them runs while ffmpeg is still decoding. It sees every frame even of a file
        that ends up rejected as truncated.
    deblock : bool
        False skips the decoder's loop filter, a tenth of an H.264 decode. Small errors then
        build up until the next keyframe (on the real clips a 64x48 frame moved by 0.2-1.2 grey
        levels, its motion curve kept r >= 0.994 to the filtered one): analysis can live with
        that (avcore.sync.decode.measure), pictures shown to people keep the filter.
    keep_frames : bool
        With `on_frames`, False hands the frames only to it and `frames` comes back empty
        (0, H, W[, 3]): a minute of colour frames would be hundreds of MB.

    Returns
    -------
    Decoded
        `audio` None when the clip has no (decodable) audio stream.

    Raises
    ------
    AvcoreError
        Not media, no video stream, or a video that decodes well short of its duration.
    """
    path = _existing(path)
    if info is None and size is None:
        info = probe(path, timeout=timeout)
    if info is not None:
        require_video(info)
    width, height = size or (info.video.width, info.video.height)
    pix_fmt, channels = ("rgb24", 3) if color else ("gray", 1)
    shape = (height, width, 3) if color else (height, width)
    frame_bytes = width * height * channels
    video_args = _video_args(path, fps, (width, height), pix_fmt, max_seconds, deblock)
    handed = _WholeFrames(frame_bytes, shape, on_frames) if on_frames else None
    keep = keep_frames or handed is None
    video_proc, info, audio, audio_ok = _decode_passes(path, video_args, info, max_seconds, timeout, handed, keep)
    seconds = min(info.duration, max_seconds)
    n = len(video_proc.stdout) // frame_bytes if keep else handed.frames
    _require_whole_video(n, fps, min(info.video.duration, seconds))
    frames = np.frombuffer(video_proc.stdout[: n * frame_bytes], np.uint8).reshape(-1, *shape)
    notes = _decode_notes(info, max_seconds, audio, audio_ok)
    return Decoded(frames=frames, fps=float(fps), audio=audio, info=info, seconds=seconds, notes=notes)


def _video_args(
    path: str, fps: float, size: tuple[int, int], pix_fmt: str, max_seconds: float, deblock: bool
) -> list[str]:
    """ffmpeg's arguments for the video pass: the first picture stream at `fps`, scaled to
    `size` (width, height), as raw `pix_fmt` frames on stdout."""
    width, height = size
    # one filter thread: the graph's own threads cost 0.04 CPU-s and 0.035 s of a 10 s 720p
    # clip's decode for frames this small, and the output is the same to the byte
    return [
        "-nostats",
        "-filter_threads",
        "1",
        *([] if deblock else ["-skip_loop_filter", "all"]),
        "-i",
        path,
        "-map",
        "0:V:0",
        "-t",
        f"{max_seconds:.3f}",
        "-vf",
        f"fps={fps}:start_time=0,scale={width}:{height}:flags=area",
        "-pix_fmt",
        pix_fmt,
        "-f",
        "rawvideo",
        "pipe:1",
    ]


def _decode_passes(
    path: str,
    video_args: list[str],
    info: MediaInfo | None,
    max_seconds: float,
    timeout: float,
    handed: _WholeFrames | None,
    keep: bool,
) -> tuple[subprocess.CompletedProcess, MediaInfo, np.ndarray | None, bool]:
    """The video pass and the audio pass side by side, with the probe riding along in the
    video pass when `info` is None: the video process, the clip's info, and the audio with
    whether its pass exited cleanly (see `_decode_audio`)."""
    with tempfile.TemporaryDirectory(prefix="avcore-") as tmp, ThreadPoolExecutor(max_workers=2) as pool:
        listing = Path(tmp) / "packets.crc"
        if info is None:
            video_args = [*video_args, *_PACKET_LISTING, str(listing)]
        video_job = pool.submit(
            ffmpeg.run,
            video_args,
            timeout=timeout,
            check=False,
            what="Decoding the video",
            on_output=handed,
            keep_output=keep,
        )
        audio_job = pool.submit(_decode_audio, path, max_seconds, timeout) if info is None or info.has_audio else None
        video_proc = video_job.result()
        if info is None:
            info = _riding_probe(path, video_proc.stderr, listing, timeout)
        audio, audio_ok = audio_job.result() if info.has_audio else (None, True)
    return video_proc, info, audio, audio_ok


def _riding_probe(path: str, stderr: bytes, listing: Path, timeout: float) -> MediaInfo:
    """The probe's answer from the video pass's banner and packet listing. No listing: the
    video pass failed to start (no video stream, or none it can decode), and the probe alone
    says why, as it would have said first."""
    packets = listing.read_bytes() if listing.is_file() else b""
    info = _media_info(path, stderr, packets, listing_output=1) if packets else probe(path, timeout=timeout)
    require_video(info)
    return info


def _require_whole_video(n: int, fps: float, video_seconds: float) -> None:
    """Refuse a decode of `n` frames at `fps` that stopped well short of `video_seconds`."""
    if n == 0 or n < 0.9 * video_seconds * fps - fps * 0.5:
        raise AvcoreError(
            f"The video could be decoded only up to {n / fps:.1f} s of {video_seconds:.1f} s: "
            "the file looks truncated or corrupt."
        )


def _decode_notes(info: MediaInfo, max_seconds: float, audio: np.ndarray | None, audio_ok: bool) -> tuple[str, ...]:
    """What a person should know about a decode: a clip cut at `max_seconds`, audio lost or
    decoded only in part."""
    notes = []
    if info.duration > max_seconds + 0.05:
        notes.append(f"The clip is {info.duration:.1f} s long; only its first {max_seconds:.0f} s were analysed.")
    if info.has_audio and audio is None:
        notes.append("The audio stream could not be decoded; treated as no audio.")
    elif not audio_ok:
        notes.append(f"The audio stream has errors; decoded {audio.size / AUDIO_RATE:.1f} s of it.")
    return tuple(notes)


def to_grey(frames: np.ndarray) -> np.ndarray:
    """Grey copies (N, H, W) uint8 of RGB frames (N, H, W, 3) uint8, by OpenCV's luma weights.

    Every path that is handed the shared colour decode and reads grey (the events path's
    motion curves, the mouth patches) converts with this, so they all see the same picture.
    """
    if not len(frames):
        return np.zeros(frames.shape[:3], np.uint8)
    return np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])


class _WholeFrames:
    """Pipe pieces in, whole frames out: a piece may end inside a frame. `frames` counts the
    frames handed on."""

    def __init__(self, frame_bytes: int, shape: tuple[int, ...], on_frames: Callable[[np.ndarray], None]):
        self.frame_bytes, self.shape, self.on_frames = frame_bytes, shape, on_frames
        self.pending = bytearray()
        self.frames = 0

    def __call__(self, piece: bytes) -> None:
        self.pending.extend(piece)
        whole = len(self.pending) // self.frame_bytes * self.frame_bytes
        if whole:
            self.on_frames(np.frombuffer(bytes(self.pending[:whole]), np.uint8).reshape(-1, *self.shape))
            self.frames += whole // self.frame_bytes
            del self.pending[:whole]


def read_audio(
    path: str | os.PathLike, *, max_seconds: float = DEFAULT_MAX_SECONDS, timeout: float = 120.0
) -> np.ndarray | None:
    """Only the 16 kHz mono audio of a clip, of its first `max_seconds` (seconds).

    Returns
    -------
    (N,) float32 array or None
        None when the clip has no audio stream.
    """
    info = probe(path, timeout=timeout)
    if not info.has_audio:
        return None
    return _decode_audio(path, min(info.duration, max_seconds), timeout)[0]


def _decode_audio(path, seconds: float, timeout: float) -> tuple[np.ndarray | None, bool]:
    """16 kHz mono float32 samples (None if nothing decoded) and whether ffmpeg exited cleanly.

    Samples are placed on the clip's clock from t=0 (first_pts=0, async): a stream whose first
    packet decodes short or starts late is padded with silence, instead of sliding every sound
    earlier and faking an offset.
    """
    args = [
        "-v",
        "error",
        "-t",
        f"{seconds:.3f}",
        "-i",
        str(path),
        "-map",
        "0:a:0",
        "-af",
        f"aresample={AUDIO_RATE}:async=1:first_pts=0",
        "-ac",
        "1",
        "-f",
        "f32le",
        "pipe:1",
    ]
    proc = ffmpeg.run(args, timeout=timeout, check=False, what="Decoding the audio")
    audio = np.frombuffer(proc.stdout[: len(proc.stdout) // 4 * 4], np.float32)
    return (audio if audio.size else None), proc.returncode == 0


def encode(
    dst: str | os.PathLike,
    inputs: list[list[str]],
    *,
    video_map: str = "0:v:0",
    audio_map: str | None = "0:a:0",
    vf: str | None = None,
    af: str | None = None,
    keep_timestamps: bool = False,
    shortest: bool = False,
    timeout: float = 300.0,
) -> Path:
    """Run one ffmpeg job whose output plays in every browser, and move it into place.

    Browsers need H.264 in yuv420p with even width and height, AAC audio, and the index at the
    front (+faststart). The output is written inside a temporary folder and moved to `dst` only
    when ffmpeg succeeded, so a failure leaves nothing behind.

    Parameters
    ----------
    dst : str or os.PathLike
        The output; see `check_output`.
    inputs : list of list of str
        Each input's options ending in the input itself, e.g. ["-ss", "1", "-i", "a.mp4"].
    video_map, audio_map : str or None
        ffmpeg stream specifiers of the picture and the sound; no `audio_map`, no sound.
    vf, af : str or None
        Extra video and audio filters.
    keep_timestamps : bool
        Pass frame times through unchanged (a warped clip must keep its warp).
    shortest : bool
        End with the shortest input (an endless noise source).
    timeout : float
        Seconds before ffmpeg is stopped.

    Returns
    -------
    Path
        `dst`.
    """
    dst = check_output(dst, [inp[inp.index("-i") + 1] for inp in inputs if "-i" in inp])
    filters = [f for f in (vf, "pad=ceil(iw/2)*2:ceil(ih/2)*2", "format=yuv420p") if f]
    args = ["-v", "error", "-y"]
    for inp in inputs:
        args += inp
    args += ["-map", video_map, "-vf", ",".join(filters), "-c:v", "libx264", "-preset", "veryfast", "-crf", "20"]
    if keep_timestamps:
        args += ["-fps_mode", "passthrough", "-enc_time_base:v", "demux"]
    if audio_map:
        args += ["-map", audio_map, "-c:a", "aac", "-b:a", "128k"]
        if af:
            args += ["-af", af]
    if shortest:
        args += ["-shortest"]
    args += ["-movflags", "+faststart"]
    with tempfile.TemporaryDirectory(prefix="avcore-") as tmp:
        out = Path(tmp) / ("out" + dst.suffix)
        ffmpeg.run(args + [str(out)], timeout=timeout, what="Writing the clip")
        try:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(out), dst)
        except OSError as exc:  # no permission, or a special file system such as /proc
            raise AvcoreError(f"Could not write {dst}: {exc.strerror or exc}.") from None
    return dst


def check_output(dst: str | os.PathLike, sources: list[str | os.PathLike]) -> Path:
    """`dst` as a place `encode` can write a clip made from `sources` (it makes the folder): a
    container that holds H.264 and AAC, not a folder (the clip would land inside it under
    another name), not one of the sources (it would be overwritten), in a folder that is one
    or can be made. `encode` checks this itself; commands call it first too, so that a bad
    output is refused before minutes of analysis rather than after."""
    dst = Path(dst)
    if dst.is_dir():
        raise AvcoreError(f"The output {dst} is a folder; give a file name, such as {dst / ('out' + OUTPUT_TYPES[0])}.")
    if dst.suffix.lower() not in OUTPUT_TYPES:
        raise AvcoreError(
            f"The output must end in {', '.join(OUTPUT_TYPES)} (H.264 video, AAC audio); got {dst.name!r}."
        )
    if dst.exists() and any(os.path.exists(src) and os.path.samefile(src, dst) for src in sources):
        raise AvcoreError(f"The output {dst} is the input file; give another name so that the original is kept.")
    folder = dst.parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise AvcoreError(f"Cannot write {dst}: {folder} is a file, not a folder.")
    return dst


def write_clip(
    dst: str | os.PathLike,
    frames: np.ndarray,
    fps: float,
    audio: np.ndarray | None = None,
    sr: int = AUDIO_RATE,
    *,
    timeout: float = 300.0,
) -> Path:
    """Write frames and optional audio as a browser-playable clip (see `encode`).

    Parameters
    ----------
    dst : str or os.PathLike
        The output clip.
    frames : (N, H, W) grey or (N, H, W, 3) RGB uint8 array
    fps : float
        Their frame rate, in Hz.
    audio : (N,) float array or None
        Mono audio in [-1, 1] at `sr` Hz, starting with the first frame.
    sr : int
        The audio's sample rate, in Hz.
    timeout : float
        Seconds before ffmpeg is stopped.

    Returns
    -------
    Path
    """
    frames = np.ascontiguousarray(frames, dtype=np.uint8)
    height, width = frames.shape[1:3]
    pix_fmt = "rgb24" if frames.ndim == 4 else "gray"
    with tempfile.TemporaryDirectory(prefix="avcore-") as tmp:
        raw = Path(tmp) / "frames.raw"
        frames.tofile(raw)
        inputs = [["-f", "rawvideo", "-pix_fmt", pix_fmt, "-s", f"{width}x{height}", "-r", str(fps), "-i", str(raw)]]
        if audio is not None:
            wav = Path(tmp) / "audio.wav"
            write_wav(wav, audio, sr)
            inputs.append(["-i", str(wav)])
        return encode(dst, inputs, audio_map="1:a:0" if audio is not None else None, timeout=timeout)


def write_wav(path: str | os.PathLike, audio: np.ndarray, sr: int) -> None:
    """Write mono audio at `sr` Hz as a 16-bit WAV; float input is clipped to [-1, 1] first, as
    a WAV cannot hold more."""
    pcm = (np.clip(np.asarray(audio, np.float32), -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(pcm.tobytes())


def _existing(path: str | os.PathLike) -> str:
    path = str(path)
    if not os.path.isfile(path):
        raise AvcoreError(f"No file at {path}.")
    if os.path.getsize(path) == 0:
        raise AvcoreError("The file is empty (0 bytes).")
    return path


def require_video(info: MediaInfo) -> None:
    """Refuse (AvcoreError) a probed file without a picture: there is nothing to sync to."""
    if info.video is None:
        raise AvcoreError("This file has no video stream (it looks like audio only). Upload a video with a picture.")


def _parse_banner(text: str) -> dict[int, tuple[str, str]]:
    streams = {}
    for line in text.splitlines():
        m = _STREAM_RE.match(line)
        if m and "(attached pic)" not in m[3]:
            streams[int(m[1])] = (m[2], m[3])
    return streams


def _packet_times(framecrc: bytes, indices: list[int]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Start and end time (s) of every packet, keyed by input stream: output stream k of the
    framecrc listing is input stream indices[k]."""
    base: dict[int, float] = {}
    rows: dict[int, list[tuple[int, int]]] = {}
    for line in framecrc.decode("ascii", "replace").splitlines():
        if line.startswith("#tb "):
            out_idx, frac = line[4:].split(":")
            num, den = frac.strip().split("/")
            base[int(out_idx)] = int(num) / int(den)
        elif line and not line.startswith("#"):
            parts = line.split(",")
            rows.setdefault(int(parts[0]), []).append((int(parts[2]), int(parts[3])))
    result = {}
    for out_idx, stream_idx in enumerate(indices):
        if out_idx in rows and out_idx in base:
            arr = np.array(sorted(rows[out_idx]), dtype=np.float64) * base[out_idx]
            result[stream_idx] = (arr[:, 0], arr[:, 0] + arr[:, 1])
    return result


def _codec(desc: str) -> str:
    return desc.split(",")[0].split()[0]


def _frame_size(desc: str) -> tuple[int, int]:
    m = re.search(r"(?:^|[ ,])(\d{1,5})x(\d{1,5})(?:[ ,\[]|$)", desc)
    if not m:
        raise AvcoreError(_NOT_MEDIA)
    return int(m[1]), int(m[2])


def _header_fps(desc: str) -> float:
    m = re.search(r"([\d.]+) fps", desc)
    return float(m[1]) if m else 25.0


def _int_before(desc: str, unit: str) -> int | None:
    m = re.search(r"(\d+)" + re.escape(unit), desc)
    return int(m[1]) if m else None


def _channels(desc: str) -> int:
    layout = desc.split(",")[2].strip() if desc.count(",") >= 2 else ""
    named = {"mono": 1, "stereo": 2, "2.1": 3, "quad": 4, "5.0": 5, "5.1": 6, "5.1(side)": 6, "7.1": 8}
    if layout in named:
        return named[layout]
    m = re.match(r"(\d+) channels", layout)
    return int(m[1]) if m else 0
