"""One clip in, one `Verdict` out: the analysis step every caller goes through.

The clip is decoded once; its streams go to the forensic cues and to each sync path side by
side, and their readings to `verdict.decide`. The CLI's `score`, `repair`, the app's Check page
and the benchmarks all call `check_clip` (or `Checker.check`), so a verdict means the same
everywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from avcore import media, sync
from avcore.models import detector
from avcore.verdict import DECISION_THRESHOLD, DEFAULT_TOLERANCE, Damage, SyncReading, Tolerance, Verdict, decide


@dataclass(frozen=True)
class Analysis:
    """What was measured on one clip, for the verdict and for the app's plots."""

    clip: detector.ClipAnalysis
    readings: tuple[SyncReading, ...]
    damage: Damage


def events_reading(result: sync.SyncResult) -> SyncReading:
    """The events path's result as the decision reads it."""
    return SyncReading(
        path="events",
        locked=bool(result.synchronizable and result.offset_ms is not None),
        offset_ms=result.offset_ms if result.synchronizable else None,
        offset_ci_ms=None,
        confidence=float(result.confidence),
        reason=result.reason,
        summary="sounds and visible motion",
    )


class Checker:
    """The trained damage detector plus the sync paths; `check` gives a clip's verdict."""

    def __init__(self, model: detector.Detector):
        self.model = model

    def analyse(self, path: str | os.PathLike, *, max_seconds: float = media.DEFAULT_MAX_SECONDS) -> Analysis:
        clip = detector.analyse(path, max_seconds=max_seconds)
        measured = clip.vector()
        probs = self.model.type_probs([measured], traces_only=True)[0]
        p = float(1.0 - probs[0])
        kind = detector.CLASSES[int(np.argmax(probs[1:])) + 1] if p >= DECISION_THRESHOLD else "aligned"
        delay = detector.delay_silence_s(measured)
        damage = Damage(
            p=p,
            kind=kind,
            reasons=tuple(detector.damage_reasons(clip)) if kind != "aligned" else (),
            delay_ms=None if delay is None else 1000.0 * delay,
        )
        return Analysis(clip=clip, readings=(events_reading(clip.sync),), damage=damage)

    @staticmethod
    def decide(analysis: Analysis, tolerance: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        """The verdict from an analysis already made: a new tolerance needs no new decode."""
        return decide(analysis.damage, list(analysis.readings), tolerance, notes=analysis.clip.decoded.notes)

    def check(self, path: str | os.PathLike, tolerance: Tolerance = DEFAULT_TOLERANCE) -> tuple[Verdict, Analysis]:
        analysis = self.analyse(path)
        return self.decide(analysis, tolerance), analysis


@lru_cache(maxsize=1)
def shipped_checker() -> Checker:
    """The checker with the shipped detector, loaded once per process."""
    from avcore.paths import ASSETS

    return Checker(detector.Detector.load(Path(ASSETS) / "models" / "detector.pkl"))


def check_clip(path: str | os.PathLike, tolerance: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
    """The verdict on one clip with the shipped models."""
    return shipped_checker().check(path, tolerance)[0]
