"""Light on the face skin, sharpness of the eyes and busyness of the background, for one frame.

Why a skin mask: eyes, brows, lips and hair are dark or coloured whatever the light is; measuring only
skin (the face oval from the mesh, shrunk by ``OVAL_SHRINK``, minus the eye+brow and mouth regions,
each cut out as its convex hull enlarged by ``CUTOUT_GROW``) makes exposure, evenness and colour
describe the light. The mask is filled with ``cv2.fillPoly`` on a copy of the face shrunk so the face
box is ``WORK_FACE_PX`` wide: a few thousand pixels are plenty for means and shares, and it keeps the
cost flat across camera resolutions.

Measures (``LightingObservation`` fields):

- exposure: mean linear luminance of skin, Y = 0.2126 R + 0.7152 G + 0.0722 B after sRGB decoding
  (reported; it depends on skin tone, so the exposure check reads ``exposure_stops`` instead).
- exposure_stops: stops from a correct exposure, from the eye whites, the skin highlights and clipping
  (``realtime.face.exposure``): the same for a light and a dark face lit alike.
- clipped_dark / clipped_bright: share of skin pixels whose 8-bit sRGB luma (OpenCV gray) is <= 25 /
  >= 247, measured on the shrunk face (tiny specular dots average away; broad clipping does not).
- evenness: min/max of the mean skin luminance on either side of the face midline (a line fitted
  through the mesh midline points), brighter_side names the person's own side.
- backlight: mean linear luminance of the background (matte < 0.5) / the skin-highlight level a
  correctly exposed face would have at this exposure (``HIGHLIGHT_LEVEL * 2 ** exposure_stops``), so a
  dark-skinned face does not make the same wall read brighter; None without a matte.
- lab_a / lab_b: mean CIELAB a*, b* of skin pixels (OpenCV, float input 0..1, D65).
- key light: a first-order spherical-harmonics fit Y = c0 + c . n over visible skin vertices, n the
  canonical face's outward normals in the head frame; the light comes from c. Azimuth = atan2(c_x, -c_z)
  (+ from the person's left, 0 straight in front, relative to where the face points), elevation =
  atan2(-c_y, |c_xz|) (+ from above). A rough direction for coaching, not a photometric measurement.
- sharpness: variance of the Laplacian (3x3, 8-bit gray scale) over the eye band, after resampling the
  band so the inter-eye distance is ``SHARPNESS_IED_PX`` pixels; so a face far away and the same face
  close up read the same when both are in focus (faces with IED below it are enlarged and read softer,
  as they hold less detail). It grows with contrast squared, so compare it within
  similar lighting.
- background_busyness: mean Sobel gradient magnitude (gray 0..1) of the background, matte < 0.5 eroded
  away from the person's outline, on the frame shrunk to ``BACKGROUND_WIDTH`` pixels wide (so it reads
  the same at 720p and 1080p); a plain wall
  reads about 0.00-0.02. None without a matte.
"""

from __future__ import annotations

import math
from dataclasses import replace

import cv2
import numpy as np

from realtime.face import landmarks as lm
from realtime.face.canonical import canonical_face
from realtime.face.detection import halve_until
from realtime.face.exposure import HIGHLIGHT_LEVEL, estimate, eye_white, sclera_pixels
from realtime.face.observation import FaceObservation, LightingObservation
from realtime.face.pose import rotation_from_euler

