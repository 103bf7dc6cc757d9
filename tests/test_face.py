"""Face detection and landmarks (avcore.sync.face): the anchor layout and box decoding on made-up
outputs, and the two models on real frames."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from conftest import MEDIA

from avcore.sync import face

SYNC_MEDIA = MEDIA / "sync"


def test_anchors_follow_the_two_grids():
    a = face.ssd_anchors()
    assert a.shape == (896, 2)
    # stride 8: a 16x16 grid, two anchors per cell, row by row
    assert np.allclose(a[0], [0.5 / 16, 0.5 / 16]) and np.allclose(a[1], a[0])
    assert np.allclose(a[2], [1.5 / 16, 0.5 / 16])
    assert np.allclose(a[32], [0.5 / 16, 1.5 / 16])
    # stride 16: an 8x8 grid with six anchors per cell
    assert np.allclose(a[512:518], [0.5 / 8, 0.5 / 8])
    assert np.allclose(a[518], [1.5 / 8, 0.5 / 8])
    assert np.allclose(a[-1], [7.5 / 8, 7.5 / 8])


def test_decode_boxes_places_box_and_keypoints_and_suppresses_overlaps():
    anchors = face.ssd_anchors()
    reg = np.zeros((896, 16), np.float32)
    logits = np.full(896, -10.0, np.float32)
    j = 600  # an 8x8-grid anchor
    reg[j, :4] = [6.4, -3.2, 32.0, 38.4]  # centre offset and size, input pixels
    reg[j, 4:] = np.tile([-12.8, -12.8], 6)
    logits[j] = 3.0
    reg[j + 1] = reg[j]
    reg[j + 1, :2] += 1.0  # the next anchor of the same cell sees the same face
    logits[j + 1] = 2.0
    found = face.decode_boxes(reg, logits)
    assert len(found) == 1
    d = found[0]
    cx, cy = anchors[j] + [0.05, -0.025]
    assert d.box == pytest.approx((cx - 0.125, cy - 0.15, cx + 0.125, cy + 0.15), abs=1e-6)
    assert np.allclose(d.keypoints, anchors[j] - 0.1)
    assert d.score == pytest.approx(1 / (1 + np.exp(-3.0)), abs=1e-6)


def test_nothing_found_without_confident_anchors():
    assert face.decode_boxes(np.zeros((896, 16), np.float32), np.full(896, -5.0, np.float32)) == []


def test_tall_frames_are_searched_in_tiles():
    assert face._squares(360, 360) == [(0, 0, 360)]
    regions = face._squares(270, 480)
    assert regions[0] == (0, 0, 480)
    tiles = regions[1:]
    assert len(tiles) == 2 and all(side == 270 and x == 0 for x, _, side in tiles)
    assert tiles[0][1] == 0 and tiles[-1][1] + 270 == 480  # the tiles reach both ends


def test_roi_crop_maps_centre_and_eye_line():
    roi = face.Roi(100.0, 80.0, 60.0, np.pi / 2)
    m = roi.to_crop(192)
    assert m @ [100, 80, 1] == pytest.approx([96, 96])
    # a point along the eye line (the roi's x axis, here straight down) lands right of centre
    right = m @ [100, 80 + 30, 1]
    assert right == pytest.approx([192, 96])


def _frame(name: str, size: tuple[int, int], index: int = 10) -> np.ndarray:
    from avcore.io import media

    path = SYNC_MEDIA / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return media.decode(path, 25, size, color=True, max_seconds=1).frames[index]


def test_grid_face_is_found_and_meshed():
    frame = _frame("grid-bbaf2n.mpg", (360, 288))
    found = face.detect(frame)
    assert len(found) == 1
    d = found[0]
    eyes, mouth = d.keypoints[:2], d.keypoints[3]
    assert mouth[1] > eyes[:, 1].max() and eyes[0, 0] < mouth[0] < eyes[1, 0]
    lm = face.landmarks(frame, face.Roi.from_detection(d))
    assert lm.presence > 0.9 and face.plausible(lm)
    # the mesh's mouth corners lie inside the detector's box, about where its mouth point is
    corners = lm.points[[face.MOUTH_RIGHT, face.MOUTH_LEFT], :2]
    assert np.linalg.norm(corners.mean(axis=0) - mouth) < 0.25 * lm.eye_distance
    assert 0 <= face.mouth_opening(lm) < 0.5


def test_small_face_of_a_portrait_clip_is_found():
    frame = _frame("latentsync-1.mp4", (270, 480))
    found = face.detect(frame)
    assert found, "the face of the 9:16 portrait clip was missed"
    x0, y0, x1, y1 = found[0].box
    assert 0.1 * 480 < (y0 + y1) / 2 < 0.6 * 480  # the seated woman's face is in the upper half


def test_a_flat_picture_has_no_face():
    assert face.detect(np.full((240, 320, 3), 128, np.uint8)) == []


def test_threads_share_the_networks_safely():
    frame = _frame("grid-bbaf2n.mpg", (360, 288))
    alone = face.detect(frame)[0].box
    boxes = {}

    def run(k):
        boxes[k] = [face.detect(frame)[0].box for _ in range(5)]

    threads = [threading.Thread(target=run, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(b == alone for runs in boxes.values() for b in runs)
    assert face._nets() is face._nets()
