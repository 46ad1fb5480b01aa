"""Every guideline check, in priority order, and the pure per-frame evaluation used for photos and by the coach.

``evaluate_checks`` has no state: one frame (or photo) in, one ``CheckResult`` per check out. Hysteresis,
blinks and the one spoken instruction are the ``Coach``'s job.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from realtime.coach import checks_face as face_checks
from realtime.coach import checks_framing as framing_checks
from realtime.coach import checks_light as light_checks
from realtime.coach.assessment import CheckResult
from realtime.coach.check_base import CheckContext
from realtime.coach.framing import Framing, compute_framing
from realtime.coach.profile import CheckSettings, Profile
from realtime.coach.profile_schema import CHECK_ORDER
from realtime.coach.wording import camera_distance_cm
from realtime.face.observation import FaceObservation, LightingObservation
from realtime.face.pose import DEFAULT_FOV_DEG

CheckFn = Callable[[CheckContext, CheckSettings], CheckResult]

# Priority order = the guidelines table, top first (same order as the profile schema).
CHECKS: dict[str, CheckFn] = {
    "one_person": framing_checks.check_one_person,
    "face_found": framing_checks.check_face_found,
    "head_size": framing_checks.check_head_size,
    "horizontal_centring": framing_checks.check_horizontal_centring,
    "eye_line": framing_checks.check_eye_line,
    "headroom": framing_checks.check_headroom,
    "shoulders": framing_checks.check_shoulders,
    "yaw": face_checks.check_yaw,
    "pitch": face_checks.check_pitch,
    "roll": face_checks.check_roll,
    "gaze": face_checks.check_gaze,
    "eyes_open": face_checks.check_eyes_open,
    "expression": face_checks.check_expression,
    "exposure": light_checks.check_exposure,
    "clipping": light_checks.check_clipping,
    "evenness": light_checks.check_evenness,
    "backlight": light_checks.check_backlight,
    "colour_cast": light_checks.check_colour_cast,
    "sharpness": light_checks.check_sharpness,
    "motion": face_checks.check_motion,
    "background": light_checks.check_background,
}
# What each check is judged on: "delivered" = what the studio will hand over (the background decided by
# the background mode in effect: blur or a backdrop hides the room; backlight stops counting when a backdrop
# replaces the room, and blur keeps its light); "camera" = the camera frame as
# grabbed (framing, pose, eyes, gaze, expression, sharpness, motion; light is measured on the frame
# too, with exposure in stops so that a skin tone is never read as bad light).
JUDGED_ON: dict[str, str] = {name: "camera" for name in CHECK_ORDER} | {"background": "delivered",
                                                                       "backlight": "delivered"}

if tuple(CHECKS) != CHECK_ORDER:  # pragma: no cover - a programming error caught at import
    raise RuntimeError(f"check table out of step with the profile schema: {tuple(CHECKS)} vs {CHECK_ORDER}")


def evaluate(
    face: FaceObservation | None,
    lighting: LightingObservation | None,
    alpha: np.ndarray | None,
    profile: Profile,
    *,
    mirrored: bool = False,
    fov_deg: float = DEFAULT_FOV_DEG,
    background: str | None = None,
) -> tuple[dict[str, CheckResult], Framing | None]:
    """Every check on one frame, and the framing (None without a face). ``background``: the mode that will
    be delivered when it differs from the profile's (``--background``, a live key)."""
    framing = compute_framing(face, alpha, profile) if face is not None else None
    ctx = CheckContext(face=face, lighting=lighting, framing=framing, profile=profile, mirrored=mirrored,
                       fov_deg=fov_deg, background=background)
    return {name: fn(ctx, profile.check(name)) for name, fn in CHECKS.items()}, framing


def evaluate_checks(
    face: FaceObservation | None,
    lighting: LightingObservation | None,
    alpha: np.ndarray | None,
    profile: Profile,
    *,
    mirrored: bool = False,
    fov_deg: float = DEFAULT_FOV_DEG,
    background: str | None = None,
) -> dict[str, CheckResult]:
    """Every check on one frame or photo, in priority order. Pure: no hold times, no memory."""
    return evaluate(face, lighting, alpha, profile, mirrored=mirrored, fov_deg=fov_deg, background=background)[0]


def measurements(
    face: FaceObservation | None,
    lighting: LightingObservation | None,
    framing: Framing | None,
    fov_deg: float = DEFAULT_FOV_DEG,
) -> dict[str, float]:
    """Raw measurements for reports (``Assessment.info``, ``headshot check --json``)."""
    out: dict[str, float] = {}
    if face is not None:
        out.update(
            faces=float(face.faces),
            inter_eye_px=face.inter_eye_px,
            eye_to_chin_px=face.eye_to_chin_px,
            yaw_deg=face.yaw_deg,
            pitch_deg=face.pitch_deg,
            roll_deg=face.roll_deg,
            eyes_open=min(face.eye_open_left, face.eye_open_right),
            smile=face.smile,
            mouth_open=face.mouth_open,
            gaze=face.gaze,
            motion_ied_per_s=face.motion_ied_per_s,
            distance_cm=camera_distance_cm(face, fov_deg),
        )
    if lighting is not None:
        out.update(
            exposure=lighting.exposure,
            exposure_stops=lighting.exposure_stops,
            evenness=lighting.evenness,
            clipped_dark=lighting.clipped_dark,
            clipped_bright=lighting.clipped_bright,
            lab_a=lighting.lab_a,
            lab_b=lighting.lab_b,
            key_light_azimuth_deg=lighting.key_light_azimuth_deg,
            key_light_elevation_deg=lighting.key_light_elevation_deg,
            sharpness=lighting.sharpness,
        )
        if lighting.backlight is not None:
            out["backlight"] = lighting.backlight
        if lighting.background_busyness is not None:
            out["background_busyness"] = lighting.background_busyness
    if framing is not None:
        out.update(head_size=framing.head_size, eye_line=framing.eye_line, headroom=framing.headroom,
                   centring_ied=framing.centring, crown_y=framing.crown_y, eye_line_y=framing.eye_line_y)
        if framing.shoulders is not None:
            out["shoulders"] = framing.shoulders
    return {k: float(v) for k, v in out.items()}
