"""Faces and their landmarks, with MediaPipe's two TFLite models in assets/face run by OpenCV.

BlazeFace (short range) finds faces in a 128x128 picture; the face-mesh model then places 468
landmarks in a 192x192 crop around each face, rotated so the eyes are level, and says how sure
it is that the crop holds a face. The detector is only good for faces that fill a good part of
its input, so a frame that is far from square is also searched in square tiles along its long
side: the small face of a portrait clip seated in a 9:16 frame is missed in the letterboxed
whole frame and found in its upper tile.

Coordinates are pixels of the frame handed in, x to the right and y down. "Right" and "left"
landmarks are the subject's own (MediaPipe's naming): the right eye is on the image's left.

The networks are loaded once and shared; an OpenCV Net keeps state between setInput and
forward, so a lock keeps two of the app's threads from mixing up their inputs. (One pair
per thread would load them again in every decode: media.decode runs its frame callback in a
thread of its own.)
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from avcore.paths import ASSETS

FACE_MODELS = ASSETS / "face"
DETECTOR_SIZE = 128
LANDMARK_SIZE = 192
# SSD anchor layout of face_detection_short_range (MediaPipe's face_detection graph): four
# layers with strides 8, 16, 16, 16 and two anchors per cell each; the three stride-16 layers
# share one 8x8 grid, so that grid holds six anchors per cell. All anchors are unit-sized.
ANCHOR_STRIDES = (8, 16, 16, 16)
ANCHORS_PER_LAYER = 2
DETECTION_SCORE = 0.5  # MediaPipe's min_score_thresh
NMS_IOU = 0.3  # MediaPipe's min_suppression_threshold
ROI_SCALE = 1.5  # the landmark crop is this many times the detected box (MediaPipe's value)
# the landmark model's own presence logit, squashed; MediaPipe drops a face below 0.5
PRESENCE_MIN = 0.5
TILE_ASPECT = 1.3  # a frame longer than this times its short side is also searched in tiles

# face-mesh landmark indices
RIGHT_EYE_OUTER, LEFT_EYE_OUTER = 33, 263
CHIN = 152
MOUTH_RIGHT, MOUTH_LEFT = 61, 291
UPPER_LIP_TOP, LOWER_LIP_BOTTOM = 0, 17
# inner-lip pairs, upper then lower, from the right corner to the left one
INNER_LIP_PAIRS = ((80, 88), (81, 178), (82, 87), (13, 14), (312, 317), (311, 402), (310, 318))


@dataclass(frozen=True)
class Detection:
    """A face found by BlazeFace: `box` (x0, y0, x1, y1) and its six keypoints (6, 2) (right
    eye, left eye, nose tip, mouth centre, right ear, left ear) in frame pixels."""

    box: tuple[float, float, float, float]
    score: float
    keypoints: np.ndarray


@dataclass(frozen=True)
class Landmarks:
    """468 face-mesh points (468, 3) in frame pixels (z in the same scale, relative to the
    face's centre) and the model's face-presence probability for its crop."""

    points: np.ndarray
    presence: float

    @property
    def eye_distance(self) -> float:
        """Outer eye corners' distance: the face-size unit that mouth measures are divided
        by, so they do not change when the speaker moves towards the camera."""
        return float(np.linalg.norm(self.points[LEFT_EYE_OUTER, :2] - self.points[RIGHT_EYE_OUTER, :2]))

    def box(self) -> tuple[float, float, float, float]:
        x, y = self.points[:, 0], self.points[:, 1]
        return float(x.min()), float(y.min()), float(x.max()), float(y.max())


# ----- networks -----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _nets() -> tuple[cv2.dnn.Net, cv2.dnn.Net]:
    """The detector and landmark networks, loaded once (80 ms). The classic engine: the
    default one drops the detector's second output."""
    load = lambda name: cv2.dnn.readNetFromTFLite(str(FACE_MODELS / name), engine=cv2.dnn.ENGINE_CLASSIC)
    return load("face_detection_short_range.tflite"), load("face_landmark.tflite")


_NET_LOCK = threading.Lock()


def _run(net: cv2.dnn.Net, image: np.ndarray, scale: float, shift: float, outputs: tuple[str, ...]) -> list[np.ndarray]:
    """One float32 NCHW forward pass of an RGB uint8 image mapped to image * scale + shift."""
    blob = np.ascontiguousarray((image.astype(np.float32) * scale + shift).transpose(2, 0, 1)[None])
    with _NET_LOCK:
        net.setInput(blob)
        return net.forward(list(outputs))


# ----- detection ----------------------------------------------------------------------------


def ssd_anchors() -> np.ndarray:
    """(896, 2) anchor centres (x, y) in [0, 1] of the detector's input, in its output order:
    layer by layer, row by row, the anchors of one cell together."""
    centres = []
    stride_layers = {}
    for stride in ANCHOR_STRIDES:
        stride_layers[stride] = stride_layers.get(stride, 0) + 1
    for stride, layers in stride_layers.items():
        cells = DETECTOR_SIZE // stride
        ys, xs = np.meshgrid((np.arange(cells) + 0.5) / cells, (np.arange(cells) + 0.5) / cells, indexing="ij")
        grid = np.stack([xs.ravel(), ys.ravel()], axis=1)
        centres.append(np.repeat(grid, layers * ANCHORS_PER_LAYER, axis=0))
    return np.concatenate(centres).astype(np.float32)


_ANCHORS = ssd_anchors()


def decode_boxes(
    regressors: np.ndarray, logits: np.ndarray, anchors: np.ndarray = _ANCHORS, min_score: float = DETECTION_SCORE
) -> list[Detection]:
    """Detections in [0, 1] input coordinates from the raw outputs (896, 16) and (896,).

    Each regressor row is the box centre offset, width and height, then six keypoints, all in
    input pixels relative to the anchor centre; overlapping boxes are merged by non-maximum
    suppression, keeping the best-scoring one.
    """
    scores = 1.0 / (1.0 + np.exp(-np.clip(logits.reshape(-1), -80, 80)))
    keep = np.flatnonzero(scores >= min_score)
    if not keep.size:
        return []
    raw = regressors.reshape(-1, 16)[keep] / DETECTOR_SIZE
    centre = raw[:, :2] + anchors[keep]
    half = raw[:, 2:4] / 2
    boxes = np.concatenate([centre - half, centre + half], axis=1)
    keypoints = raw[:, 4:].reshape(-1, 6, 2) + anchors[keep][:, None, :]
    xywh = np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], axis=1)
    chosen = cv2.dnn.NMSBoxes(xywh.tolist(), scores[keep].tolist(), min_score, NMS_IOU)
    return [
        Detection(tuple(float(v) for v in boxes[j]), float(scores[keep][j]), keypoints[j])
        for j in np.array(chosen).reshape(-1)
    ]


