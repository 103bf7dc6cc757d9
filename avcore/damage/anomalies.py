"""The four kinds of damage: time shift, noise, mute, distort.

File versions follow the original project's ffmpeg recipes (adelay, anoisesrc replacing the
audio, -an, setpts on the video) so that our data has the same traces as theirs, but they always
write browser-playable MP4. Array versions serve the synthetic generator and the app's previews.

Conventions: a shift in ms, POSITIVE = audio LATE (the sign of avcore.sync); times in seconds;
audio float32 mono at `sr` Hz. File functions take the source `src` and the output `dst`
(see `avcore.io.media.check_output`) and return `dst` as a Path.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import numpy as np

from avcore.errors import AvcoreError
from avcore.io import media

TYPES = ("time_shift", "noise", "mute", "distort")
DISTORT_SETPTS = "0.75*PTS+sin(N*0.05)*0.05/TB"


# ----- arrays -------------------------------------------------------------------------------


def shift_audio(audio: np.ndarray, sr: int, ms: float) -> np.ndarray:
    """Same-length audio whose content comes `ms` late (positive) or early (negative).

    The gap left at one end is silence, as adelay leaves it.

    Parameters
    ----------
    audio : (N,) array
    sr : int
        Its sample rate, in Hz.
    ms : float
        The shift, rounded to whole samples.

    Returns
    -------
    (N,) array
        All silence when the shift is as long as the audio.
    """
    n = int(round(abs(ms) * sr / 1000.0))
    out = np.zeros_like(audio)
    if n >= audio.size:
        return out
    if ms >= 0:
        out[n:] = audio[: audio.size - n]
    else:
        out[: audio.size - n] = audio[n:]
    return out


def white_noise(n: int, rng: np.random.Generator, amplitude: float = 0.5) -> np.ndarray:
    """`n` samples of uniform white noise in [-amplitude, amplitude], float32: the array twin of
    the anoisesrc replacement."""
    return rng.uniform(-amplitude, amplitude, n).astype(np.float32)


def mix_noise(audio: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """Add Gaussian white noise at a signal-to-noise ratio `snr_db` (dB) measured over the whole
    clip, so the noise is steady while the sound comes and goes (it owns the quiet moments,
    which is what `avcore.features.cues.floor_hf` looks for).

    Returns
    -------
    (N,) float32 array
    """
    power = float(np.mean(np.square(audio, dtype=np.float64)))
    noise_rms = math.sqrt(max(power, 1e-10) / 10 ** (snr_db / 10))
    noise = rng.normal(0.0, noise_rms, audio.size)
    return (audio + noise).astype(np.float32)


def distort_times(times: np.ndarray, strength: float = 1.0) -> np.ndarray:
    """Where the setpts warp moves frames shown at `times` (s), in seconds; strength 1 is the
    original recipe (DISTORT_SETPTS), 0 leaves timing alone."""
    n = np.arange(times.size)
    return (1 - 0.25 * strength) * times + strength * 0.05 * np.sin(n * 0.05)


# ----- files --------------------------------------------------------------------------------


def time_shift(src, dst, ms: float) -> Path:
    """Delay (ms > 0, the original's adelay) or advance (ms < 0, the audio's start cut off)
    the sound of `src` by `ms` milliseconds.

    Raises
    ------
    AvcoreError
        A shift of 0, a clip without sound, or a shift as long as the clip (`check_shift`).
    """
    if ms == 0:
        raise AvcoreError("A time shift of 0 ms changes nothing; pick a delay or an advance.")
    check_shift(src, ms, "shift")
    af = f"adelay={ms:.0f}:all=1" if ms > 0 else f"atrim=start={-ms / 1000:.3f},asetpts=PTS-STARTPTS"
    return media.encode(dst, [["-i", str(src)]], af=af)


def noise(src, dst, *, snr_db: float | None = None, seed: int = 0) -> Path:
    """Without `snr_db`: the audio replaced by white noise (the original's anoisesrc recipe).
    With it: white noise mixed into the audio at that SNR (dB; `mix_noise`), seeded by `seed`
    like the replacement."""
    if snr_db is not None and not math.isfinite(snr_db):
        raise AvcoreError("The signal-to-noise ratio must be a finite number of dB.")
    if snr_db is None:
        source = f"anoisesrc=color=white:sample_rate=44100:seed={seed}"
        return media.encode(dst, [["-i", str(src)], ["-f", "lavfi", "-i", source]], audio_map="1:a:0", shortest=True)
    audio = media.read_audio(src)
    if audio is None:
        raise AvcoreError("This clip has no audio to mix noise into.")
    noisy = mix_noise(audio, snr_db, np.random.default_rng(seed))
    with tempfile.TemporaryDirectory(prefix="avcore-") as tmp:
        wav = os.path.join(tmp, "noisy.wav")
        media.write_wav(wav, noisy, media.AUDIO_RATE)
        return media.encode(dst, [["-i", str(src)], ["-i", wav]], audio_map="1:a:0")


def mute(src, dst) -> Path:
    """The audio stream removed (-an)."""
    return media.encode(dst, [["-i", str(src)]], audio_map=None)


def distort(src, dst, *, strength: float = 1.0) -> Path:
    """The video's playback timing warped by setpts, the audio untouched; strength 1 is the
    original `0.75*PTS+sin(N*0.05)*0.05/TB`; it must lie in (0, 2]."""
    if not 0 < strength <= 2:
        raise AvcoreError("Distort strength must be above 0 and at most 2.")
    setpts = DISTORT_SETPTS if strength == 1 else f"{1 - 0.25 * strength}*PTS+sin(N*0.05)*{0.05 * strength}/TB"
    has_audio = media.probe(src).has_audio
    return media.encode(
        dst, [["-i", str(src)]], vf=f"setpts='{setpts}'", audio_map="0:a:0" if has_audio else None, keep_timestamps=True
    )


def apply(src, dst, kind: str, **params) -> Path:
    """Dispatch by anomaly name (one of TYPES), as the CLI and the dataset builder name them;
    `params` go to that function. The output and the source's picture are checked first, so a
    bad call fails before any encoding."""
    ops = {"time_shift": time_shift, "noise": noise, "mute": mute, "distort": distort}
    if kind not in ops:
        raise AvcoreError(f"Unknown anomaly {kind!r}; choose one of {', '.join(TYPES)}.")
    media.check_output(dst, [src])
    if media.probe(src).video is None:
        raise AvcoreError("This file has no video stream, so there is no picture to misalign.")
    return ops[kind](src, dst, **params)


def damaged_pair(src, folder, kind: str, *, seconds: float, max_height: int, **params) -> tuple[Path, Path]:
    """An experiment's two clips in `folder`: `src` cut to its first `seconds` at most
    `max_height` pixels high (so a damage takes seconds even on a long HD clip), and that cut
    with the damage `kind` applied (`apply`). Returns (original, damaged)."""
    original = media.encode(
        Path(folder) / "original.mp4",
        [["-t", str(seconds), "-i", str(src)]],
        vf=f"scale=-2:'min({max_height},ih)'",
        audio_map="0:a:0" if media.probe(src).has_audio else None,
    )
    return original, apply(original, Path(folder) / "altered.mp4", kind, **params)


def check_shift(src, ms: float, verb: str) -> None:
    """Refuse moving the sound of a clip that has none, or by as much as the clip lasts (that
    leaves no sound at all; the comparison also refuses NaN). `ms` in milliseconds; `verb`
    names the move in the message ("shift", "move")."""
    info = media.probe(src)
    if not info.has_audio:
        raise AvcoreError(f"This clip has no audio stream to {verb}.")
    if not abs(ms) < info.duration * 1000:
        raise AvcoreError(
            f"A shift of {ms:g} ms is not shorter than the clip ({info.duration * 1000:.0f} ms); pick a smaller one."
        )
