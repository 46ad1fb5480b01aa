"""Plausible observations for coach tests: a frontal face that passes every professional check, and
helpers to change one thing (a field, the position, the scale) or draw a matching person matte."""

from __future__ import annotations

import dataclasses

import numpy as np

from realtime.face.observation import FaceObservation, LightingObservation

FRAME = (1280, 720)
EYE_MID = (640.0, 300.0)
IED = 103.0
T = 180.0  # eye to chin; T / IED ~ 1.75 as on a real face (astronaut: 74 / 42)
FOREHEAD_ABOVE_EYES_T = 0.46  # forehead landmark above the eye line, in T (astronaut: 34 / 74)
FACE_HALF_WIDTH_IED = 1.1


def face(**changes: object) -> FaceObservation:
    """A frontal, well-framed face in a 1280x720 frame; ``changes`` replace fields."""
    ex, ey = EYE_MID
    forehead_y = ey - FOREHEAD_ABOVE_EYES_T * T
    half = FACE_HALF_WIDTH_IED * IED
    landmarks = np.zeros((478, 3), dtype=np.float32)
    landmarks[:, 0] = ex
    landmarks[:, 1] = ey
    base = FaceObservation(
        image_size=FRAME,
        faces=1,
        second_face_ratio=0.0,
        landmarks=landmarks,
        face_box=(ex - half, forehead_y, ex + half, ey + T),
        left_eye=(ex + IED / 2, ey),  # the person's left eye is on the image right (unmirrored)
        right_eye=(ex - IED / 2, ey),
        chin=(ex, ey + T),
        forehead=(ex, forehead_y),
        inter_eye_px=IED,
        eye_to_chin_px=T,
        yaw_deg=1.0,
        pitch_deg=-2.0,
        roll_deg=0.5,
        eye_open_left=0.09,
        eye_open_right=0.088,
        eye_open_baseline=None,
        blinking=False,
        gaze=0.05,
        gaze_x=0.01,
        gaze_y=0.02,
        mouth_open=0.01,
        smile=0.3,
        motion_ied_per_s=0.05,
    )
    return dataclasses.replace(base, **changes)


def lighting(**changes: object) -> LightingObservation:
    """Soft, even, neutral light; no matte measures (backlight and background None)."""
    base = LightingObservation(
        exposure=0.5,
        clipped_dark=0.002,
        clipped_bright=0.001,
        evenness=0.9,
        brighter_side="left",
        backlight=None,
        lab_a=12.0,
        lab_b=18.0,
        key_light_azimuth_deg=3.0,
        key_light_elevation_deg=20.0,
        sharpness=150.0,
        background_busyness=None,
    )
    return dataclasses.replace(base, **changes)


def moved(obs: FaceObservation, dx: float = 0.0, dy: float = 0.0, scale: float = 1.0) -> FaceObservation:
    """The same face moved by (dx, dy) pixels and scaled about its eye midpoint (nearer: scale > 1)."""
    cx, cy = obs.eye_mid

    def p(pt: tuple[float, float]) -> tuple[float, float]:
        return (cx + (pt[0] - cx) * scale + dx, cy + (pt[1] - cy) * scale + dy)

    x0, y0 = p(obs.face_box[:2])
    x1, y1 = p(obs.face_box[2:])
    lm = obs.landmarks.copy()
    lm[:, 0] = cx + (lm[:, 0] - cx) * scale + dx
    lm[:, 1] = cy + (lm[:, 1] - cy) * scale + dy
    return dataclasses.replace(
        obs, landmarks=lm, face_box=(x0, y0, x1, y1), left_eye=p(obs.left_eye), right_eye=p(obs.right_eye),
        chin=p(obs.chin), forehead=p(obs.forehead), inter_eye_px=obs.inter_eye_px * scale,
        eye_to_chin_px=obs.eye_to_chin_px * scale,
    )


def matte(obs: FaceObservation, *, crown_above_eyes_t: float = 0.85, shoulders: bool = True,
          size: tuple[int, int] | None = None) -> np.ndarray:
    """A person matte for ``obs``: a head ellipse from the crown to the chin, a neck, and (optionally)
    shoulders sloping out to three face widths by 0.6 T below the chin. ``size`` = (w, h) renders it smaller."""
    w, h = obs.image_size
    out_w, out_h = size or (w, h)
    sx, sy = out_w / w, out_h / h
    yy, xx = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    xx, yy = xx / sx, yy / sy
    ex, ey = obs.eye_mid
    t = obs.eye_to_chin_px
    x0, _, x1, _ = obs.face_box
    half = (x1 - x0) / 2
    crown = ey - crown_above_eyes_t * t
    chin = obs.chin[1]
    cy, ry = (crown + chin) / 2, (chin - crown) / 2
    alpha = (((xx - ex) / (half * 1.08)) ** 2 + ((yy - cy) / ry) ** 2 <= 1.0).astype(np.float32)
    # Neck, then (optionally) the trapezius sloping out to shoulders 3 face widths wide at 0.6 T below the chin.
    reach = np.clip((yy - (chin + 0.15 * t)) / (0.45 * t), 0.0, 1.0) if shoulders else 0.0
    alpha[(np.abs(xx - ex) < (0.6 + 2.4 * reach) * half) & (yy >= cy)] = 1.0
    return alpha
