"""The mouths of the faces in a clip, followed frame by frame as the frames are decoded.

Landmarks on every frame would cost 1 s of CPU for a 10 s clip at 25 fps (3.8 ms a call), more
than decoding it. So the face mesh runs on every LANDMARK_EVERY-th frame only ("key frames"),
which is enough to place the mouth, say how open it is and check that the face is a face; in
between, the mouth's position, size and tilt are interpolated between the two key frames
around each frame and only a small grey patch of the mouth is cut out of every frame. The
speech path's per-frame curves come from those patches (see avcore.sync.speech). The detector runs
every DETECT_EVERY frames, to pick up faces that come into view or were lost; between
detections a face is followed by its own landmarks, as MediaPipe does.

Frames wait in a buffer until the next key frame has placed the mouth, so at most
LANDMARK_EVERY frames are held; what is kept per face and frame is one MOUTH_PATCH patch.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from avcore.sync import face

# key-frame spacing: every 6th frame found as many content shifts as a mesh on every frame
# (72% of 0.3-1.0 s within 80 ms, bench/speech_shifts.py; docs/sync-tuning.md) for 42 mesh
# passes in 10 s of video instead of 250
LANDMARK_EVERY = 6
DETECT_EVERY = 24  # frames; a multiple of LANDMARK_EVERY so that new faces start on key frames
MAX_FACES = 3
MOUTH_PATCH = (32, 24)  # width, height in pixels
# the patch spans this many eye distances across and down, centred on the lips' centre: the
# lips are about 0.6 eye distances wide, and the jaw drops by up to ~0.3 when the mouth opens
PATCH_SPAN = (1.1, 0.8)
SAME_FACE_IOU = 0.3  # a detection overlapping a followed face this much is that face


@dataclass
class MouthTrack:
    """One followed face.

    `patches` (T, h, w) float32 grey mouth patches, one per frame of the clip (NaN outside
    the frames the face was followed in); the key frames' indices `key_frames`, their inner-
    lip opening in eye distances `opening`, mouth width in eye distances `width`, the
    landmark model's presence probability `presence` and whether the mesh is shaped like a
    face `plausible`. `boxes` (K, 4) are the meshes' boxes (x0, y0, x1, y1) in pixels of the
    frames handed in.
    """

    first: int
    key_frames: list[int] = field(default_factory=list)
    opening: list[float] = field(default_factory=list)
    presence: list[float] = field(default_factory=list)
    plausible: list[bool] = field(default_factory=list)
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    transforms: list[np.ndarray] = field(default_factory=list, repr=False)  # frame -> patch, (2, 3)
    patches: np.ndarray | None = field(default=None, repr=False)
    active: bool = True

    @property
    def box(self) -> tuple[float, float, float, float]:
        """The median of the key frames' boxes: where the face is, for a person."""
        return tuple(float(v) for v in np.median(np.array(self.boxes), axis=0))

    def cut(self, a: int, b: int) -> MouthTrack | None:
        """Frames a..b-1 of the track, numbered from 0 (None if no key frame is left): one
        decode serves several cuts of a clip, as content shifts of it."""
        keep = [i for i, k in enumerate(self.key_frames) if a <= k < b]
        if not keep:
            return None
        pick = lambda xs: [xs[i] for i in keep]
        return replace(
            self,
            first=max(self.first - a, 0),
            key_frames=[self.key_frames[i] - a for i in keep],
            opening=pick(self.opening),
            presence=pick(self.presence),
            plausible=pick(self.plausible),
            boxes=pick(self.boxes),
            transforms=pick(self.transforms),
            patches=None if self.patches is None else self.patches[a:b],
        )


def _mouth_transform(lm: face.Landmarks) -> np.ndarray:
    """(4,) centre x, y, scale (eye distance) and angle of the mouth patch of one mesh."""
    p = lm.points[:, :2]
    eyes = p[face.LEFT_EYE_OUTER] - p[face.RIGHT_EYE_OUTER]
    centre = p[[face.MOUTH_LEFT, face.MOUTH_RIGHT, face.UPPER_LIP_TOP, face.LOWER_LIP_BOTTOM]].mean(axis=0)
    return np.array([centre[0], centre[1], lm.eye_distance, np.arctan2(eyes[1], eyes[0])])


def _patch_matrix(params: np.ndarray) -> np.ndarray:
    """Affine from frame pixels to the mouth patch for (centre x, y, eye distance, angle)."""
    cx, cy, eyes, angle = params
    w, h = MOUTH_PATCH
    sx, sy = w / (PATCH_SPAN[0] * eyes), h / (PATCH_SPAN[1] * eyes)
    c, s = np.cos(angle), np.sin(angle)
    rot = np.array([[c, s], [-s, c]])  # frame -> level with the eyes
    lin = np.diag([sx, sy]) @ rot
    return np.hstack([lin, (np.array([w / 2, h / 2]) - lin @ [cx, cy])[:, None]])


