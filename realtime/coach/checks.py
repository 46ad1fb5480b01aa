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


# Measurements reported under the observation's own field names, in report order.
FACE_FIELDS = ("inter_eye_px", "eye_to_chin_px", "yaw_deg", "pitch_deg", "roll_deg")
EXPRESSION_FIELDS = ("smile", "mouth_open", "gaze", "motion_ied_per_s")
LIGHT_FIELDS = ("exposure", "exposure_stops", "evenness", "clipped_dark", "clipped_bright", "lab_a", "lab_b",
                "key_light_azimuth_deg", "key_light_elevation_deg", "sharpness", "backlight", "background_busyness")
FRAMING_FIELDS = ("head_size", "eye_line", "headroom")


def _fields(obj: object, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


def measurements(
    face: FaceObservation | None,
    lighting: LightingObservation | None,
    framing: Framing | None,
    fov_deg: float = DEFAULT_FOV_DEG,
) -> dict[str, float]:
    """Raw measurements for reports (``Assessment.info``, ``headshot check --json``); the ones that need a
    matte (backlight, background busyness, shoulders) only when it measured them."""
    out: dict[str, Any] = {}
    if face is not None:
        out.update(faces=face.faces, **_fields(face, FACE_FIELDS),
                   eyes_open=min(face.eye_open_left, face.eye_open_right), **_fields(face, EXPRESSION_FIELDS),
                   distance_cm=camera_distance_cm(face, fov_deg))
    if lighting is not None:
        out.update(_fields(lighting, LIGHT_FIELDS))
    if framing is not None:
        out.update(_fields(framing, FRAMING_FIELDS), centring_ied=framing.centring, crown_y=framing.crown_y,
                   eye_line_y=framing.eye_line_y, shoulders=framing.shoulders)
    return {k: float(v) for k, v in out.items() if v is not None}
