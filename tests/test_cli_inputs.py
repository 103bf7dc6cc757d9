"""Bad input through the CLI: each is one `error: ...` line and a non-zero exit, never a
traceback, and nothing left behind in the temporary folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT


def cli(*args, tmpdir: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, **({"TMPDIR": str(tmpdir)} if tmpdir else {})}
    return subprocess.run([sys.executable, "-m", "avcore", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=timeout)


def refused(proc: subprocess.CompletedProcess, words: str) -> str:
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("error: "), proc.stderr
    assert words in proc.stderr, proc.stderr
    return proc.stderr


# ----- AVE annotation files ---------------------------------------------------------------------

def test_ave_errors_never_quote_the_file(tmp_path):
    secret = "TOP-SECRET-LINE=42"
    path = tmp_path / "notes.txt"
    path.write_text(f"{secret}\nmore\n")
    err = refused(cli("dataset", "ave-csv", path, "--out", tmp_path / "o.csv"), "line 1")
    assert secret not in err and "TOP-SECRET" not in err


def test_ave_refuses_a_device_and_a_pipe(tmp_path):
    refused(cli("dataset", "ave-csv", "/dev/zero", "--out", tmp_path / "o.csv", timeout=30), "not a regular file")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    refused(cli("dataset", "ave-csv", fifo, "--out", tmp_path / "o.csv", timeout=30), "not a regular file")


def test_ave_refuses_a_huge_file(tmp_path):
    from avcore import ave

    path = tmp_path / "Annotations.txt"
    with open(path, "wb") as f:
        f.truncate(ave.MAX_ANNOTATION_BYTES + 1)  # sparse: costs no disk
    refused(cli("dataset", "ave-csv", path, "--out", tmp_path / "o.csv"), "larger than")


# ----- clips -------------------------------------------------------------------------------------

def short_clip(path: Path, frames: int = 10) -> Path:
    import numpy as np

    from avcore import media

    return media.write_clip(path, np.full((frames, 120, 160, 3), 90, np.uint8), 25, np.zeros(frames * 640, np.float32))


def test_a_clip_under_half_a_second_gets_a_verdict(tmp_path):
    proc = cli("score", short_clip(tmp_path / "short.mp4"), "--json")
    assert proc.returncode == 0, proc.stderr
    assert '"verdict"' in proc.stdout
