"""Bad input through the CLI: each is one `error: ...` line and a non-zero exit, never a
traceback, and nothing left behind in the temporary folder."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest
from conftest import ROOT

from avcore.cli import main


def cli(*args, tmpdir: Path | None = None) -> subprocess.CompletedProcess:
    """`python -m avcore ...` in this process (a fresh interpreter costs seconds of imports),
    with its temporary files in `tmpdir` when given."""
    out, err = io.StringIO(), io.StringIO()
    saved = tempfile.tempdir
    tempfile.tempdir = str(tmpdir) if tmpdir else saved
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([str(a) for a in args])
            except SystemExit as exc:  # argparse's refusals
                code = exc.code
    finally:
        tempfile.tempdir = saved
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


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
    refused(cli("dataset", "ave-csv", "/dev/zero", "--out", tmp_path / "o.csv"), "not a regular file")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    refused(cli("dataset", "ave-csv", fifo, "--out", tmp_path / "o.csv"), "not a regular file")


def test_ave_refuses_a_huge_file(tmp_path):
    from avcore.data import ave

    path = tmp_path / "Annotations.txt"
    with open(path, "wb") as f:
        f.truncate(ave.MAX_ANNOTATION_BYTES + 1)  # sparse: costs no disk
    refused(cli("dataset", "ave-csv", path, "--out", tmp_path / "o.csv"), "larger than")


# ----- clips -------------------------------------------------------------------------------------


def short_clip(path: Path, frames: int = 10) -> Path:
    import numpy as np

    from avcore.io import media

    return media.write_clip(path, np.full((frames, 120, 160, 3), 90, np.uint8), 25, np.zeros(frames * 640, np.float32))


def test_a_clip_under_half_a_second_gets_a_verdict(tmp_path):
    proc = cli("score", short_clip(tmp_path / "short.mp4"), "--json")
    assert proc.returncode == 0, proc.stderr
    assert '"verdict"' in proc.stdout


def still_image(path: Path, ext: str = ".png") -> Path:
    """A picture saved under a video's name."""
    import cv2
    import numpy as np

    picture = path.with_suffix(ext)
    cv2.imwrite(str(picture), np.random.default_rng(0).integers(0, 255, (120, 160, 3), np.uint8))
    return picture.rename(path)


@pytest.mark.parametrize("ext", [".png", ".jpg"])
def test_a_still_image_is_not_a_video(tmp_path, ext):
    still = still_image(tmp_path / "photo.mp4", ext)
    proc = cli("score", still, "--json")
    assert proc.returncode == 1 and "is a still image" in proc.stdout and "verdict" not in proc.stdout
    refused(cli("anomaly", still, tmp_path / "out.mp4", "--type", "mute"), "is a still image")
    refused(cli("repair", still, tmp_path / "out.mp4"), "is a still image")
    one_frame = cli("score", short_clip(tmp_path / "one-frame.mp4", frames=1))
    assert one_frame.returncode == 1 and "is a still image (h264" in one_frame.stdout


# ----- output paths ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return short_clip(tmp_path_factory.mktemp("clip") / "clip.mp4", frames=25)


def bad_outputs(tmp_path: Path, clip: Path) -> list[tuple[Path, str]]:
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "a-folder").mkdir()
    return [
        (tmp_path / "a-file" / "out.mp4", "is a file, not a folder"),
        (tmp_path / "out.webm", "must end in .mp4"),
        (tmp_path / "out.gif", "must end in .mp4"),
        (tmp_path / "out.wav", "must end in .mp4"),
        (tmp_path / "a-folder", "is a folder"),
        (clip, "is the input file"),
    ]


@pytest.mark.parametrize("command", [["anomaly", "--type", "mute"], ["repair"]])
def test_bad_outputs_are_refused_before_any_work(tmp_path, clip, command):
    temp = tmp_path / "temp"
    temp.mkdir()
    before = clip.read_bytes()
    for out, words in bad_outputs(tmp_path, clip):
        refused(cli(command[0], clip, out, *command[1:], tmpdir=temp), words)
    assert clip.read_bytes() == before
    assert not list((tmp_path / "a-folder").iterdir())
    assert not list(temp.iterdir())


def test_an_output_on_a_special_file_system_is_a_message(tmp_path, clip):
    temp = tmp_path / "temp"
    temp.mkdir()
    refused(cli("anomaly", clip, "/proc/out.mp4", "--type", "mute", tmpdir=temp), "Could not write /proc/out.mp4")
    assert not list(temp.iterdir())


@pytest.mark.parametrize("ext", [".mov", ".mkv", ".MP4"])
def test_other_h264_containers_are_written(tmp_path, clip, ext):
    out = tmp_path / f"out{ext}"
    proc = cli("anomaly", clip, out, "--type", "mute")
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {out}" in proc.stdout
    from avcore.io import media

    assert media.probe(out).video.codec == "h264"


# ----- amounts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "option, value",
    [
        ("--ms", "nan"),
        ("--ms", "inf"),
        ("--snr-db", "nan"),
        ("--snr-db", "inf"),
        ("--snr-db", "-inf"),
        ("--strength", "nan"),
        ("--strength", "inf"),
    ],
)
def test_non_finite_amounts_are_refused(tmp_path, clip, option, value):
    kind = {"--ms": "time_shift", "--snr-db": "noise", "--strength": "distort"}[option]
    proc = cli("anomaly", clip, tmp_path / "out.mp4", "--type", kind, f"{option}={value}")
    assert proc.returncode == 2 and "is not a finite number" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out.mp4").exists()


