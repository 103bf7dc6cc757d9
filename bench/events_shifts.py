"""The events path on real event clips, as published and with their sound content-shifted.

    python bench/events_shifts.py [--media ../shared/media/sync] [--shifts 2] [--seed 0]

Takes the VAS and VGGSound clips (`vas-*.mp4`, `vgg-*.mp4`), assumed in sync as published, and
for each makes `--shifts` cuts per direction with d drawn from 0.3-1.0 s and no silent gap:
picture [0, L-d] with sound [d, L] (audio early, offset -d) and picture [d, L] with sound
[0, L-d] (audio late, +d). Every file is re-encoded at 320 px wide, as-published ones too, so
all go through the same encoder. Prints one line per file and a summary: on the unshifted
clips, claims outside the tolerance of an in-sync web clip (LOCK_TOLERANCE_MS; a false
"misaligned"), and on the shifted ones, the recall of confident locks within RECALL_MS, claims
outside it, and how many were ambiguous (no offset given).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from avcore.io import media  # noqa: E402
from avcore.sync import decode, events  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LOCK_TOLERANCE_MS = (-45.0, 125.0)  # what an in-sync web clip may show (EBU R37-like, widened)
RECALL_MS = 80.0
SHIFT_RANGE_S = (0.3, 1.0)
WIDTH = 320


def _cut(src: Path, dst: Path, picture_start: float, sound_start: float, length: float) -> Path:
    return media.encode(
        dst,
        [
            ["-ss", f"{picture_start:.3f}", "-t", f"{length:.3f}", "-i", str(src)],
            ["-ss", f"{sound_start:.3f}", "-t", f"{length:.3f}", "-i", str(src)],
        ],
        audio_map="1:a:0",
        vf=f"scale={WIDTH}:-2",
    )


def _fmt(x: float | None) -> str:
    return "   -" if x is None else f"{x:+5.0f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--media", type=Path, default=ROOT.parent / "shared" / "media" / "sync")
    ap.add_argument("--shifts", type=int, default=2, help="cuts per direction and clip")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    clips = sorted([*args.media.glob("vas-*.mp4"), *args.media.glob("vgg-*.mp4")])
    if not clips:
        sys.exit(f"no vas-*.mp4 or vgg-*.mp4 clips in {args.media}")
    rng = np.random.default_rng(args.seed)
    rows = []  # (true offset ms or None for unshifted, result)
    print(f"{'clip':28s} {'true':>6s} {'offset':>6s} {'conf':>5s} {'margin':>6s} claimed  reason")
    with tempfile.TemporaryDirectory(prefix="events-shifts-") as tmp:
        for clip in clips:
            length = media.probe(clip).duration
            cuts = [(None, 0.0, 0.0, length)]
            for _ in range(args.shifts):
                d = float(rng.uniform(*SHIFT_RANGE_S))
                cuts.append((-1000 * d, 0.0, d, length - d))
                d = float(rng.uniform(*SHIFT_RANGE_S))
                cuts.append((1000 * d, d, 0.0, length - d))
            for k, (true_ms, picture_start, sound_start, span) in enumerate(cuts):
                path = _cut(clip, Path(tmp) / f"{clip.stem}-{k}.mp4", picture_start, sound_start, span)
                r = events.analyse(decode.measure(path)[1])
                rows.append((true_ms, r))
                print(
                    f"{clip.stem:28s} {_fmt(true_ms):>6s} {_fmt(r.offset_ms):>6s} {r.confidence:5.1f} "
                    f"{r.margin:6.2f} {str(r.synchronizable):7s}  {r.reason}",
                    flush=True,
                )

    lo, hi = LOCK_TOLERANCE_MS
    plain = [r for t, r in rows if t is None]
    shifted = [(t, r) for t, r in rows if t is not None]
    false_plain = sum(r.synchronizable and not lo <= r.offset_ms <= hi for r in plain)
    right = sum(r.synchronizable and abs(r.offset_ms - t) <= RECALL_MS for t, r in shifted)
    wrong = sum(r.synchronizable and abs(r.offset_ms - t) > RECALL_MS for t, r in shifted)
    ambiguous = sum(r.offset_ms is None for _, r in shifted)
    print()
    print("| set | clips | confident locks | within tolerance | false claims | no offset given |")
    print("|---|---|---|---|---|---|")
    print(
        f"| as published | {len(plain)} | {sum(r.synchronizable for r in plain)} | "
        f"{sum(r.synchronizable for r in plain) - false_plain} ({lo:+.0f}..{hi:+.0f} ms) | {false_plain} | "
        f"{sum(r.offset_ms is None for r in plain)} |"
    )
    print(
        f"| shifted 0.3-1.0 s | {len(shifted)} | {right + wrong} | {right} (recall {right / len(shifted):.2f}, "
        f"within {RECALL_MS:.0f} ms) | {wrong} | {ambiguous} |"
    )


if __name__ == "__main__":
    main()
