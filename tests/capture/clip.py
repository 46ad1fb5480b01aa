"""A clip made by code from the real photo: a well-placed, still person with a blink and a motion blur
inside the ready stretch, and a source that plays it (every frame in order, 30 fps media time)."""

from __future__ import annotations

import cv2
import numpy as np

from realtime.face import landmarks as lm
from realtime.face.observation import FaceObservation

FPS = 30.0
BLUR_LENGTH_IED = 0.25  # a head moving a quarter of the eye distance during the exposure


def close_eyes(image: np.ndarray, face: FaceObservation) -> np.ndarray:
    """Paint skin over both eyes, with a dark lash line: a closed-eye frame from an open-eye one."""
    out = image.astype(np.float32)
    ied = face.inter_eye_px
    for region, (cx, cy) in ((lm.LEFT_EYE, face.left_eye), (lm.RIGHT_EYE, face.right_eye)):
        points = face.landmarks[list(region), :2]
        hull = cv2.convexHull(points.astype(np.float32)).reshape(-1, 2)
        centre = hull.mean(axis=0)
        hull = centre + (hull - centre) * 1.35
        mask = np.zeros(image.shape[:2], np.float32)
        cv2.fillPoly(mask, [np.round(hull).astype(np.int32)], 1.0, cv2.LINE_AA)
        mask = cv2.GaussianBlur(mask, (0, 0), 0.04 * ied)
        below = image[int(cy + 0.3 * ied): int(cy + 0.45 * ied), int(cx - 0.1 * ied): int(cx + 0.1 * ied)]
        skin = np.median(below.reshape(-1, 3), axis=0).astype(np.float32)
        out = out + mask[..., None] * (skin - out)
        x0, x1 = hull[:, 0].min() + 0.05 * ied, hull[:, 0].max() - 0.05 * ied
        lash = np.zeros(image.shape[:2], np.float32)
        cv2.line(lash, (int(x0), int(cy + 0.03 * ied)), (int(x1), int(cy + 0.03 * ied)), 1.0,
                 max(int(0.025 * ied), 1), cv2.LINE_AA)
        lash = cv2.GaussianBlur(lash, (0, 0), 1.0)
        out = out * (1.0 - 0.6 * lash[..., None])
    return np.clip(out, 0, 255).astype(np.uint8)


def motion_blur(image: np.ndarray, ied: float) -> np.ndarray:
    """A horizontal motion blur over the whole frame (the person moved while the shutter was open)."""
    length = max(int(round(BLUR_LENGTH_IED * ied)), 3)
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0 / length
    return cv2.filter2D(image, -1, kernel, borderType=cv2.BORDER_REFLECT)


def ready_clip(frames: list[np.ndarray], face: FaceObservation, *, blink: range, blur: range) -> list[np.ndarray]:
    """``frames`` (the still person) with a blink on ``blink`` and a motion blur on ``blur``."""
    out = list(frames)
    for i in blink:
        out[i] = close_eyes(frames[i], face)
    for i in blur:
        out[i] = motion_blur(frames[i], face.inter_eye_px)
    return out