@pytest.mark.parametrize("ms", ["1e9", "-1e9", "5000"])
def test_a_shift_as_long_as_the_clip_is_refused_at_once(tmp_path, clip, ms):
    import time

    start = time.monotonic()
    refused(
        cli("anomaly", clip, tmp_path / "out.mp4", "--type", "time_shift", f"--ms={ms}"), "not shorter than the clip"
    )
    assert time.monotonic() - start < 10


# ----- being stopped ---------------------------------------------------------------------------


def ffmpeg_children(marker: str) -> list[int]:
    """Processes whose command line names `marker` (the test's own temporary folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            try:
                cmdline = (entry / "cmdline").read_bytes().decode("utf-8", "replace")
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if marker in cmdline and "ffmpeg" in cmdline and state != "Z":
                found.append(int(entry.name))
    return found


def test_sigterm_cleans_up_like_ctrl_c(tmp_path):
    """A container stop sends SIGTERM: the temporary folder must go and ffmpeg must stop."""
    import signal
    import sys
    import time

    from avcore.io import ffmpeg

    long_clip = tmp_path / "long.mp4"
    ffmpeg.run(
        [
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1280x720:rate=30",
            "-f",
            "lavfi",
            "-i",
            "sine",
            "-t",
            "40",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            str(long_clip),
        ]
    )
    temp = tmp_path / "temp"
    temp.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "avcore", "anomaly", str(long_clip), str(tmp_path / "out.mp4"), "--type", "distort"],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(temp)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not ffmpeg_children(f"{temp}/avcore-") and time.monotonic() < deadline:  # the encode is under way
        time.sleep(0.1)
    assert ffmpeg_children(f"{temp}/avcore-"), "the encode never started"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM and "terminated" in err and "Traceback" not in err
    assert not list(temp.iterdir())
    assert not ffmpeg_children(str(temp))
    assert not (tmp_path / "out.mp4").exists()


# ----- model folders ---------------------------------------------------------------------------


class Payload:
    """Unpickling this creates the file `marker`: what a hostile model file could do instead."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def models_copy(folder: Path) -> Path:
    import shutil

    from avcore.paths import ASSETS

    shutil.copytree(ASSETS / "models", folder)
    return folder


def test_the_shipped_checksum_is_the_shipped_detectors():
    from avcore.models import modelfiles
    from avcore.paths import ASSETS

    recorded = json.loads(modelfiles.SHIPPED_CHECKSUMS.read_text())
    assert recorded == {"detector.pkl": modelfiles.sha256(ASSETS / "models" / "detector.pkl")}


def test_the_shipped_mlp_card_is_the_shipped_weights():
    """The MLP page draws the shipped weights' training from their card (no torch)."""
    from dataclasses import asdict

    from avcore.models import modelfiles
    from avcore.models.seed_mlp import TrainedMLP
    from avcore.paths import ASSETS

    weights = ASSETS / "models" / "seed_mlp.pt"
    card, trained = modelfiles.read_card(weights), TrainedMLP.load(weights)
    assert card is not None, "no card for the shipped weights: write it with modelfiles.write_card"
    assert card["history"] == trained.history and card["config"] == asdict(trained.config)


def test_a_copy_of_the_shipped_models_loads(tmp_path, clip):
    proc = cli("score", clip, "--json", "--models", models_copy(tmp_path / "models"))
    assert proc.returncode == 0, proc.stderr


def test_a_foreign_detector_pickle_is_never_opened(tmp_path, clip):
    import pickle

    folder = models_copy(tmp_path / "models")
    marker = tmp_path / "pwned"
    (folder / "detector.pkl").write_bytes(pickle.dumps(Payload(marker)))
    refused(cli("score", clip, "--models", folder), "not loaded: a pickle can run any code")
    assert not marker.exists()


def test_a_torch_file_is_read_as_weights_only(tmp_path, clip):
    import pickle

    import torch

    folder = models_copy(tmp_path / "models")
    marker = tmp_path / "pwned"
    torch.save({"state": Payload(marker)}, folder / "seed_mlp.pt")
    proc = cli("score", clip, "--models", folder, "--method", "seed_mlp")
    assert proc.returncode != 0 and "is not a seed MLP saved by avcore" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and not marker.exists()
    (folder / "seed_mlp.pt").write_bytes(pickle.dumps(Payload(marker)))
    proc = cli("score", clip, "--models", folder, "--method", "seed_mlp")
    assert "is not a seed MLP saved by avcore" in proc.stdout + proc.stderr and not marker.exists()


@pytest.mark.parametrize("missing", ["seed_threshold.json", "seed_mlp.pt", "detector.pkl"])
def test_a_models_folder_missing_a_file_is_a_message(tmp_path, clip, missing):
    folder = models_copy(tmp_path / "models")
    (folder / missing).unlink()
    refused(
        cli("score", clip, "--models", folder),
        "No trained models" if missing == "detector.pkl" else f"has no {missing}",
    )
