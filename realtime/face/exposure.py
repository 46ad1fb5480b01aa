"""How far a face is from a correct exposure, in stops, whatever the person's skin tone.

Why not the skin's mean luminance: a correctly exposed dark-skinned face reflects two stops less than
a light-skinned one, about as much as the error we must catch (1.5 stops), and a global exposure change
scales every pixel in linear light alike, so no face-versus-scene ratio can see it either. What does
not depend on skin tone:

- the eye whites (sclera): inside the eyelid contour of the mesh, minus the iris disc (iris radius from
  the refined iris landmarks, grown by ``IRIS_GROW``), the ``SCLERA_PERCENTILE`` of linear luminance
  (the brightest part: lashes, lid shadow and the tear line are darker). Used when both eyes are open
  (``MIN_OPENING``) and at least ``MIN_SCLERA_PX`` pixels are seen;
- the face's own highlights: the ``HIGHLIGHT_PERCENTILE`` of linear skin luminance (forehead, nose and
  cheekbone facing the light, where the surface reflection that all skin shares adds to the diffuse
  colour; it differs across skin tones about half as much as the mean does);
- clipping: a share of skin pixels at 8-bit luma >= 247 of at least ``CLIPPED_OVER`` means the face
  is blown out, however dark the skin.

``stops`` is the mean of the available references, each as log2(measured / its level in correctly
exposed portraits: ``SCLERA_LEVEL``, ``HIGHLIGHT_LEVEL``, medians over the dev portraits of every
skin tone, see docs/QUALITY.md); with a clipped face it is at least ``CLIPPED_STOPS``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from mediapipe.python.solutions import face_mesh_connections as _conn

from realtime.face import landmarks as lm

SCLERA_PERCENTILE = 90.0
HIGHLIGHT_PERCENTILE = 95.0
SCLERA_LEVEL = 0.30  # linear luminance of well-exposed eye whites (90th percentile)
HIGHLIGHT_LEVEL = 0.50  # linear luminance of well-exposed skin highlights (95th percentile)
IRIS_GROW = 1.15
MIN_SCLERA_PX = 30
MIN_OPENING = 0.068  # eyelid opening / inter-eye distance, as features.py measures it (eyes open)
CLIPPED_OVER = 0.05
CLIPPED_STOPS = 1.5
_FIX = 2

_LEFT_LID = np.array(max(lm._loops(_conn.FACEMESH_LEFT_EYE), key=len))
_RIGHT_LID = np.array(max(lm._loops(_conn.FACEMESH_RIGHT_EYE), key=len))
_LEFT_IRIS_RING = np.array([i for i in lm.LEFT_IRIS if i != lm.LEFT_IRIS_CENTRE])
_RIGHT_IRIS_RING = np.array([i for i in lm.RIGHT_IRIS if i != lm.RIGHT_IRIS_CENTRE])


@dataclass(frozen=True)
class Exposure:
    """Stops from a correct exposure (+ over, - under) and the references it came from."""

    stops: float
    sclera: float | None  # linear luminance percentile of the eye whites, None when not seen
    highlight: float  # linear luminance percentile of the face skin


def sclera_pixels(image_bgr: np.ndarray, landmarks_px: np.ndarray) -> np.ndarray:
    """Linear luminance of the eye-white pixels of both eyes (empty when the eyes are too small)."""
    from realtime.face.lighting import linear_luminance

    h, w = image_bgr.shape[:2]
    pts = np.asarray(landmarks_px[:, :2], dtype=np.float64)
    if len(pts) < lm.NUM_LANDMARKS:
        return np.empty(0, dtype=np.float32)
    x0, y0 = np.floor(pts[np.r_[_LEFT_LID, _RIGHT_LID]].min(axis=0)).astype(int) - 2
    x1, y1 = np.ceil(pts[np.r_[_LEFT_LID, _RIGHT_LID]].max(axis=0)).astype(int) + 3
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 - x0 < 3 or y1 - y0 < 2:
        return np.empty(0, dtype=np.float32)
    mask = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
    scale = float(1 << _FIX)
    shift = np.array([x0, y0], dtype=np.float64)
    for lid, ring, centre in ((_LEFT_LID, _LEFT_IRIS_RING, lm.LEFT_IRIS_CENTRE),
                              (_RIGHT_LID, _RIGHT_IRIS_RING, lm.RIGHT_IRIS_CENTRE)):
        cv2.fillPoly(mask, [np.round((pts[lid] - shift) * scale).astype(np.int32)], 1, cv2.LINE_8, _FIX)
        radius = float(np.linalg.norm(pts[ring] - pts[centre], axis=1).mean()) * IRIS_GROW
        c = np.round((pts[centre] - shift) * scale).astype(int)
        cv2.circle(mask, (int(c[0]), int(c[1])), int(round(radius * scale)), 0, -1, cv2.LINE_8, _FIX)
    return linear_luminance(image_bgr[y0:y1, x0:x1])[mask > 0]


def eye_white(sclera: np.ndarray | None, eyes_open: float) -> float | None:
    """The eye-white reference (linear luminance percentile), None when the eyes show too little white."""
    if sclera is None or sclera.size < MIN_SCLERA_PX or eyes_open < MIN_OPENING:
        return None
    return float(np.percentile(sclera, SCLERA_PERCENTILE))


def estimate(skin_luminance: np.ndarray, clipped_bright: float, white: float | None) -> Exposure:
    """Stops from correct from skin luminances (linear), the clipped share and the eye-white level
    (:func:`eye_white` of this frame, or in live video the remembered one while a smile or a blink narrows
    the eyes, which darkens what little white shows: lid shadow, lashes; None when not seen)."""
    highlight = float(np.percentile(skin_luminance, HIGHLIGHT_PERCENTILE))
    cues = [math.log2(max(highlight, 1e-4) / HIGHLIGHT_LEVEL)]
    if white is not None:
        cues.append(math.log2(max(white, 1e-4) / SCLERA_LEVEL))
    stops = float(np.mean(cues))
    if clipped_bright >= CLIPPED_OVER:
        stops = max(stops, CLIPPED_STOPS)
    return Exposure(stops=stops, sclera=white, highlight=highlight)
