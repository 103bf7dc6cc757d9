"""What the product says about a clip's sync, and the one rule that decides it.

Three states, because a check that cannot see the sync must not say it is fine:

- ``aligned``: a sync path (a speaking face, or visible events) measured the offset on this
  clip's content, it lies within the tolerance with its whole interval, and no damage was found;
- ``misaligned``: damage was found (noise, a missing stream, a warped frame clock, a delay's
  silence), or the measured offset is outside the tolerance with its whole interval, or a drift
  carries it out. A face that speaks while the sound follows it at no lag (dubbed or swapped
  sound) is not enough: in-sync short clips do that too, so it stays ``unverified``;
- ``unverified``: no damage found, and nothing in the content could show the sync, or the
  measured offset's interval reaches across the tolerance's edge (too close to call).

Damage traces are evidence of damage only: their absence never makes a clip ``aligned``.
Offsets are in milliseconds, positive when the AUDIO is LATE (ffmpeg's adelay makes it so).
The CLI, the app and the benchmarks all read `Verdict`; nothing else compares a probability
with a threshold or an offset with the tolerance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from avcore.errors import AvcoreError

if TYPE_CHECKING:  # the windows module brings OpenCV, which a verdict's reader need not load
    from avcore.sync.windows import WindowResult

DECISION_THRESHOLD = 0.5  # p_misaligned at or above which a model's answer is "damaged"
MIN_REPAIR_MS = 40.0  # one frame at 25 fps: a smaller offset is not worth re-timing the audio
DRIFT_MIN_CHANGE_MS = 40.0  # a drift counts once it moves the sound by a frame over the windows measured

ALIGNED, MISALIGNED, UNVERIFIED = "aligned", "misaligned", "unverified"
STATES = (ALIGNED, MISALIGNED, UNVERIFIED)
EVIDENCE = ("speech", "events", "damage", "none")


@dataclass(frozen=True)
class Tolerance:
    """How far the sound may be off and still count as in sync, in ms.

    The default is ITU-R BT.1359's detectability window: viewers notice sound that leads the
    picture by more than 45 ms, or lags it by more than 125 ms (sound from a distance arrives
    late in life, so late sound is forgiven more).
    """

    early_ms: float = 45.0
    late_ms: float = 125.0

    def __post_init__(self):
        if not (math.isfinite(self.early_ms) and math.isfinite(self.late_ms)) or self.early_ms < 0 or self.late_ms < 0:
            raise AvcoreError("The tolerance needs two finite numbers of milliseconds, 0 or more (e.g. 45,125).")

    def contains(self, offset_ms: float) -> bool:
        return -self.early_ms <= offset_ms <= self.late_ms

    @classmethod
    def parse(cls, text: str) -> Tolerance:
        """From "EARLY,LATE" in ms, as `--tolerance-ms` takes it."""
        try:
            early, late = (float(part) for part in text.split(","))
        except ValueError:
            raise AvcoreError(
                f"The tolerance {text!r} is not two numbers of ms: write EARLY,LATE, e.g. 45,125."
            ) from None
        return cls(early, late)

    def describe(self) -> str:
        return f"sound up to {self.early_ms:.0f} ms early or {self.late_ms:.0f} ms late"


DEFAULT_TOLERANCE = Tolerance()


@dataclass(frozen=True)
class SyncReading:
    """What one sync path read from the content, in a form the decision can weigh.

    `locked`: `offset_ms` passed its path's tests (`SpeechResult.measured`,
    `SyncResult.synchronizable`); `firm`: so clearly that the sound may be re-timed by it
    (`SpeechResult.firm`; an events lock passes all its tests or none). `summary` names what was
    followed, for the reasons ("the face at the left").
    """

    path: str  # "speech" or "events"
    locked: bool
    firm: bool
    offset_ms: float | None
    offset_ci_ms: tuple[float, float] | None
    confidence: float
    reason: str = ""  # why it could not lock, in words for a person
    summary: str = ""


@dataclass(frozen=True)
class Damage:
    """What the forensic detector found in the file itself.

    `p` is its probability that the file was damaged; `kind` names the damage; `delay_ms` is a
    delay read exactly off the file (adelay's leading silence), else None.
    """

    p: float
    kind: str  # "aligned" when nothing was found, else "time_shift", "noise", "mute", "distort"
    reasons: tuple[str, ...] = ()
    delay_ms: float | None = None

    @property
    def found(self) -> bool:
        return self.p >= DECISION_THRESHOLD and self.kind != "aligned"


@dataclass(frozen=True)
class Verdict:
    """The product's answer about one clip; see the module docstring for the three states."""

    state: str
    evidence: str  # what decided it: "speech", "events", "damage" or "none"
    offset_ms: float | None
    offset_ci_ms: tuple[float, float] | None
    offset_source: str  # what measured the offset, in words ("" when nothing did)
    repairable: bool  # the offset is exact enough to re-time the audio by
    reasons: tuple[str, ...]
    tolerance: Tolerance
    p_damage: float
    damage: str  # the detector's damage type, "aligned" when none was found
    confidence: float | None = None  # the deciding sync path's confidence (z-score units)
    track: tuple[WindowResult, ...] = field(default=(), repr=False)  # a long clip's windows
    drift_ms_per_min: float | None = None
    notes: tuple[str, ...] = ()  # what the decode had to say (a long clip cut short)

    def headline(self) -> str:
        """The verdict in plain words, e.g. "the sound is about 180 ms late"."""
        if self.state == UNVERIFIED:
            return "sync not verified: nothing in this clip shows whether sound and picture line up"
        if self.offset_ms is None:
            return "in sync" if self.state == ALIGNED else "sound and picture do not belong together"
        return describe_offset(self.offset_ms) + ("" if self.state == MISALIGNED else ", within tolerance")

    def to_json(self) -> dict:
        """What `score --json` prints (without the path)."""
        return {
            "verdict": self.state,
            "evidence": self.evidence,
            "offset_ms": _round(self.offset_ms),
            "offset_ci_ms": None if self.offset_ci_ms is None else [_round(x) for x in self.offset_ci_ms],
            "offset_source": self.offset_source,
            "repairable": self.repairable,
            "confidence": _round(self.confidence, 2),
            "tolerance_ms": [self.tolerance.early_ms, self.tolerance.late_ms],
            "p_damage": round(self.p_damage, 4),
            "damage": self.damage,
            "drift_ms_per_min": _round(self.drift_ms_per_min),
            "track": [
                {
                    "time_s": round(w.centre_s, 2),
                    "offset_ms": _round(w.offset_ms),
                    "confidence": _round(w.confidence, 2),
                    "measured": w.measured,
                }
                for w in self.track
            ],
            "reasons": list(self.notes) + list(self.reasons),
        }


def _round(x: float | None, digits: int = 1) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), digits)