WORK_FACE_PX = 96  # face box width in the shrunk copy used for the skin mask
CUTOUT_GROW = 1.25  # eye+brow and mouth hulls are enlarged by this about their centre
OVAL_SHRINK = 0.93  # the face oval is shrunk by this to keep hairline and background off the skin
SHARPNESS_IED_PX = 64.0
BACKGROUND_WIDTH = 320
MIN_SKIN_PIXELS = 50
# Eyes open at least this share of the person's own open level show their whites fully (live video: a smile
# or a blink narrows them, and the little white left reads darker: lid shadow and lashes; on dev clip d19 a
# smile took the eye-white cue from -0.45 to -0.93 stop).
WIDE_OPEN = 0.85
VISIBLE_NORMAL_Z = -0.25  # a vertex counts as visible when its normal points this much at the camera
CLIP_DARK, CLIP_BRIGHT = 25, 247
_LUMA_BGR = np.array([0.0722, 0.7152, 0.2126], dtype=np.float32)
_SRGB_TO_LINEAR = np.array(
    [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in np.arange(256) / 255.0],
    dtype=np.float32,
)
_FIX = 2  # fillPoly sub-pixel bits
_MIDLINE = np.array(lm.MIDLINE)
_OVAL = np.array(lm.FACE_OVAL)
_CUTOUTS = [np.array(region) for region in lm.NON_SKIN_REGIONS]


def linear_luminance(image_bgr: np.ndarray) -> np.ndarray:
    """Per-pixel linear luminance 0..1 of a BGR uint8 image (sRGB decoded through a lookup table)."""
    return _SRGB_TO_LINEAR[image_bgr] @ _LUMA_BGR


