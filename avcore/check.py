"""One clip in, one `Verdict` out: the analysis step every caller goes through.

The clip is decoded once; its streams go to the forensic cues and to each sync path side by
side, and their readings to `verdict.decide`. The CLI's `score`, `repair`, the app's Check page
and the benchmarks all call `check_clip` (or `Checker.check`), and `evaluate` decides its
verdicts from the same measurements with `Checker.verdicts`, so a verdict means the same
everywhere.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from avcore.io import media
from avcore.models import detector
from avcore.sync import windows
from avcore.sync.analysis import ClipAnalysis, Measurements, analyse
from avcore.sync.speech import SpeechResult
from avcore.verdict import DECISION_THRESHOLD, DEFAULT_TOLERANCE, Damage, SyncReading, Tolerance, Verdict, decide


@dataclass(frozen=True)
class Analysis:
    """What was measured on one clip, for the verdict and for the app's plots."""

    clip: ClipAnalysis
    readings: tuple[SyncReading, ...]
    damage: Damage
    track: windows.OffsetTrack | None = None  # for a clip longer than one analysis window


def events_reading(m: Measurements, reason: str = "") -> SyncReading:
    """The events path's measurements as the decision reads them."""
    locked = m.sync_synchronizable and math.isfinite(m.sync_offset_ms)
    interval = (m.sync_offset_lo_ms, m.sync_offset_hi_ms)
    return SyncReading(
        path="events",
        locked=locked,
        firm=locked,
        offset_ms=m.sync_offset_ms if locked else None,
        offset_ci_ms=interval if locked and all(map(math.isfinite, interval)) else None,
        confidence=m.sync_confidence,
        reason=reason,
        summary="sounds and visible motion",
    )


def speech_reading(result: SpeechResult) -> list[SyncReading]:
    """The speech path's result as the decision reads it; nothing where no face was followed.

    A face that speaks while no lag agrees is no evidence of mismatch: on the in-sync GRID
    sentences that happens too (short clips, weak locks), so it stays unverified.
    """
    if not result.face_found:
        return []
    locked = bool(result.measured and result.offset_ms is not None)
    where = ""
    if result.face_box is not None:
        x0, y0, x1, y1 = result.face_box
        where = f" at x {x0:.0f}-{x1:.0f}, y {y0:.0f}-{y1:.0f} px"
    return [
        SyncReading(
            path="speech",
            locked=locked,
            firm=locked and result.firm,
            offset_ms=result.offset_ms if locked else None,
            offset_ci_ms=result.offset_ci_ms if locked else None,
            confidence=float(result.confidence),
            reason=result.reason,
            summary=(
                "the speaking face" if result.faces == 1 else f"the face whose mouth agrees best of {result.faces}"
            )
            + where,
        )
    ]


class Checker:
    """The trained damage detector plus the sync paths; `check` gives a clip's verdict."""

    def __init__(self, model: detector.Detector):
        self.model = model

    def damage(self, rows: Sequence[Measurements]) -> list[Damage]:
        """What the file's traces alone say, per clip's measurements."""
        probs = self.model.type_probs(rows, traces_only=True)
        out = []
        for row, prob in zip(rows, probs):
            p = float(1.0 - prob[0])
            found = p >= DECISION_THRESHOLD
            delay = detector.delay_silence_s(row)
            out.append(
                Damage(
                    p=p,
                    kind=detector.CLASSES[int(np.argmax(prob[1:])) + 1] if found else "aligned",
                    reasons=tuple(detector.damage_reasons(row)) if found else (),
                    delay_ms=None if delay is None else 1000.0 * delay,
                )
            )
        return out

    def analyse(self, path: str | os.PathLike, *, max_seconds: float = media.DEFAULT_MAX_SECONDS) -> Analysis:
        clip = analyse(path, max_seconds=max_seconds)
        events = events_reading(clip.measurements, clip.sync.reason)
        track = windows.events_track(clip.curves) if clip.curves.seconds > windows.WINDOW_S else None
        if track is not None and not events.locked and len(track.measured) >= 2:
            # no lag fits the whole clip (a drift smears it), but windows do: their median speaks
            events = dataclasses.replace(
                events,
                locked=True,
                offset_ms=track.offset_ms,
                offset_ci_ms=track.offset_ci_ms,
                summary=f"sounds and visible motion in {len(track.measured)} of {len(track.windows)} windows",
            )
        readings = (*speech_reading(clip.speech), events)
        return Analysis(clip=clip, readings=readings, damage=self.damage([clip.measurements])[0], track=track)

    @staticmethod
    def decide(analysis: Analysis, tolerance: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        """The verdict from an analysis already made: a new tolerance needs no new decode."""
        track = analysis.track
        return decide(
            analysis.damage,
            list(analysis.readings),
            tolerance,
            notes=analysis.clip.decoded.notes,
            track=() if track is None else track.windows,
            drift_ms_per_min=None if track is None else track.drift_ms_per_min,
        )

    def check(self, path: str | os.PathLike, tolerance: Tolerance = DEFAULT_TOLERANCE) -> tuple[Verdict, Analysis]:
        analysis = self.analyse(path)
        return self.decide(analysis, tolerance), analysis

    def verdicts(self, rows: Sequence[Measurements], tolerance: Tolerance = DEFAULT_TOLERANCE) -> list[Verdict]:
        """Verdicts from stored measurements (a dataset's feature table), with no decode."""
        return [decide(d, [events_reading(r)], tolerance) for d, r in zip(self.damage(rows), rows)]


@lru_cache(maxsize=1)
def shipped_checker() -> Checker:
    """The checker with the shipped detector, loaded once per process."""
    from avcore.paths import ASSETS

    return Checker(detector.Detector.load(Path(ASSETS) / "models" / "detector.pkl"))


def check_clip(path: str | os.PathLike, tolerance: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
    """The verdict on one clip with the shipped models."""
    return shipped_checker().check(path, tolerance)[0]
