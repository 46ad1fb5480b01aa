"""Subtle skin retouch for a saved capture: soften blotches, keep pores, never move a pixel.

Why this recipe: a headshot should look like the person on a good day, not airbrushed. So the filter
works only inside the face-skin mask of the face analyser (the face oval minus eyes, brows and mouth,
feathered), and only on the middle frequencies:

    base    = guided(skin, radius, eps)           edge-preserving: patches whose variance is below eps
                                                  (blotches, shine) flatten, edges above it stay
    texture = skin - gaussian(skin, TEXTURE_SIGMA) the finest detail (pores, hair) of the original
    smooth  = gaussian(base, TEXTURE_SIGMA) + texture
    out     = skin + strength x mask x (smooth - skin)

``strength`` is the profile's ``retouch.strength`` (0.25 in ``professional``; ``id`` turns retouch off:
ID rules forbid altering the face). Geometry is untouched: it is a per-pixel blend, no warping.
Sizes scale with the inter-eye distance, so a far and a near face get the same look.
"""

from __future__ import annotations

import cv2
import numpy as np

from realtime.face.lighting import skin_mask
from realtime.face.observation import FaceObservation

GUIDED_RADIUS_IED = 0.08  # guided filter window radius, in IED (about 8 px at IED 100)
GUIDED_EPS_LEVELS = 24.0  # 8-bit levels: local contrast well above this is an edge and kept (eps = this^2)
TEXTURE_SIGMA_IED = 0.012  # finest detail kept from the original, in IED (about 1.2 px at IED 100)
FEATHER_IED = 0.04  # mask edge softening (Gaussian sigma), in IED; the mask shrinks by 2 sigma first
PAD = 0.15  # face box padding, share of its size


def retouch_skin(image: np.ndarray, face: FaceObservation, strength: float) -> np.ndarray:
    """A retouched copy of ``image`` (BGR uint8); ``image`` itself is not modified."""
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"expected a retouch strength from 0 to 1, got {strength}")
    out = image.copy()
    if strength == 0.0:
        return out
    h, w = image.shape[:2]
    x0, y0, x1, y1 = face.face_box
    px, py = PAD * (x1 - x0), PAD * (y1 - y0)
    ix0, iy0 = max(int(x0 - px), 0), max(int(y0 - py), 0)
    ix1, iy1 = min(int(np.ceil(x1 + px)), w), min(int(np.ceil(y1 + py)), h)
    if ix1 - ix0 < 8 or iy1 - iy0 < 8:
        return out
    roi = image[iy0:iy1, ix0:ix1]
    points = face.landmarks[:, :2] - np.array([ix0, iy0], dtype=np.float32)
    ied = max(face.inter_eye_px, 1.0)
    mask = skin_mask(points, roi.shape[:2]).astype(np.float32)
    feather = max(FEATHER_IED * ied, 1.0)
    # Shrink first, then soften: the soft edge stays inside the skin, so eyes, brows and lips keep
    # every pixel (sharp eyes are what the capture score chose this frame for).
    grow = int(np.ceil(2.0 * feather))
    mask = cv2.erode(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1)))
    mask = cv2.GaussianBlur(mask, (0, 0), feather) * strength

    radius = max(int(round(GUIDED_RADIUS_IED * ied)), 2)
    base = cv2.ximgproc.guidedFilter(roi, roi, radius, GUIDED_EPS_LEVELS**2).astype(np.float32)
    sigma = max(TEXTURE_SIGMA_IED * ied, 0.6)
    original = roi.astype(np.float32)
    texture = original - cv2.GaussianBlur(original, (0, 0), sigma)
    smooth = cv2.GaussianBlur(base, (0, 0), sigma) + texture
    blended = original + mask[..., None] * (smooth - original)
    out[iy0:iy1, ix0:ix1] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    return out
