"""Detector speed, measured side by side in one run (medians of interleaved repeats).

    python bench/bench_detector.py [--repeats 7]

Prints the time to score a 10 s 1280x720 clip with the shipped detector (warm: models loaded)
beside ffmpeg's decode-only time of the same clip (target: at most 1.5x), the CPU each spends
in ffmpeg and in Python (on 2 cores, CPU beyond decode-only's is what the ratio pays for), where
the time goes (the decode with the curves worked out as frames arrive, analysis, cues, model),
and the cold first call in a fresh process.
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

from avcore import cues, sync  # noqa: E402
from avcore.models import detector  # noqa: E402
from avcore.scoring import Scorer  # noqa: E402
from bench_features import decode_only, make_720p_clip  # noqa: E402


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
    decoded, curves = sync.measure(path)
    out["decode + curves, overlapped"], t = time.perf_counter() - t, time.perf_counter()
    result = sync.analyse(curves)
    out["sync analysis"], t = time.perf_counter() - t, time.perf_counter()
    measured = cues.cues(decoded)
    out["cues"], t = time.perf_counter() - t, time.perf_counter()
    scorer.models.detector.type_probs([detector.ClipAnalysis(decoded, curves, result, measured).vector()])
    out["model"] = time.perf_counter() - t
    return out


def cold(path: Path) -> float:
    code = (
        "import time,sys; t=time.perf_counter(); sys.path.insert(0, '.');"
        "from avcore.scoring import Scorer; Scorer.load().score(sys.argv[1]); print(time.perf_counter()-t)"
    )
    root = Path(__file__).resolve().parents[1]
    return float(subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True, cwd=root).stdout)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clip = make_720p_clip(Path(tmp))
        print(f"cold first call (fresh process: imports, model load, score): {cold(clip):.2f} s")
        scorer = Scorer.load()
        scorer.score(clip)
        base, scored, parts = [], [], []
        for _ in range(args.repeats):
            base.append(wall_and_cpu(decode_only, clip))
            scored.append(wall_and_cpu(scorer.score, clip))
            parts.append(stages(scorer, clip))
        b, b_ffmpeg, _ = (statistics.median(column) for column in zip(*base))
        s, s_ffmpeg, s_python = (statistics.median(column) for column in zip(*scored))
        print(f"\n10 s 1280x720 clip, median of {args.repeats} interleaved runs")
        print(f"  ffmpeg decode-only   {b:6.3f} s   CPU: ffmpeg {b_ffmpeg:.3f} s")
        print(f"  detector score       {s:6.3f} s   {s / b:4.2f}x decode-only (target <= 1.5x)   "
              f"CPU: ffmpeg {s_ffmpeg:.3f} s, Python {s_python:.3f} s")
        for name in parts[0]:
            print(f"    {name:<30} {statistics.median(p[name] for p in parts):6.3f} s")


if __name__ == "__main__":
    main()
