"""Run the ffmpeg binary that the imageio-ffmpeg wheel ships.

No system ffmpeg is assumed (there is none on Community Cloud or here). Every call goes through
`run` so that each has a timeout and a failure becomes an `AvcoreError`.
"""

from __future__ import annotations

import subprocess
from functools import lru_cache

import imageio_ffmpeg

from avcore.errors import AvcoreError

DEFAULT_TIMEOUT_S = 120.0


@lru_cache(maxsize=1)
def exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def run(
    args: list[str],
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    input_bytes: bytes | None = None,
    check: bool = True,
    what: str = "ffmpeg",
) -> subprocess.CompletedProcess:
    """Run ffmpeg with `args` (an argument list, never a shell string).

    A hang becomes an AvcoreError after `timeout` seconds; with `check`, a non-zero exit does
    too, carrying ffmpeg's last error line so the message says what went wrong.
    """
    cmd = [exe(), "-hide_banner", "-nostdin", *args]
    try:
        proc = subprocess.run(
            cmd,
            input=input_bytes,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        raise AvcoreError(
            f"{what} took longer than {timeout:.0f} s and was stopped. "
            "The file may be very long, damaged, or unusually encoded."
        ) from exc
    if check and proc.returncode != 0:
        raise AvcoreError(f"{what} failed: {last_error_line(proc.stderr)}")
    return proc


def last_error_line(stderr: bytes) -> str:
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1] if lines else "no message from ffmpeg"
