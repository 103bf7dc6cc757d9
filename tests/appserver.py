"""The app's server as a visitor meets it, for the browser tests and `bench/bench_app.py`.

Both must start the server the same way (as on Community Cloud: no generated data folder) and
judge "the page is done" by the same signal, or the benchmark would time something other than
what the tests check. Plain Python, no pytest: the benchmark imports it as `tests.appserver`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
START_TIMEOUT_S = 60


class AppServer(NamedTuple):
    proc: subprocess.Popen
    url: str
    started: float  # time.perf_counter() just before the process was launched


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def app_server(
    data_dir: str | os.PathLike, *, port: int | None = None, log: Path | None = None, app_dir: Path = ROOT
) -> Iterator[AppServer]:
    """A fresh `streamlit run streamlit_app.py` in `app_dir` with AVCORE_DATA at `data_dir`,
    yielded once it answers its health check and always stopped afterwards. Its output goes to
    `log` (else nowhere), which the error names when the server does not come up. The benchmark
    passes another `app_dir` to time a hello-world app started the same way: Streamlit's floor."""
    port = port or free_port()
    env = {**os.environ, "AVCORE_DATA": str(data_dir)}
    with open(log or os.devnull, "w") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "streamlit_app.py",
                "--server.headless",
                "true",
                "--server.port",
                str(port),
            ],
            cwd=app_dir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_healthy(proc, url, started, log)
            yield AppServer(proc, url, started)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_healthy(proc: subprocess.Popen, url: str, started: float, log: Path | None) -> None:
    """Polls often: the benchmark reports the time to the first healthy answer."""
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                if r.read() == b"ok":
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.perf_counter() - started > START_TIMEOUT_S:
            raise RuntimeError("the app's server did not start" + (f"; see {log}" if log else ""))
        time.sleep(0.05)


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until the script run has finished. Checked twice, a moment apart, because a rerun
    (a widget's callback, st.rerun) can start right after a run ends."""
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_timeout(200)
    page.wait_for_selector(IDLE, timeout=timeout)
