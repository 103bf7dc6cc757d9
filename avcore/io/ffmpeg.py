"""Run the ffmpeg binary that the imageio-ffmpeg wheel ships.

No system ffmpeg is assumed (there is none on Community Cloud or here). Every call goes through
`run` so that each has a timeout and a failure becomes an `AvcoreError`.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Callable
from functools import lru_cache

import imageio_ffmpeg

from avcore.errors import AvcoreError

DEFAULT_TIMEOUT_S = 120.0
_running: set[subprocess.Popen] = set()  # every ffmpeg started by `run` and not yet ended
_running_lock = threading.Lock()
PIPE_READ = 1 << 16  # a Linux pipe's capacity: each read takes whatever ffmpeg has written


@lru_cache(maxsize=1)
def exe() -> str:
    """The path of the wheel's ffmpeg binary (looked up once)."""
    return imageio_ffmpeg.get_ffmpeg_exe()


def run(
    args: list[str],
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    check: bool = True,
    what: str = "ffmpeg",
    on_output: Callable[[bytes], None] | None = None,
    keep_output: bool = True,
) -> subprocess.CompletedProcess:
    """Run ffmpeg with `args` (an argument list, never a shell string).

    A hang becomes an AvcoreError after `timeout` seconds; with `check`, a non-zero exit does
    too, carrying ffmpeg's last error line so the message says what went wrong. `on_output`
    is handed stdout piece by piece as ffmpeg writes it, so a caller's work on the output
    overlaps ffmpeg's instead of following it; the result still holds all of stdout, unless
    `keep_output` is False (then stdout is b"": a long decode need not sit in memory). stderr
    goes to a file: a pipe nobody reads until the end could fill up and stall ffmpeg.

    Parameters
    ----------
    args : list of str
        ffmpeg's arguments after `-hide_banner -nostdin`.
    timeout : float
        Seconds before ffmpeg is stopped.
    check : bool
        Raise on a non-zero exit.
    what : str
        What the call does, for the messages ("Decoding the video").
    on_output : callable or None
        Handed each piece of stdout as it is read.
    keep_output : bool
        Keep stdout in the result (always kept without `on_output`).

    Returns
    -------
    subprocess.CompletedProcess
        With stdout and stderr as bytes.
    """
    cmd = [exe(), "-hide_banner", "-nostdin", *args]
    with (
        tempfile.TemporaryFile() as err,
        subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err) as proc,
    ):
        with _running_lock:
            _running.add(proc)
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            proc.kill()

        timer = threading.Timer(timeout, expire)
        timer.start()
        try:
            stdout = _read_stdout(proc, on_output, keep_output)
            proc.wait()
        finally:
            timer.cancel()
            proc.kill()  # a no-op once ffmpeg has exited; stops it when on_output raised
            with _running_lock:
                _running.discard(proc)
        err.seek(0)
        stderr = err.read()
    if expired.is_set():
        raise AvcoreError(
            f"{what} took longer than {timeout:.0f} s and was stopped. "
            "The file may be very long, damaged, or unusually encoded."
        )
    if check and proc.returncode != 0:
        raise AvcoreError(f"{what} failed: {last_error_line(stderr)}")
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)


def _read_stdout(proc: subprocess.Popen, on_output: Callable[[bytes], None] | None, keep_output: bool) -> bytes:
    """ffmpeg's stdout until it closes, each piece handed to `on_output` as it comes; all of it,
    or b"" when only `on_output` wants it."""
    pieces: list[bytes] = []
    while piece := proc.stdout.read1(PIPE_READ):
        if keep_output or not on_output:
            pieces.append(piece)
        if on_output:
            on_output(piece)
    return b"".join(pieces)


def stop_all() -> None:
    """Kill every ffmpeg still running, for a process told to stop (SIGTERM). Calls waiting in
    worker threads then see their output end and return, so the threads, and the temporary
    folders the main thread holds while it waits for them, can finish; without this they
    would wait for each ffmpeg to complete its work first."""
    with _running_lock:
        for proc in _running:
            proc.kill()


def last_error_line(stderr: bytes) -> str:
    """ffmpeg's last non-empty stderr line: where it says what failed."""
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1] if lines else "no message from ffmpeg"
