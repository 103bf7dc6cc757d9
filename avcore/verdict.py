"""STAND-IN for the integrator's `avcore.verdict` (being written in /work/main): the same
interface, so that `avcore.syncbench` runs before the real module lands. Drop this file when
merging main.

Offsets are in milliseconds, positive when the AUDIO is LATE.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ALIGNED, MISALIGNED, UNVERIFIED = "aligned", "misaligned", "unverified"
STATES = (ALIGNED, MISALIGNED, UNVERIFIED)


@dataclass(frozen=True)
class Tolerance:
    """ITU-R BT.1359's detectability window by default: 45 ms early, 125 ms late."""

    early_ms: float = 45.0
    late_ms: float = 125.0

    def contains(self, offset_ms: float) -> bool:
        return -self.early_ms <= offset_ms <= self.late_ms


DEFAULT_TOLERANCE = Tolerance()


@dataclass(frozen=True)
class Verdict:
    state: str
    evidence: str
    offset_ms: float | None
    offset_ci_ms: tuple[float, float] | None
    offset_source: str
    repairable: bool
    reasons: tuple[str, ...]
    tolerance: Tolerance
    p_damage: float
    damage: str

    def to_json(self) -> dict:
        def rounded(x):
            return None if x is None or not math.isfinite(x) else round(float(x), 1)

        return {
            "verdict": self.state,
            "evidence": self.evidence,
            "offset_ms": rounded(self.offset_ms),
            "offset_ci_ms": None if self.offset_ci_ms is None else [rounded(x) for x in self.offset_ci_ms],
            "offset_source": self.offset_source,
            "repairable": self.repairable,
            "tolerance_ms": [self.tolerance.early_ms, self.tolerance.late_ms],
            "p_damage": round(self.p_damage, 4),
            "damage": self.damage,
            "reasons": list(self.reasons),
        }