def skin_mask(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """uint8 mask (1 = skin) for landmarks ``points`` (pixels of an image of ``shape`` (h, w))."""
    mask = np.zeros(shape, dtype=np.uint8)
    scale = float(1 << _FIX)
    oval = points[_OVAL, :2]
    centre = oval.mean(axis=0)
    oval = centre + (oval - centre) * OVAL_SHRINK
    cv2.fillPoly(mask, [np.round(oval * scale).astype(np.int32)], 1, cv2.LINE_8, _FIX)
    for region in _CUTOUTS:
        hull = cv2.convexHull(points[region, :2].astype(np.float32)).reshape(-1, 2)
        centre = hull.mean(axis=0)
        grown = centre + (hull - centre) * CUTOUT_GROW
        cv2.fillPoly(mask, [np.round(grown * scale).astype(np.int32)], 0, cv2.LINE_8, _FIX)
    return mask


def _face_crop(image: np.ndarray, face: FaceObservation) -> tuple[np.ndarray, np.ndarray]:
    """The face box (grown 10%) shrunk to WORK_FACE_PX wide, and the landmarks in its pixels."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = face.face_box
    pad_x, pad_y = 0.1 * (x1 - x0), 0.1 * (y1 - y0)
    ix0, iy0 = max(int(x0 - pad_x), 0), max(int(y0 - pad_y), 0)
    ix1, iy1 = min(int(math.ceil(x1 + pad_x)), w), min(int(math.ceil(y1 + pad_y)), h)
    if ix1 - ix0 < 2 or iy1 - iy0 < 2:
        raise ValueError(f"expected the face box {face.face_box} inside the {w}x{h} frame")
    roi = image[iy0:iy1, ix0:ix1]
    scale = min(1.0, WORK_FACE_PX / max(x1 - x0, 1.0))
    size = (max(int(round((ix1 - ix0) * scale)), 2), max(int(round((iy1 - iy0) * scale)), 2))
    small = cv2.resize(roi, size, interpolation=cv2.INTER_AREA) if scale < 1.0 else roi
    sx, sy = size[0] / (ix1 - ix0), size[1] / (iy1 - iy0)
    pts = (face.landmarks[:, :2] - np.array([ix0, iy0], dtype=np.float32)) * np.array([sx, sy], dtype=np.float32)
    return np.ascontiguousarray(small), pts


def _key_light(face: FaceObservation, pts: np.ndarray, luminance: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    model = canonical_face()
    rotation = rotation_from_euler(face.yaw_deg, face.pitch_deg, face.roll_deg)
    facing = (model.normals @ rotation.T)[:, 2] < VISIBLE_NORMAL_Z
    h, w = mask.shape
    xi = np.round(pts[: lm.NUM_MESH, 0]).astype(np.int64)
    yi = np.round(pts[: lm.NUM_MESH, 1]).astype(np.int64)
    inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
    xi, yi = np.clip(xi, 0, w - 1), np.clip(yi, 0, h - 1)
    use = facing & inside & (mask[yi, xi] > 0)
    if use.sum() < 20:
        return 0.0, 0.0
    normals = model.normals[use]
    design = np.column_stack([np.ones(len(normals)), normals])
    coef = np.linalg.lstsq(design, cv2.blur(luminance, (3, 3))[yi[use], xi[use]], rcond=None)[0]
    cx, cy, cz = coef[1:]
    if math.hypot(cx, cy, cz) < 1e-9:
        return 0.0, 0.0
    return math.degrees(math.atan2(cx, -cz)), math.degrees(math.atan2(-cy, math.hypot(cx, cz)))


def _sharpness(image: np.ndarray, face: FaceObservation) -> float:
    ied = max(face.inter_eye_px, 1.0)
    mx, my = face.eye_mid
    h, w = image.shape[:2]
    x0, x1 = max(int(mx - ied), 0), min(int(math.ceil(mx + ied)), w)
    y0, y1 = max(int(my - 0.45 * ied), 0), min(int(math.ceil(my + 0.45 * ied)), h)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return 0.0
    gray = cv2.cvtColor(image[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY)
    scale = SHARPNESS_IED_PX / ied
    size = (max(int(round((x1 - x0) * scale)), 3), max(int(round((y1 - y0) * scale)), 3))
    gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR)
    return float(cv2.Laplacian(gray.astype(np.float32), cv2.CV_32F).var())


def _background(image: np.ndarray, alpha: np.ndarray, face_level: float) -> tuple[float | None, float | None]:
    small = halve_until(image, 2 * BACKGROUND_WIDTH)  # cheap exact halvings first, then one small resize
    if small.shape[1] > BACKGROUND_WIDTH:
        height = max(int(round(small.shape[0] * BACKGROUND_WIDTH / small.shape[1])), 1)
        small = cv2.resize(small, (BACKGROUND_WIDTH, height), interpolation=cv2.INTER_AREA)
    small_alpha = cv2.resize(alpha, (small.shape[1], small.shape[0]), interpolation=cv2.INTER_NEAREST)
    background = small_alpha < 0.5
    if not background.any():
        return None, None
    backlight = float(linear_luminance(small)[background].mean() / max(face_level, 1e-3))
    away = cv2.erode(background.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    if not away.any():
        return backlight, None
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).astype(np.float32) / 255.0
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    return backlight, float(cv2.magnitude(gx, gy)[away].mean())


def measure_lighting(
    image_bgr: np.ndarray, face: FaceObservation, alpha: np.ndarray | None = None, *,
    remembered_white: float | None = None,
) -> LightingObservation:
    """Measure light on the face of ``face`` in ``image_bgr`` (the frame it was measured on).

    ``alpha`` (float H x W, 1 = person) enables backlight and background busyness. ``remembered_white``:
    the eye-white level of a recent frame with the eyes wide open (live video), used while this frame's
    eyes are narrowed below ``WIDE_OPEN`` of the person's own open level or show too little white: a smile
    or a blink changes what the eyes show, not the light.

    The same as :func:`measure_face_light` then :func:`add_background_light`, which the live loop calls
    apart: the first while the engine is still making the matte, the second once it is there.
    """
    _check_frame(image_bgr, face)
    _check_matte(image_bgr, alpha)
    light = measure_face_light(image_bgr, face, remembered_white=remembered_white)
    return add_background_light(image_bgr, alpha, light) if alpha is not None else light


def _check_frame(image_bgr: np.ndarray, face: FaceObservation) -> None:
    if not isinstance(image_bgr, np.ndarray) or image_bgr.ndim != 3 or image_bgr.dtype != np.uint8:
        found = getattr(image_bgr, "shape", type(image_bgr).__name__)
        raise ValueError(f"expected a BGR uint8 image of shape (H, W, 3), got {found}")
    h, w = image_bgr.shape[:2]
    if (w, h) != tuple(face.image_size):
        raise ValueError(f"expected the frame the face was measured on ({face.image_size}), got {w}x{h}")


def _check_matte(image_bgr: np.ndarray, alpha: np.ndarray | None) -> None:
    h, w = image_bgr.shape[:2]
    if alpha is not None and alpha.shape[:2] != (h, w):
        raise ValueError(f"expected a matte of shape {(h, w)}, got {alpha.shape}")


def add_background_light(image_bgr: np.ndarray, alpha: np.ndarray, light: LightingObservation
                         ) -> LightingObservation:
    """``light`` (from :func:`measure_face_light` on ``image_bgr``) with backlight and background busyness
    measured where the matte ``alpha`` says background."""
    _check_matte(image_bgr, alpha)
    face_level = HIGHLIGHT_LEVEL * 2.0**light.exposure_stops
    backlight, busyness = _background(image_bgr, alpha, face_level)
    return replace(light, backlight=backlight, background_busyness=busyness)


def measure_face_light(image_bgr: np.ndarray, face: FaceObservation, *, remembered_white: float | None = None
                       ) -> LightingObservation:
    """Everything :func:`measure_lighting` measures that needs no matte (backlight and busyness None)."""
    _check_frame(image_bgr, face)
    small, pts = _face_crop(image_bgr, face)
    mask = skin_mask(pts, small.shape[:2])
    skin = mask > 0
    if int(skin.sum()) < MIN_SKIN_PIXELS:
        raise ValueError(f"expected at least {MIN_SKIN_PIXELS} face-skin pixels, found {int(skin.sum())}")
    luminance = linear_luminance(small)
    skin_y = luminance[skin]
    exposure = float(skin_y.mean())
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)[skin]
    clipped_bright = float((gray >= CLIP_BRIGHT).mean())
    opening = min(face.eye_open_left, face.eye_open_right)
    white = eye_white(sclera_pixels(image_bgr, face.landmarks), opening)
    wide = face.eye_open_baseline is None or opening >= WIDE_OPEN * face.eye_open_baseline
    fresh = white is not None and wide
    if remembered_white is not None and not fresh:
        white = remembered_white
    judged = estimate(skin_y, clipped_bright, white)

    slope, intercept = np.polyfit(pts[_MIDLINE, 1], pts[_MIDLINE, 0], 1)
    ys, xs = np.nonzero(skin)
    on_image_right = xs > slope * ys + intercept  # the person's left in an unmirrored frame
    person_left = float(skin_y[on_image_right].mean()) if on_image_right.any() else 0.0
    person_right = float(skin_y[~on_image_right].mean()) if (~on_image_right).any() else 0.0
    brighter = max(person_left, person_right)
    evenness = min(person_left, person_right) / brighter if brighter > 0 else 1.0

    lab = cv2.cvtColor((small[skin].astype(np.float32) / 255.0).reshape(-1, 1, 3), cv2.COLOR_BGR2Lab)
    azimuth, elevation = _key_light(face, pts, luminance, mask)
    return LightingObservation(
        exposure=exposure,
        clipped_dark=float((gray <= CLIP_DARK).mean()),
        clipped_bright=clipped_bright,
        evenness=float(evenness),
        brighter_side="left" if person_left >= person_right else "right",
        backlight=None,
        lab_a=float(lab[:, 0, 1].mean()),
        lab_b=float(lab[:, 0, 2].mean()),
        key_light_azimuth_deg=azimuth,
        key_light_elevation_deg=elevation,
        sharpness=_sharpness(image_bgr, face),
        background_busyness=None,
        exposure_stops=judged.stops,
        eye_white=white,
        eye_white_fresh=fresh,
    )
