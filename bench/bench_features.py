"""Speed of the foundation, measured side by side in one run (medians of interleaved repeats).

    python bench/bench_features.py [--repeats 5] [--build-size 100]

Prints: ffmpeg decode-only vs our full seed-feature extraction vs moviepy iter_frames on a 10 s
720p clip (target: features <= 2x decode-only), per-clip feature time on the embedded clips, the
dataset build time, and librosa's cold first-call cost in a fresh process.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from avcore.data import dataset, synth  # noqa: E402
from avcore.features import seed_features  # noqa: E402
from avcore.io import ffmpeg  # noqa: E402

SHARED_CLIP = Path(__file__).resolve().parents[2] / "shared" / "media" / "smpte-countdown.mp4"


def make_720p_clip(folder: Path) -> Path:
    """A 10 s 1280x720 25 fps H.264+AAC clip: the real SMPTE countdown if present, else made."""
    out = folder / "clip720p.mp4"
    if SHARED_CLIP.is_file():
        inputs = ["-i", str(SHARED_CLIP)]
        maps = ["-map", "0:v:0", "-map", "0:a:0", "-vf", "scale=1280:720"]
    else:
        inputs = [
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1280x720:rate=25",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=500:beep_factor=4",
        ]
        maps = []
    ffmpeg.run(
        ["-v", "error", *inputs, *maps, "-t", "10", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(out)]
    )
    return out


def decode_only(path: Path) -> None:
    ffmpeg.run(["-v", "error", "-i", str(path), "-f", "null", "-"])


def moviepy_decode(path: Path) -> None:
    from moviepy import VideoFileClip

    with VideoFileClip(str(path)) as clip:
        for _ in clip.iter_frames():
            pass
        clip.audio.to_soundarray(fps=16000)


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def librosa_cold() -> float:
    code = (
        "import time,numpy as np; t=time.perf_counter(); import librosa; "
        "librosa.feature.mfcc(y=np.zeros(16000,np.float32),sr=16000,n_mfcc=13,hop_length=3200); "
        "print(time.perf_counter()-t)"
    )
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--build-size", type=int, default=100, help="clips to build for the build-time figure")
    args = ap.parse_args()

    print(f"librosa cold first call (fresh process, import + first MFCC): {librosa_cold():.2f} s")
    seed_features.mfcc(synth.render(0).audio)  # warm librosa here so it is not billed to the first repeat

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        clip = make_720p_clip(tmp)
        runs = {"ffmpeg decode-only": [], "seed features": [], "moviepy iter_frames": []}
        for _ in range(args.repeats):  # interleaved, so load on the shared machine hits all alike
            runs["ffmpeg decode-only"].append(timed(decode_only, clip))
            runs["seed features"].append(timed(seed_features.seed_features, clip))
            runs["moviepy iter_frames"].append(timed(moviepy_decode, clip))
        base = statistics.median(runs["ffmpeg decode-only"])
        print(f"\n10 s 1280x720 clip, median of {args.repeats} interleaved runs")
        for name, times in runs.items():
            med = statistics.median(times)
            print(f"  {name:<22} {med:7.3f} s   {med / base:5.2f}x decode-only")

        build_dir = tmp / "built"
        start = time.perf_counter()
        meta = dataset.build(build_dir, size=args.build_size, seed=7)
        build_s = time.perf_counter() - start
        print(
            f"\ndataset build: {args.build_size} clips in {build_s:.1f} s "
            f"({build_s / args.build_size * 1000:.0f} ms a clip; {dataset.DEFAULT_SIZE} clips ~ "
            f"{build_s / args.build_size * dataset.DEFAULT_SIZE:.0f} s on this machine)"
        )
        per_clip = [timed(seed_features.seed_features, p) for p in list(build_dir.glob("clips/*.mp4"))[:20]]
        print(
            f"seed features per embedded clip (mean {meta['Duration'].mean():.1f} s long): "
            f"median {statistics.median(per_clip) * 1000:.0f} ms over {len(per_clip)} clips"
        )


if __name__ == "__main__":
    main()
