"""How instructions are worded: distances in centimetres, the person's own left and right, screen arrows.

Why person-relative words: "move to your left" is right whatever the screen shows, so the same sentence
serves a mirrored preview, an unmirrored photo and a voice prompt. Only the on-screen arrow depends on
mirroring: in a mirrored preview the person's left is on the screen's left; in an unmirrored frame it is
on the image's right (the person faces the camera).

Distances come from the inter-eye distance in pixels, an average adult inter-pupillary distance of
``AVERAGE_IPD_CM`` and the camera's horizontal field of view (pinhole model, same as the head-pose fit).
"""

from __future__ import annotations

import math

from realtime.face.observation import FaceObservation

AVERAGE_IPD_CM = 6.3
A_LITTLE_CM = 4.0  # below this an amount is "a little"


def camera_distance_cm(face: FaceObservation, fov_deg: float) -> float:
    """Estimated camera-to-eyes distance. The inter-eye distance is corrected for head yaw (foreshortening)."""
    width = face.image_size[0]
    focal = (width / 2.0) / math.tan(math.radians(fov_deg) / 2.0)
    ied = face.inter_eye_px / max(math.cos(math.radians(face.yaw_deg)), 0.5)
    return focal * AVERAGE_IPD_CM / max(ied, 1e-6)


def amount_step(cm: float) -> float:
    """The rounding step for an amount: 5 cm below 50 cm, 10 cm below 150 cm, then 25 cm. The estimate
    itself (from the inter-eye distance) wobbles by a few per cent frame to frame, so a step that grows
    with the amount keeps the wording from flickering between neighbours (the coach adds hysteresis)."""
    cm = abs(cm)
    return 5.0 if cm < 50.0 else 10.0 if cm < 150.0 else 25.0


def rounded(cm: float) -> float:
    """``cm`` rounded to its step (0 for "a little")."""
    cm = abs(cm)
    if cm < A_LITTLE_CM:
        return 0.0
    step = amount_step(cm)
    return max(5.0, round(cm / step) * step)


def amount(cm: float) -> str:
    """"a little" for small amounts, else "about N cm" rounded to its step (see :func:`amount_step`)."""
    value = rounded(cm)
    return "a little" if value == 0.0 else f"about {int(value)} cm"


def px_to_cm(px: float, face: FaceObservation) -> float:
    """A length in the face's plane, from frame pixels to centimetres (by the inter-eye distance)."""
    return px / max(face.inter_eye_px, 1e-6) * AVERAGE_IPD_CM


def other(side: str) -> str:
    return "right" if side == "left" else "left"


def screen_arrow(person_side: str, mirrored: bool) -> str:
    """The screen direction of the person's own ``person_side`` in the preview."""
    return person_side if mirrored else other(person_side)


def move_change_cm(face: FaceObservation, fov_deg: float, scale_now: float, scale_wanted: float) -> float:
    """How far to move (cm, + = closer) so a size proportional to 1/distance goes from ``scale_now`` to
    ``scale_wanted``."""
    distance = camera_distance_cm(face, fov_deg)
    return distance - distance * scale_now / max(scale_wanted, 1e-6)


def move_words(change_cm: float) -> str:
    return f"Move {amount(change_cm)} {'closer' if change_cm > 0 else 'back'}"


def move_distance(face: FaceObservation, fov_deg: float, scale_now: float, scale_wanted: float) -> str:
    """Move closer or back so a size proportional to 1/distance goes from ``scale_now`` to ``scale_wanted``."""
    return move_words(move_change_cm(face, fov_deg, scale_now, scale_wanted))
