"""Speed of a verdict, measured side by side in one run (medians of interleaved repeats).

    python bench/bench_detector.py [--repeats 7]

Prints the time to check two 10 s 1280x720 clips with the shipped models (warm: models loaded),
every path included (the face and mouth tracking of the speech path, the events path, the
cues, the damage model), beside ffmpeg's decode-only time of the same clip at its own size
(target: at most 1.5x): a talking head (retalk-2 of ../shared/media/sync, looped to 10 s and
padded to 720p) and the SMPTE countdown (or, without the shared folder, a made test pattern).
Also the CPU each spends in ffmpeg and in Python (on 2 cores, CPU beyond decode-only's is what
the ratio pays for), where the time goes, and the cold first verdict in a fresh process.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_features import decode_only, make_720p_clip  # noqa: E402

from avcore.check import Checker  # noqa: E402
from avcore.io import ffmpeg  # noqa: E402
from avcore.scoring import Scorer  # noqa: E402

TALKING = Path(__file__).resolve().parents[2] / "shared" / "media" / "sync" / "retalk-2.mp4"


def make_talking_720p(folder: Path) -> Path | None:
    """A 10 s 1280x720 25 fps talking head: retalk-2 (5 s, 844x844) played twice, scaled to
    720 px high and padded to 16:9. None without the shared folder."""
    if not TALKING.is_file():
        return None
    out = folder / "talking720p.mp4"
    ffmpeg.run(
        [
            "-v",
            "error",
            "-stream_loop",
            "1",
            "-i",
            str(TALKING),
            "-t",
            "10",
            "-vf",
            "scale=720:720,pad=1280:720:280:0",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            str(out),
        ]
    )
    return out


def wall_and_cpu(fn, *args) -> tuple[float, float, float]:
    """Wall time, and CPU time of ffmpeg (children) and of this process."""

    def cpu(who: int) -> float:
        r = resource.getrusage(who)
        return r.ru_utime + r.ru_stime

    before = time.perf_counter(), cpu(resource.RUSAGE_CHILDREN), cpu(resource.RUSAGE_SELF)
    fn(*args)
    after = time.perf_counter(), cpu(resource.RUSAGE_CHILDREN), cpu(resource.RUSAGE_SELF)
    return tuple(a - b for a, b in zip(after, before))


def stages(scorer: Scorer, path: Path) -> dict[str, float]:
    out, t = {}, time.perf_counter()
    analysis = scorer.checker.analyse(path)
    out["analysis (one decode, every path)"], t = time.perf_counter() - t, time.perf_counter()
    Checker.decide(analysis)
    out["decision"] = time.perf_counter() - t
    return out


def cold(path: Path) -> float:
    code = (
        "import time,sys; t=time.perf_counter(); sys.path.insert(0, '.');"
        "from avcore.check import check_clip; check_clip(sys.argv[1]); print(time.perf_counter()-t)"
    )
    root = Path(__file__).resolve().parents[1]
    return float(
        subprocess.run(
            [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True, cwd=root
        ).stdout
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clips = {"talking head": make_talking_720p(Path(tmp)), "countdown": make_720p_clip(Path(tmp))}
        clips = {name: clip for name, clip in clips.items() if clip is not None}
        first = next(iter(clips.values()))
        print(f"cold first verdict (fresh process: imports, model load, check): {cold(first):.2f} s")
        scorer = Scorer.load()
        for name, clip in clips.items():
            scorer.score(clip)
            base, scored, parts = [], [], []
            for _ in range(args.repeats):
                base.append(wall_and_cpu(decode_only, clip))
                scored.append(wall_and_cpu(scorer.score, clip))
                parts.append(stages(scorer, clip))
            b, b_ffmpeg, _ = (statistics.median(column) for column in zip(*base))
            s, s_ffmpeg, s_python = (statistics.median(column) for column in zip(*scored))
            print(f"\n{name}: 10 s 1280x720 clip, median of {args.repeats} interleaved runs")
            print(f"  ffmpeg decode-only   {b:6.3f} s   CPU: ffmpeg {b_ffmpeg:.3f} s")
            print(
                f"  verdict              {s:6.3f} s   {s / b:4.2f}x decode-only (target <= 1.5x)   "
                f"CPU: ffmpeg {s_ffmpeg:.3f} s, Python {s_python:.3f} s"
            )
            for stage in parts[0]:
                print(f"    {stage:<36} {statistics.median(p[stage] for p in parts):6.3f} s")


if __name__ == "__main__":
    main()