def _squares(width: int, height: int) -> list[tuple[int, int, int]]:
    """Square regions (x0, y0, side) to search: the whole frame (letterboxed into its long
    side) and, for a frame far from square, tiles of its short side that overlap along the
    long side."""
    regions = [(0, 0, max(width, height))]
    short, long_ = min(width, height), max(width, height)
    if long_ > TILE_ASPECT * short:
        for start in np.linspace(0, long_ - short, math.ceil(long_ / short)).round():
            regions.append((0, int(start), short) if height > width else (int(start), 0, short))
    return regions


def detect(frame: np.ndarray) -> list[Detection]:
    """Faces in an RGB frame (H, W, 3) uint8, from the whole frame and its tiles (see the
    module docstring), in frame pixels, best first."""
    detector = _nets()[0]
    height, width = frame.shape[:2]
    found: list[Detection] = []
    for x0, y0, side in _squares(width, height):
        square = np.zeros((side, side, 3), np.uint8)
        piece = frame[y0 : y0 + side, x0 : x0 + side]
        square[: piece.shape[0], : piece.shape[1]] = piece
        small = cv2.resize(square, (DETECTOR_SIZE, DETECTOR_SIZE), interpolation=cv2.INTER_AREA)
        logits, regressors = _run(detector, small, 2 / 255.0, -1.0, ("classificators", "regressors"))
        for d in decode_boxes(regressors[0], logits[0]):
            box = np.array(d.box) * side + [x0, y0, x0, y0]
            found.append(Detection(tuple(float(v) for v in box), d.score, d.keypoints * side + [x0, y0]))
    return _merge(found)


def _merge(found: list[Detection]) -> list[Detection]:
    """One detection per face across overlapping search regions."""
    if len(found) < 2:
        return found
    xywh = [[d.box[0], d.box[1], d.box[2] - d.box[0], d.box[3] - d.box[1]] for d in found]
    keep = cv2.dnn.NMSBoxes(xywh, [d.score for d in found], 0.0, NMS_IOU)
    return sorted((found[j] for j in np.array(keep).reshape(-1)), key=lambda d: -d.score)


