"""STAND-IN for the integrator's `avcore.check` (being written in /work/main): today's
detector behind the promised `check_clip` interface. Drop this file when merging main.

misaligned when p_misaligned >= 0.5; aligned when sync is synchronizable and its offset lies
within the tolerance; otherwise unverified. The offset is given only when the detector
calls it reliable (a confident sync lock or a delay's leading silence), as the real verdict
gives only a locked or exact offset.
"""

from __future__ import annotations

import os
from functools import lru_cache

from avcore.verdict import ALIGNED, DEFAULT_TOLERANCE, MISALIGNED, UNVERIFIED, Tolerance, Verdict


@lru_cache(maxsize=1)
def _scorer():
    from avcore.scoring import Scorer

    return Scorer.load()


def check_clip(path: str | os.PathLike, tolerance: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
    row, _ = _scorer().detect(path)
    p = row["p_misaligned"]
    offset = row["offset_ms"] if row["offset_reliable"] else None
    if p >= 0.5:
        state = MISALIGNED
    elif row["synchronizable"] and offset is not None and tolerance.contains(offset):
        state = ALIGNED
    else:
        state = UNVERIFIED
    damaged = state == MISALIGNED and row["type"] != "time_shift"
    return Verdict(
        state=state,
        evidence="damage" if damaged else ("events" if row["synchronizable"] else "none"),
        offset_ms=offset,
        offset_ci_ms=None,
        offset_source=row["offset_source"],
        repairable=bool(row["offset_reliable"]),
        reasons=tuple(row["reasons"]),
        tolerance=tolerance,
        p_damage=p,
        damage=row["type"],
    )
