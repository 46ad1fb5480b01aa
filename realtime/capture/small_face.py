"""A second look for a face that is small in a still photo (full-body and waist-up shots).

The face analyser's detector misses faces of a few dozen pixels. When it finds no face on a still, the
person is found from the live matte (its bounding box), the head end of that box is cut out as a square,
upscaled so the analyser sees a face of a usable size, and analysed again; the landmarks and every pixel
measure are mapped back to the photo's coordinates. No pixel is invented in the output: the upscaled crop
is only looked at. When there is still no face, the photo is refused as before.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import cv2
import numpy as np

LOOK_PX = 768  # the head crop is resized so its side is this many pixels before the second look
PERSON_ALPHA = 0.5  # live matte above this is the person
HEAD_SHARE = (0.45, 0.8)  # square crop sides tried, as a share of the person box's width (head at the top)
MIN_PERSON_PX = 12  # a person box smaller than this (px) is not looked at again


def person_box(live: np.ndarray) -> tuple[int, int, int, int] | None:
    """Bounding box (x0, y0, x1, y1) of the largest person blob of the live matte, or None."""
    mask = (np.asarray(live) > PERSON_ALPHA).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count < 2:
        return None
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h = (int(v) for v in stats[best, :4])
    if min(w, h) < MIN_PERSON_PX:
        return None
    return x, y, x + w, y + h


def head_crops(box: tuple[int, int, int, int], size: tuple[int, int]) -> list[tuple[int, int, int]]:
    """Square crops (x0, y0, side) over the head end of the person box, in the photo."""
    x0, y0, x1, y1 = box
    w, h = size
    bw, bh = x1 - x0, y1 - y0
    crops = []
    for share in HEAD_SHARE:
        side = int(max(min(share * max(bw, 0.35 * bh), bh, w, h), MIN_PERSON_PX))
        cx = (x0 + x1) // 2
        left = int(np.clip(cx - side // 2, 0, w - side))
        top = int(np.clip(y0 - side // 8, 0, h - side))
        crops.append((left, top, side))
    return crops


def map_back(face: Any, left: int, top: int, scale: float, size: tuple[int, int]) -> Any:
    """The observation of an upscaled crop in the photo's pixels (angles and ratios are scale-free)."""
    points = np.array(face.landmarks, dtype=np.float32, copy=True)
    points /= scale
    points[:, 0] += left
    points[:, 1] += top

    def pt(p: tuple[float, float]) -> tuple[float, float]:
        return (p[0] / scale + left, p[1] / scale + top)

    x0, y0, x1, y1 = face.face_box
    return replace(face, image_size=size, landmarks=points,
                   face_box=(x0 / scale + left, y0 / scale + top, x1 / scale + left, y1 / scale + top),
                   left_eye=pt(face.left_eye), right_eye=pt(face.right_eye), chin=pt(face.chin),
                   forehead=pt(face.forehead), inter_eye_px=face.inter_eye_px / scale,
                   eye_to_chin_px=face.eye_to_chin_px / scale)


def find_face(analyzer: Any, image: np.ndarray, live: np.ndarray) -> tuple[Any, str]:
    """(face or None, how it was found: "photo", "head crop" or "none")."""
    face = analyzer.analyze(image, 0.0)
    if face is not None:
        return face, "photo"
    box = person_box(live)
    if box is None:
        return None, "none"
    h, w = image.shape[:2]
    for left, top, side in head_crops(box, (w, h)):
        scale = LOOK_PX / side
        if scale <= 1.0:
            continue  # the crop is already large: the first look saw it at this size
        crop = cv2.resize(image[top:top + side, left:left + side], (LOOK_PX, LOOK_PX),
                          interpolation=cv2.INTER_CUBIC)
        found = analyzer.analyze(np.ascontiguousarray(crop), 0.0)
        if found is not None:
            return map_back(found, left, top, scale, (w, h)), "head crop"
    return None, "none"