# ----- landmarks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Roi:
    """A rotated square crop: centre (x, y), side and rotation (radians, the eye line's
    angle), in frame pixels."""

    cx: float
    cy: float
    side: float
    angle: float

    @classmethod
    def from_detection(cls, d: Detection) -> Roi:
        eyes = d.keypoints[1] - d.keypoints[0]
        side = max(d.box[2] - d.box[0], d.box[3] - d.box[1]) * ROI_SCALE
        return cls((d.box[0] + d.box[2]) / 2, (d.box[1] + d.box[3]) / 2, side, math.atan2(eyes[1], eyes[0]))

    @classmethod
    def from_landmarks(cls, lm: Landmarks) -> Roi:
        """The crop the next frame's landmarks are searched in: the mesh's box, scaled like a
        detection's (the mesh spans about the detector's box), level with the eyes."""
        eyes = lm.points[LEFT_EYE_OUTER, :2] - lm.points[RIGHT_EYE_OUTER, :2]
        angle = math.atan2(eyes[1], eyes[0])
        c, s = math.cos(-angle), math.sin(-angle)
        xy = lm.points[:, :2]
        centre = xy.mean(axis=0)
        level = (xy - centre) @ np.array([[c, s], [-s, c]])
        lo, hi = level.min(axis=0), level.max(axis=0)
        mid = (lo + hi) / 2 @ np.array([[c, -s], [s, c]]) + centre
        return cls(float(mid[0]), float(mid[1]), float((hi - lo).max() * ROI_SCALE), angle)

    def box(self) -> tuple[float, float, float, float]:
        """The face's box as a detection would give it: the crop without its margin."""
        half = self.side / ROI_SCALE / 2
        return self.cx - half, self.cy - half, self.cx + half, self.cy + half

    def to_crop(self, size: int) -> np.ndarray:
        """2x3 affine from frame pixels to the (size x size) crop."""
        scale = size / self.side
        m = cv2.getRotationMatrix2D((self.cx, self.cy), math.degrees(self.angle), scale)
        m[:, 2] += (size / 2 - self.cx, size / 2 - self.cy)
        return m


def landmarks(frame: np.ndarray, roi: Roi) -> Landmarks:
    """The face mesh of the face in `roi` of an RGB frame (H, W, 3) uint8."""
    m = roi.to_crop(LANDMARK_SIZE)
    crop = cv2.warpAffine(
        frame, m, (LANDMARK_SIZE, LANDMARK_SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT
    )
    presence, mesh = _run(_nets()[1], crop, 1 / 255.0, 0.0, ("conv2d_31", "conv2d_21"))
    pts = mesh.reshape(468, 3).astype(np.float64)
    inv = cv2.invertAffineTransform(m)
    xy = pts[:, :2] @ inv[:, :2].T + inv[:, 2]
    z = pts[:, 2:] * (roi.side / LANDMARK_SIZE)
    logit = float(presence.reshape(-1)[0])
    return Landmarks(np.hstack([xy, z]), 1.0 / (1.0 + math.exp(-np.clip(logit, -50, 50))))


def plausible(lm: Landmarks) -> bool:
    """Whether a mesh is shaped like a face rather than squeezed onto something else (a dog's
    muzzle, a pattern): eyes above the mouth, the mouth about as wide as the eyes are apart
    (0.4-0.8 of it on people) and the chin below it. The landmark model always returns a
    full mesh, so its shape is a second check beside its presence score."""
    p = lm.points[:, :2]
    eyes = lm.eye_distance
    if eyes < 1e-6 or lm.presence < PRESENCE_MIN:
        return False
    angle = math.atan2(*(p[LEFT_EYE_OUTER] - p[RIGHT_EYE_OUTER])[::-1])
    c, s = math.cos(-angle), math.sin(-angle)
    level = (p - p[RIGHT_EYE_OUTER]) @ np.array([[c, s], [-s, c]]) / eyes
    mouth_width = float(np.linalg.norm(level[MOUTH_LEFT] - level[MOUTH_RIGHT]))
    mouth_y = (level[MOUTH_LEFT, 1] + level[MOUTH_RIGHT, 1]) / 2
    return bool(0.3 < mouth_width < 0.95 and 0.5 < mouth_y < 1.6 and level[CHIN, 1] > mouth_y)


def mouth_opening(lm: Landmarks) -> float:
    """Mean gap between the inner lips over the middle of the mouth, in eye distances."""
    p = lm.points[:, :2]
    upper = p[[a for a, _ in INNER_LIP_PAIRS]]
    lower = p[[b for _, b in INNER_LIP_PAIRS]]
    return float(np.linalg.norm(lower - upper, axis=1).mean() / max(lm.eye_distance, 1e-6))
