"""Put a clip's sound back in sync, only when its verdict says the offset is exact enough.

A wrong repair damages a good clip, so anything short of a measured, sizeable offset is refused
with the reason instead of guessed at. The rule for "exact enough" is `Verdict.repairable`, the
same for the CLI and the app.
"""

from __future__ import annotations

import os
from pathlib import Path

from avcore.damage import anomalies
from avcore.errors import AvcoreError
from avcore.io import media
from avcore.verdict import MIN_REPAIR_MS


def repair(src: str | os.PathLike, dst: str | os.PathLike, offset_ms: float | None = None) -> float:
    """Write `dst` with the audio re-timed by the offset (ms, positive: audio late); returns it.

    Give `offset_ms` when a verdict already holds it, so the clip is not decoded and analysed a
    second time; without it the clip is checked here, and refused unless its verdict is
    repairable.
    """
    media.check_output(dst, [src])
    if offset_ms is None:
        offset_ms = _repairable_offset(src)
    if abs(offset_ms) < MIN_REPAIR_MS:
        raise AvcoreError(f"The sound is already in sync (offset {offset_ms:+.0f} ms); nothing to repair.")
    retime(src, dst, -offset_ms)
    return offset_ms


def retime(src: str | os.PathLike, dst: str | os.PathLike, move_ms: float) -> Path:
    """Write `dst` with the sound moved by `move_ms` (> 0: later) and the picture untouched.

    Unlike the time-shift anomaly (adelay lengthens the audio, atrim shortens it: traces the
    detector reads), the sound keeps the picture's length: silence fills what the move opens,
    so a repaired clip shows no damage of its own when it is checked again.
    """
    if move_ms == 0:
        raise AvcoreError("Moving the sound by 0 ms changes nothing; pick an amount.")
    anomalies.check_shift(src, move_ms, "move")
    head = f"adelay={move_ms:.0f}:all=1" if move_ms > 0 else f"atrim=start={-move_ms / 1000:.3f},asetpts=PTS-STARTPTS"
    return media.encode(dst, [["-i", str(src)]], af=f"{head},apad", shortest=True)


def _repairable_offset(src: str | os.PathLike) -> float:
    from avcore.check import check_clip

    verdict = check_clip(src)
    if verdict.repairable:
        return verdict.offset_ms
    if verdict.offset_ms is not None and abs(verdict.offset_ms) < MIN_REPAIR_MS:
        raise AvcoreError(f"The sound is already in sync (offset {verdict.offset_ms:+.0f} ms); nothing to repair.")
    why = "; ".join(verdict.reasons) or "the offset could not be measured"
    raise AvcoreError(f"Cannot repair this clip: {verdict.headline()} ({why}). It was left unchanged.")