class MouthTracker:
    """Hand `add` a clip's frames in order, each RGB frame with its grey copy, then `finish` once.

    Parameters
    ----------
    landmark_every : int
        Key frame spacing in frames (see the module docstring).
    """

    def __init__(self, landmark_every: int = LANDMARK_EVERY):
        self.landmark_every = landmark_every
        self.detect_every = max(DETECT_EVERY // landmark_every, 1) * landmark_every
        self.tracks: list[MouthTrack] = []
        self._rois: dict[int, face.Roi] = {}
        self._buffer: list[np.ndarray] = []  # grey frames since the last key frame
        self._buffer_start = 0
        self._patches: dict[int, list[np.ndarray]] = {}
        self.frames = 0

    def add(self, frames: np.ndarray, grey_frames: np.ndarray) -> None:
        """Follow the faces through the next RGB frames (N, H, W, 3) uint8, with their grey
        copies (N, H, W) uint8 (`media.to_grey`, which the decode makes for every path): a mesh
        on each key frame, a mouth patch cut from every frame once the key frames around it are
        known."""
        for rgb, grey in zip(frames, grey_frames, strict=True):
            i = self.frames
            self.frames += 1
            if i % self.landmark_every:
                self._buffer.append(grey)
                continue
            self._key_frame(i, rgb)
            self._cut(i, grey)

    def _key_frame(self, i: int, rgb: np.ndarray) -> None:
        active = [k for k, t in enumerate(self.tracks) if t.active]
        # not on every key frame while no face is followed: a clip without faces would pay a
        # detection (one to three passes) every few frames for nothing
        if i % self.detect_every == 0:
            self._pick_up_faces(i, rgb, active)
        for k in active:
            self._place_mouth(k, i, rgb)

    def _pick_up_faces(self, i: int, rgb: np.ndarray, active: list[int]) -> None:
        """Follow each face detected in key frame i that no active track follows yet, up to
        MAX_FACES in all; `active` gains the tracks' indices."""
        for d in face.detect(rgb):
            if len(active) >= MAX_FACES:
                break
            if any(_iou(d.box, self._rois[k].box()) > SAME_FACE_IOU for k in active):
                continue
            k = self._track_for(d, i)
            self._rois[k] = face.Roi.from_detection(d)
            active.append(k)

    def _track_for(self, d: face.Detection, i: int) -> int:
        """The track a new detection goes on in: a face found again where one was lost goes on
        in that face's track, so a face the mesh loses now and then does not pile up tracks;
        any other starts a track at key frame i."""
        lost = [
            k for k, t in enumerate(self.tracks) if not t.active and _iou(d.box, self._rois[k].box()) > SAME_FACE_IOU
        ]
        if lost:
            self.tracks[lost[-1]].active = True
            return lost[-1]
        self.tracks.append(MouthTrack(first=i))
        k = len(self.tracks) - 1
        self._patches[k] = [_missing()] * self._buffer_start
        return k

    def _place_mouth(self, k: int, i: int, rgb: np.ndarray) -> None:
        """Track k's mesh on key frame i and what it says of the mouth; a mesh the landmark
        model doubts ends the track's run (a detection may resume it)."""
        track = self.tracks[k]
        lm = face.landmarks(rgb, self._rois[k])
        if lm.presence < face.PRESENCE_MIN:
            track.active = False
            return
        self._rois[k] = face.Roi.from_landmarks(lm)
        track.key_frames.append(i)
        track.opening.append(face.mouth_opening(lm))
        track.presence.append(lm.presence)
        track.plausible.append(face.plausible(lm))
        track.boxes.append(lm.box())
        track.transforms.append(_mouth_transform(lm))

    def _cut(self, i: int, grey: np.ndarray) -> None:
        """Mouth patches of the buffered frames (interpolating each face's mouth between its
        last two key frames) and of key frame i itself; the buffer is then empty."""
        for k, track in enumerate(self.tracks):
            patches = self._patches[k]
            fresh = track.key_frames and track.key_frames[-1] == i
            if fresh and len(track.key_frames) > 1 and track.key_frames[-2] == self._buffer_start - 1:
                a, b = track.transforms[-2], track.transforms[-1]
                for j, frame in enumerate(self._buffer, 1):
                    w = j / (len(self._buffer) + 1)
                    patches.append(self._patch(frame, a + w * _angle_safe(b - a)))
            else:
                # a face that begins at i has no earlier key frame; one lost at i had no later
                # one: the frames in between are not its
                patches.extend([_missing()] * len(self._buffer))
            patches.append(self._patch(grey, track.transforms[-1]) if fresh else _missing())
        self._buffer = []
        self._buffer_start = i + 1

    @staticmethod
    def _patch(grey: np.ndarray, params: np.ndarray) -> np.ndarray:
        return cv2.warpAffine(grey, _patch_matrix(params), MOUTH_PATCH, flags=cv2.INTER_AREA).astype(np.float32)

    def finish(self) -> list[MouthTrack]:
        """The tracks with their patches; frames after the last key frame take its mouth."""
        for k, track in enumerate(self.tracks):
            patches = self._patches[k]
            if track.active and track.key_frames and track.key_frames[-1] == self._buffer_start - 1:
                patches.extend(self._patch(f, track.transforms[-1]) for f in self._buffer)
            else:
                patches.extend([_missing()] * len(self._buffer))
            track.patches = np.stack(patches) if patches else np.zeros((0, *MOUTH_PATCH[::-1]), np.float32)
        self._buffer = []
        return [t for t in self.tracks if t.key_frames]


def _missing() -> np.ndarray:
    """The patch of a frame a face was not followed in."""
    return np.full(MOUTH_PATCH[::-1], np.nan, np.float32)


def _angle_safe(delta: np.ndarray) -> np.ndarray:
    """A transform difference with its angle wrapped into [-pi, pi)."""
    out = delta.copy()
    out[3] = (out[3] + np.pi) % (2 * np.pi) - np.pi
    return out


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0
