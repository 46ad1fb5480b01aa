"""The pure per-frame evaluation of every check (declared in ``registry``), used for photos and by the coach.

``evaluate_checks`` has no state: one frame (or photo) in, one ``CheckResult`` per check out. Hysteresis,
blinks and the one spoken instruction are the ``Coach``'s job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from realtime.coach.assessment import CheckResult
from realtime.coach.check_base import CheckContext
from realtime.coach.framing import Framing, compute_framing
from realtime.coach.registry import CHECKS, JUDGED_ON
from realtime.coach.wording import camera_distance_cm
from realtime.face.observation import FaceObservation, LightingObservation
from realtime.face.pose import DEFAULT_FOV_DEG

if TYPE_CHECKING:
    from realtime.coach.profile import Profile

# The checks themselves are declared in ``realtime/coach/registry.py``; kept importable from here.
__all__ = ["CHECKS", "JUDGED_ON", "evaluate", "evaluate_checks", "measurements"]


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
    """Every check of the profile's registry on one frame, and the framing (None without a face).
    ``background``: the mode that will be delivered when it differs from the profile's (``--background``,
    a live key)."""
    framing = compute_framing(face, alpha, profile) if face is not None else None
    ctx = CheckContext(face=face, lighting=lighting, framing=framing, profile=profile, mirrored=mirrored,
                       fov_deg=fov_deg, background=background)
    return {spec.name: spec.fn(ctx, profile.check(spec.name)) for spec in profile.registry.values()}, framing


def evaluate_checks(face: FaceObservation | None, lighting: LightingObservation | None, alpha: np.ndarray | None,
                    profile: Profile, **options: Any) -> dict[str, CheckResult]:
    """Every check on one frame or photo, in priority order (``evaluate``'s options). Pure: no hold times,
    no memory."""
    return evaluate(face, lighting, alpha, profile, **options)[0]


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
