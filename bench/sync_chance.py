"""What sync confidence chance alone reaches: the floor under the detector's weak-shift evidence.

    python bench/sync_chance.py [--dataset DIR] [--clips 150] [--pairs 2]

Pairs the picture of each aligned TRAINING clip with the sound of other clips of the same kind
(same texture of events, no relation to this picture), analyses each pair as one clip, and
prints the confidence quantiles and how many pairs `analyse` would claim. The detector's
WEAK_SYNC_FLOOR sits near the 90th percentile: confidence below it is what one mismatched clip
in ten reaches. Needs a built dataset (`python -m avcore dataset build`).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from avcore.models import detector  # noqa: E402
from avcore.paths import data_dir  # noqa: E402
from avcore.sync import decode, events  # noqa: E402


def mismatched(a: events.SyncCurves, b: events.SyncCurves) -> events.SyncCurves:
    n = min(len(a.motion), len(b.onset))
    return dataclasses.replace(
        a, motion=a.motion[:n], accel=a.accel[:n], onset=b.onset[:n], rms=b.rms[:n], repeated=a.repeated[:n]
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", type=Path, default=data_dir() / "embedded")
    ap.add_argument("--clips", type=int, default=150)
    ap.add_argument("--pairs", type=int, default=2, help="sound donors per picture")
    args = ap.parse_args()
    meta = pd.read_csv(args.dataset / "metadata.csv")
    meta = meta[(meta["Split"] == "train") & (meta["Label"] == "aligned")].head(args.clips)
    curves = {p: decode.measure(args.dataset / p)[1] for p in meta["FilePath"]}
    kind = dict(zip(meta["FilePath"], meta["Category"]))
    rng = np.random.default_rng(1)
    results = []
    for picture in curves:
        donors = [p for p in curves if p != picture and kind[p] == kind[picture]]
        for sound in rng.choice(donors, size=min(args.pairs, len(donors)), replace=False):
            results.append(events.analyse(mismatched(curves[picture], curves[sound])))
    conf = np.array([r.confidence for r in results])
    far = np.array([r.offset_ms is not None and abs(r.offset_ms) >= detector.SHIFT_LAG_MS for r in results])
    print(
        f"{len(results)} mismatched pairs from {len(curves)} aligned training clips; "
        f"{sum(r.synchronizable for r in results)} claimed synchronizable"
    )
    for q in (0.5, 0.8, 0.9, 0.95, 0.99):
        print(f"  confidence at the {q:.0%} quantile: {np.quantile(conf, q):.2f}")
    floor = detector.WEAK_SYNC_FLOOR
    print(
        f"  pairs whose lag is >= {detector.SHIFT_LAG_MS:.0f} ms with confidence above WEAK_SYNC_FLOOR "
        f"({floor}): {int((far & (conf > floor)).sum())} of {len(results)}"
    )


if __name__ == "__main__":
    main()
