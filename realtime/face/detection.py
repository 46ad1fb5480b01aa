"""Counting faces with MediaPipe's full-range face detector, over the whole frame and square tiles.

Why tiles: the detector sees a 192 x 192 input and misses faces smaller than about 14 px there, that is
faces under ~90 px wide in a whole 1280x720 frame. Square tiles along the long side (and, for photos, a
finer grid) let it see a second person further back. Boxes found by several passes are merged.

Live video spreads the passes over frames (one pass per call of ``update``), so the count is complete
after one cycle (3 frames for 16:9) and then always reflects the last cycle; photos run every pass.
"""

from __future__ import annotations

import math

import cv2
import mediapipe as mp
import numpy as np

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in frame pixels

MIN_CONFIDENCE = 0.65  # small patches and logos score up to ~0.62 on the test photo; faces >= 40 px score 0.8+
TILE_OVERLAP = 0.2  # neighbouring tiles overlap by at least this share of their side
LIVE_TILE = 1.0  # tile side / shorter frame side, live video
PHOTO_TILE = 0.6  # tile side / shorter frame side, photos (finer, slower)
MAX_INPUT_SIDE = 400  # passes are halved until at most this (the detector sees 192 px anyway)
_SAME_FACE_IOU = 0.3
_SAME_FACE_GROW = 0.3


def halve_until(image: np.ndarray, max_side: int) -> np.ndarray:
    """Halve (2x2 averaging) until the longer side is at most ``max_side``: OpenCV's exact-half area
    resize is ~15x faster than an arbitrary-factor one, and averaging keeps small detail honest."""
    while max(image.shape[:2]) > max_side and min(image.shape[:2]) >= 2:
        h, w = image.shape[:2]
        image = cv2.resize(image, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    return image


def area(box: Box) -> float:
    return max(box[2] - box[0], 0.0) * max(box[3] - box[1], 0.0)


def _iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = area(a) + area(b) - inter
    return inter / union if union > 0 else 0.0


def merge(boxes: list[Box]) -> list[Box]:
    """One box per face, largest first: a box that overlaps a larger kept one, or whose centre lies in
    it grown by ``_SAME_FACE_GROW`` per side (part of a face cut by a tile edge), is the same face."""
    kept: list[Box] = []
    for box in sorted(boxes, key=area, reverse=True):
        if not any(_same_face(box, k) for k in kept):
            kept.append(box)
    return kept


def _same_face(box: Box, kept: Box) -> bool:
    cx, cy = (box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0
    gx, gy = _SAME_FACE_GROW * (kept[2] - kept[0]), _SAME_FACE_GROW * (kept[3] - kept[1])
    inside = kept[0] - gx <= cx <= kept[2] + gx and kept[1] - gy <= cy <= kept[3] + gy
    return inside or _iou(box, kept) > _SAME_FACE_IOU


def confirmed_by(box: Box, detections: list[Box]) -> bool:
    """True when a confidence-gated detection is the same face as ``box`` (a mesh face's box)."""
    return any(_same_face(box, d) or _same_face(d, box) for d in detections)


def tiles(width: int, height: int, fraction: float) -> list[tuple[int, int, int]]:
    """Square tiles (x0, y0, side) of side ``fraction`` x the shorter side, covering the frame with overlap."""
    side = max(int(min(width, height) * fraction), 1)

    def starts(length: int) -> list[int]:
        if length <= side:
            return [0]
        count = math.ceil((length - side) / ((1.0 - TILE_OVERLAP) * side)) + 1
        return [int(round(v)) for v in np.linspace(0, length - side, count)]

    grid = [(x, y, side) for y in starts(height) for x in starts(width)]
    return [] if grid == [(0, 0, side)] and side >= max(width, height) else grid


class FaceCounter:
    """Full-range face detection over the frame and its tiles; ``boxes`` are the faces seen, largest first."""

    def __init__(self, *, static_images: bool) -> None:
        self.static_images = static_images
        self._detector = mp.solutions.face_detection.FaceDetection(
            model_selection=1, min_detection_confidence=MIN_CONFIDENCE
        )
        self._by_pass: dict[int, list[Box]] = {}
        self._next = 0
        self._size: tuple[int, int] | None = None
        self._closed = False

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._detector.close()

    @property
    def boxes(self) -> list[Box]:
        return merge([b for found in self._by_pass.values() for b in found])

    def _passes(self, width: int, height: int) -> list[tuple[int, int, int] | None]:
        fraction = PHOTO_TILE if self.static_images else LIVE_TILE
        return [None, *tiles(width, height, fraction)]  # None = the whole frame

    def _run(self, image_bgr: np.ndarray, region: tuple[int, int, int] | None) -> list[Box]:
        x0, y0 = (0, 0) if region is None else region[:2]
        sub = image_bgr if region is None else image_bgr[y0 : y0 + region[2], x0 : x0 + region[2]]
        h, w = sub.shape[:2]
        sub = halve_until(sub, MAX_INPUT_SIDE)
        result = self._detector.process(cv2.cvtColor(sub, cv2.COLOR_BGR2RGB))
        found: list[Box] = []
        for det in result.detections or []:
            if det.score and det.score[0] < MIN_CONFIDENCE:  # the graph's own threshold lets some through
                continue
            b = det.location_data.relative_bounding_box
            found.append((x0 + b.xmin * w, y0 + b.ymin * h, x0 + (b.xmin + b.width) * w, y0 + (b.ymin + b.height) * h))
        return found

    def update(self, image_bgr: np.ndarray, *, everything: bool = False) -> list[Box]:
        """Run the next pass (every pass for photos or with ``everything``); return the merged boxes."""
        h, w = image_bgr.shape[:2]
        if self._size != (w, h):
            self._size, self._by_pass, self._next = (w, h), {}, 0
        passes = self._passes(w, h)
        todo = range(len(passes)) if self.static_images or everything else [self._next % len(passes)]
        for index in todo:
            self._by_pass[index] = self._run(image_bgr, passes[index])
        self._next = (todo[-1] + 1) % len(passes)
        return self.boxes
