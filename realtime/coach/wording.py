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


def amount(cm: float) -> str:
    """"a little" for small amounts, else "about N cm" rounded to 5 cm."""
    cm = abs(cm)
    if cm < A_LITTLE_CM:
        return "a little"
    return f"about {max(5, int(round(cm / 5.0)) * 5)} cm"


def px_to_cm(px: float, face: FaceObservation) -> float:
    """A length in the face's plane, from frame pixels to centimetres (by the inter-eye distance)."""
    return px / max(face.inter_eye_px, 1e-6) * AVERAGE_IPD_CM


def other(side: str) -> str:
    return "right" if side == "left" else "left"


def screen_arrow(person_side: str, mirrored: bool) -> str:
    """The screen direction of the person's own ``person_side`` in the preview."""
    return person_side if mirrored else other(person_side)


def move_distance(face: FaceObservation, fov_deg: float, scale_now: float, scale_wanted: float) -> str:
    """Move closer or back so a size proportional to 1/distance goes from ``scale_now`` to ``scale_wanted``."""
    distance = camera_distance_cm(face, fov_deg)
    target = distance * scale_now / max(scale_wanted, 1e-6)
    change = distance - target
    return f"Move {amount(change)} {'closer' if change > 0 else 'back'}"