def describe_offset(offset_ms: float) -> str:
    """ "the sound is about 180 ms late" / "... early"; under 10 ms, "sound and picture line up"."""
    if abs(offset_ms) < 10:
        return "sound and picture line up"
    return f"the sound is about {abs(offset_ms):.0f} ms {'late' if offset_ms > 0 else 'early'}"


def decide(
    damage: Damage,
    readings: list[SyncReading],
    tolerance: Tolerance = DEFAULT_TOLERANCE,
    *,
    track: tuple[WindowResult, ...] = (),
    drift_ms_per_min: float | None = None,
    notes: tuple[str, ...] = (),
) -> Verdict:
    """The verdict from the damage found and the sync paths' readings, surest path first.

    Parameters
    ----------
    damage : what the forensic detector found in the file.
    readings : the sync paths' readings, in order of trust (speech before events): the first
        that locked gives the offset.
    tolerance : the window of offsets that count as in sync.
    track, drift_ms_per_min : a long clip's windows and the drift through them
        (`avcore.sync.windows`); a drift that carries any window outside the tolerance is
        misaligned, and no single re-timing repairs it.

    Returns
    -------
    Verdict
    """
    measured = [w for w in track if w.measured and w.offset_ms is not None]
    span_min = (measured[-1].centre_s - measured[0].centre_s) / 60.0 if measured else 0.0
    drifting = (
        drift_ms_per_min is not None
        and abs(drift_ms_per_min) * span_min >= DRIFT_MIN_CHANGE_MS
        and any(not tolerance.contains(w.offset_ms) for w in measured)
    )
    if drifting and not damage.found:
        worst = max(measured, key=lambda w: abs(w.offset_ms))
        return Verdict(
            state=MISALIGNED,
            evidence="events",
            offset_ms=worst.offset_ms,
            offset_ci_ms=worst.offset_ci_ms,
            offset_source="events, per window",
            repairable=False,
            confidence=worst.confidence,
            reasons=(
                f"the sound drifts by {drift_ms_per_min:+.0f} ms per minute: "
                f"{describe_offset(worst.offset_ms)} at {worst.centre_s:.0f} s (one re-timing cannot fix a drift)",
            ),
            tolerance=tolerance,
            p_damage=damage.p,
            damage=damage.kind,
            track=track,
            drift_ms_per_min=drift_ms_per_min,
            notes=notes,
        )
    locked = next((r for r in readings if r.locked and r.offset_ms is not None), None)
    common = dict(
        tolerance=tolerance,
        p_damage=damage.p,
        damage=damage.kind,
        track=track,
        drift_ms_per_min=drift_ms_per_min,
        notes=notes,
    )
    if locked is not None:
        low, high = locked.offset_ci_ms or (locked.offset_ms, locked.offset_ms)
        inside = tolerance.contains(low) and tolerance.contains(high)
        outside = high < -tolerance.early_ms or low > tolerance.late_ms
        said = f"{describe_offset(locked.offset_ms)}, measured on {locked.summary or locked.path}"
        if inside or outside or damage.found:
            state = MISALIGNED if damage.found or outside else ALIGNED
            said += f" ({'outside' if outside else 'within'} the tolerance: {tolerance.describe()})"
        else:
            # the interval reaches across the tolerance's edge: the measurement cannot say which side
            state = UNVERIFIED
            said += (
                f", but it may lie anywhere from {low:+.0f} to {high:+.0f} ms, across the tolerance's edge "
                f"({tolerance.describe()}): too close to call"
            )
        evidence = "damage" if damage.found and not outside else locked.path if state != UNVERIFIED else "none"
        return Verdict(
            state=state,
            evidence=evidence,
            offset_ms=locked.offset_ms,
            offset_ci_ms=locked.offset_ci_ms,
            offset_source=locked.path,
            repairable=state == MISALIGNED and locked.firm and abs(locked.offset_ms) >= MIN_REPAIR_MS,
            reasons=(said, *(damage.reasons if damage.found else ())),
            confidence=locked.confidence,
            **common,
        )
    if damage.found:
        exact = damage.delay_ms
        return Verdict(
            state=MISALIGNED,
            evidence="damage",
            offset_ms=exact,
            offset_ci_ms=None,
            offset_source="leading silence" if exact is not None else "",
            repairable=exact is not None and abs(exact) >= MIN_REPAIR_MS,
            reasons=damage.reasons + tuple(_unlocked(readings)),
            **common,
        )
    return Verdict(
        state=UNVERIFIED,
        evidence="none",
        offset_ms=None,
        offset_ci_ms=None,
        offset_source="",
        repairable=False,
        reasons=("no damage found in the file", *_unlocked(readings)),
        **common,
    )


def _unlocked(readings: list[SyncReading]) -> list[str]:
    """Why each sync path could not measure the offset."""
    return [f"{r.path}: {r.reason}" for r in readings if not r.locked and r.reason]
