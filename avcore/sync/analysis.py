"""The one analysis of a clip (`analyse`): one decode (`decode.measure`) for every path, and what
it measures as one typed record (`Measurements`).

The decode's colour frames go to the speech path's mouth tracker as they are decoded, their small
grey copies to the events path and to the damage cues (`avcore.features.cues`). `Measurements`
holds the events path's numbers and the cues: what the damage detector, the verdict's events
reading and a dataset's feature table read. A feature table stores each clip's measurements as
a row of floats (`Measurements.row`, read back with `Measurements.from_row`); MEASURE_VERSION
keys those tables, so a change of what is measured or how it is stored rebuilds them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import get_type_hints

from avcore.features import cues
from avcore.io import media
from avcore.sync import decode, events, speech
from avcore.sync.mouth import MouthTracker
from avcore.sync.speech import SpeechResult

MEASURE_VERSION = "measure-v9"  # what `analyse` measures; cached tables are keyed on it


@dataclass(frozen=True)
class Measurements:
    """What the analysis measures of one clip: the events path's reading
    (`events.SyncResult.features`, NaN where a value does not exist) and the forensic cues
    (`features.cues.KEYS`). The field names are the feature table's columns."""

    # the events path
    sync_offset_ms: float
    sync_offset_lo_ms: float
    sync_offset_hi_ms: float
    sync_abs_offset_ms: float
    sync_confidence: float
    sync_synchronizable: bool
    sync_peak_corr: float
    sync_zero_lag_corr: float
    sync_peak_minus_zero: float
    sync_peak_z: float
    sync_margin: float
    sync_audio_activity: float
    sync_motion_activity: float
    # the cues
    audio_missing: bool
    audio_rms_dbfs: float
    audio_active_rms_dbfs: float
    audio_peak_dbfs: float
    audio_level_std_db: float
    silence_ratio: float
    leading_silence_s: float
    trailing_silence_s: float
    spectral_flatness: float
    floor_hf_db: float
    floor_hf_flatness: float
    audio_duration_s: float
    video_duration_s: float
    av_duration_diff_s: float
    av_duration_ratio: float
    video_fps: float
    fps_off_standard: float
    frame_interval_cv: float
    irregular_interval_ratio: float
    duplicate_frame_ratio: float
    frame_jump_ratio: float

    @classmethod
    def of(cls, sync: events.SyncResult, clip_cues: Mapping[str, float]) -> Measurements:
        """The record of the events path's result and a decode's cues (`cues.cues`)."""
        return cls.from_row({**sync.features(), **clip_cues})

    def row(self) -> dict[str, float]:
        """The feature table's row: every field as a float (a flag as 0.0 or 1.0)."""
        return {name: float(getattr(self, name)) for name in NAMES}

    @classmethod
    def from_row(cls, row: Mapping[str, float]) -> Measurements:
        """The record of a row with exactly the fields' names (`row`, or the parts `of` joins);
        a flag (stored as 0.0 or 1.0) is read back as a bool, anything else as a float."""
        if set(row) != set(NAMES):
            missing, extra = sorted(set(NAMES) - set(row)), sorted(set(row) - set(NAMES))
            raise ValueError(f"a measurements row lacks {missing} and has unknown {extra}")
        if any(row[name] not in (0, 1) for name in FLAGS):
            raise ValueError(f"a measurements row's flags {sorted(FLAGS)} must be 0 or 1")
        return cls(**{name: bool(row[name]) if name in FLAGS else float(row[name]) for name in NAMES})


NAMES = tuple(f.name for f in fields(Measurements))
FLAGS = frozenset(name for name, kind in get_type_hints(Measurements).items() if kind is bool)


@dataclass(frozen=True)
class ClipAnalysis:
    """Everything measured on one clip; the app draws its plots from this. `speech` is the
    speech path's reading; `measurements` hold the events path and the cues, the damage
    detector's evidence."""

    decoded: media.Decoded
    curves: events.SyncCurves
    sync: events.SyncResult
    measurements: Measurements
    speech: SpeechResult


def analyse(path: str | os.PathLike, *, max_seconds: float = media.DEFAULT_MAX_SECONDS) -> ClipAnalysis:
    """One decode of the clip for every path: its colour frames go to the speech path's mouth
    tracker as they are decoded, their small grey copies to the events path and the cues."""
    tracker = MouthTracker()
    decoded, curves = decode.measure(path, max_seconds=max_seconds, on_colour=tracker.add)
    video = decoded.info.video
    spoken = speech.analyse_tracks(
        tracker.finish(),
        decoded.audio,
        decoded.sr,
        decoded.fps,
        scale=video.width / decode.colour_size(video.width, video.height)[0],
    )
    sync = events.analyse(curves)
    return ClipAnalysis(decoded, curves, sync, Measurements.of(sync, cues.cues(decoded)), spoken)


def measurements_of(path: str) -> Measurements:
    """Module-level so that batch extraction can run it in worker processes."""
    return analyse(path).measurements
