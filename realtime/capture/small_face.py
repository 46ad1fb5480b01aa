"""A second look for a face that is small in a still photo (full-body and waist-up shots).

The face analyser's detector misses faces of a few dozen pixels. When it finds no face on a still, the
person is found from the live matte (its bounding box), the head end of that box is cut out as a square,
upscaled so the analyser sees a face of a usable size, and analysed again; the landmarks and every pixel
measure are mapped back to the photo's coordinates. No pixel is invented in the output: the upscaled crop
is only looked at.

A third look uses MediaPipe's body pose (``model_complexity=1``, the model that ships in the wheel; 0 and 2
are downloads): the head is where the pose puts nose, eyes and ears, so a head the matte's box misplaces
(a person bending, arms raised, a second figure) is cut out and looked at the same way. The pose also tells
a person seen from behind: the left shoulder on the image's left and the nose behind the shoulders. Such a
photo is refused as "the person faces away" rather than "no face found", before the upscaled looks (which
found "faces" on the backs of three heads). On the dev segmentation photos
with no face found, the rule matched 18, each a person seen from behind or behind-side by eye, and none
of the 15 first photos with a face (their nose lies 0.24-1.40 in front of the shoulders; the backs' nose
0.14-0.42 behind, in MediaPipe's body-width depth units).
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
HEAD_CROP_EARS = 3.0  # the pose's head crop side, in ear-to-ear (or eye-to-eye x 2) distances
AWAY_DEPTH = 0.1  # nose this far behind the shoulders' mid-depth (pose z units) with the shoulders' order
# reversed = the person faces away
FACES_AWAY = "faces away"


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


def pose_look(pose: Any, image: np.ndarray) -> tuple[tuple[int, int, int] | None, bool]:
    """(square head crop (x0, y0, side) from the body pose or None, the person faces away)."""
    result = pose.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    if not result.pose_landmarks:
        return None, False
    h, w = image.shape[:2]
    marks = result.pose_landmarks.landmark
    # MediaPipe pose indices: 0 nose, 2/5 eyes, 7/8 ears, 11/12 left/right shoulder (the person's).
    head = np.array([(marks[i].x * w, marks[i].y * h) for i in (0, 2, 5, 7, 8)], np.float32)
    nose_z, shoulders_z = marks[0].z, (marks[11].z + marks[12].z) / 2.0
    away = marks[11].x < marks[12].x and nose_z - shoulders_z > AWAY_DEPTH
    span = max(float(np.linalg.norm(head[3] - head[4])), 2.0 * float(np.linalg.norm(head[1] - head[2])))
    side = int(min(max(HEAD_CROP_EARS * span, MIN_PERSON_PX), w, h))
    cx, cy = head.mean(axis=0)
    left = int(np.clip(cx - side / 2, 0, w - side))
    top = int(np.clip(cy - side / 2, 0, h - side))
    return (left, top, side), away


def look_closer(analyzer: Any, image: np.ndarray, left: int, top: int, side: int) -> Any:
    """The face in an upscaled square of the photo, in the photo's pixels, or None."""
    h, w = image.shape[:2]
    scale = LOOK_PX / side
    crop = cv2.resize(image[top:top + side, left:left + side], (LOOK_PX, LOOK_PX), interpolation=cv2.INTER_CUBIC)
    found = analyzer.analyze(np.ascontiguousarray(crop), 0.0)
    return None if found is None else map_back(found, left, top, scale, (w, h))


def find_face(analyzer: Any, image: np.ndarray, live: np.ndarray, pose: Any = None) -> tuple[Any, str]:
    """(face or None, how it was found: "photo", "head crop", "pose head crop", or why not: "none",
    FACES_AWAY). ``pose``: an open MediaPipe Pose (static images) for the third look, or None."""
    face = analyzer.analyze(image, 0.0)
    if face is not None:
        return face, "photo"
    crop, away = pose_look(pose, image) if pose is not None else (None, False)
    if away:  # a face "found" on the back of a head by an upscaled look is a false one
        return None, FACES_AWAY
    box = person_box(live)
    h, w = image.shape[:2]
    for left, top, side in head_crops(box, (w, h)) if box is not None else []:
        if side >= LOOK_PX:
            continue  # the crop is already large: the first look saw it at this size
        found = look_closer(analyzer, image, left, top, side)
        if found is not None:
            return found, "head crop"
    if crop is not None and crop[2] < LOOK_PX:
        found = look_closer(analyzer, image, *crop)
        if found is not None:
            return found, "pose head crop"
    return None, "none"
