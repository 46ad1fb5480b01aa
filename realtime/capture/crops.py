"""The three deliverable crops of a capture: square 1:1, vertical 4:5, and the ID photo.

Placement uses the coach's crop policy (:mod:`realtime.coach.framing`), so a saved crop frames the head
the way the live guide did: for square and 4:5 the head size, eye line and headroom come from the
profile's bands (:func:`~realtime.coach.framing.place_crop`), except that a crop never cuts the crown
when moving it up (eyes at most the eye line's "close" margin low) can avoid it; the ID crop puts
chin-to-crown at the middle of ``crop.id_head_fraction`` of its height
(:func:`~realtime.coach.framing.id_crop`). The crown is the matte's (topmost person pixel above the
forehead), else the landmarks' estimate.

Sizes: a crop keeps the camera's own pixels when they reach the profile's minimum (``square_min_px``,
``vertical_min_px``) and is upscaled (Lanczos) only when they do not; the report says so
(``upscaled`` and ``native_px``). The ID photo is always ``id_size_mm`` at ``id_dpi``
(35 x 45 mm at 600 dpi = 827 x 1063 px). DPI written into the files: ``id_dpi`` for the ID photo,
``SCREEN_DPI`` (72, the convention for pictures with no print size) for the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from realtime.coach.framing import id_crop, place_crop
from realtime.face.observation import FaceObservation

SCREEN_DPI = 72
MM_PER_INCH = 25.4

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class CropPlan:
    """Where a crop comes from in the frame and the size it is saved at."""

    name: str  # "square", "vertical", "id"
    box: Box  # x0, y0, x1, y1 in frame pixels
    size: tuple[int, int]  # (width, height) of the saved image
    dpi: int
    upscaled: bool
    purpose: str

    @property
    def native_px(self) -> tuple[int, int]:
        return self.box[2] - self.box[0], self.box[3] - self.box[1]

    def head_fraction(self, crown_y: float, chin_y: float) -> float:
        """Chin to crown as a share of the crop height (the ID rule is 0.70-0.80)."""
        return (chin_y - crown_y) / max(self.box[3] - self.box[1], 1)

    def as_json(self) -> dict[str, Any]:
        return {"box": list(self.box), "size": list(self.size), "dpi": self.dpi, "upscaled": self.upscaled,
                "native_px": list(self.native_px), "purpose": self.purpose}


def id_pixels(size_mm: tuple[float, float], dpi: int) -> tuple[int, int]:
    """Pixel size of a print of ``size_mm`` at ``dpi`` (35 x 45 mm at 600 dpi -> 827 x 1063)."""
    return int(round(size_mm[0] / MM_PER_INCH * dpi)), int(round(size_mm[1] / MM_PER_INCH * dpi))


def _policy_crop(face: FaceObservation, crown_y: float, profile: Any, aspect: float) -> Box:
    eye_line, headroom = profile.check("eye_line").band, profile.check("headroom").band
    _, box, _ = place_crop(
        face, crown_y, aspect, profile.check("head_size").band, eye_line, headroom,
        profile.crop.min_height_fraction,
    )
    return _keep_crown(box, face, crown_y, eye_line, headroom)


def _keep_crown(box: Box, face: FaceObservation, crown_y: float, eye_line: Any, headroom: Any) -> Box:
    """Move a crop up when it still cuts into the hair (the coach's policy found no head size at which
    eye-line and headroom bands both hold): a saved picture with the top of the head cut off is worse
    than eyes a little low, so the headroom's lower edge wins, as far as the eye line's "close" margin
    below its band and the frame allow."""
    x0, y0, x1, y1 = box
    height = y1 - y0
    if headroom.low is None or crown_y - y0 >= headroom.low * height:
        return box
    wanted = crown_y - headroom.low * height
    if eye_line.high is not None:
        wanted = max(wanted, face.eye_mid[1] - (eye_line.high + eye_line.close) * height)
    top = int(round(max(wanted, 0.0)))
    if top >= y0:
        return box
    return x0, top, x1, top + height


def _at_least(native: tuple[int, int], minimum: tuple[int, int], aspect: float) -> tuple[tuple[int, int], bool]:
    """Output size with exactly ``aspect`` (w/h): the native height, raised to reach ``minimum``."""
    height = max(native[1], minimum[1], int(np.ceil(minimum[0] / aspect)))
    upscaled = height > native[1]
    return (int(round(height * aspect)), height), upscaled


def plan_crops(face: FaceObservation, crown_y: float, profile: Any) -> dict[str, CropPlan]:
    """The square, vertical (4:5) and ID crops for one face (boxes inside the frame, output sizes)."""
    plans: dict[str, CropPlan] = {}
    square_box = _policy_crop(face, crown_y, profile, 1.0)
    native = (square_box[2] - square_box[0], square_box[3] - square_box[1])
    side = profile.crop.square_min_px
    size, upscaled = _at_least(native, (side, side), 1.0)
    plans["square"] = CropPlan("square", square_box, size, SCREEN_DPI, upscaled,
                               "profile photo, directories (1:1)")

    vmin = profile.crop.vertical_min_px
    aspect = vmin[0] / vmin[1]
    vertical_box = _policy_crop(face, crown_y, profile, aspect)
    native = (vertical_box[2] - vertical_box[0], vertical_box[3] - vertical_box[1])
    size, upscaled = _at_least(native, vmin, aspect)
    plans["vertical"] = CropPlan("vertical", vertical_box, size, SCREEN_DPI, upscaled,
                                 "resume, bio, casting (4:5)")

    id_box = id_crop(face, crown_y, profile)
    id_size = id_pixels(profile.crop.id_size_mm, profile.crop.id_dpi)
    upscaled = id_size[1] > id_box[3] - id_box[1]
    mm = profile.crop.id_size_mm
    plans["id"] = CropPlan("id", id_box, id_size, profile.crop.id_dpi, upscaled,
                           f"ID photo {mm[0]:g}x{mm[1]:g} mm at {profile.crop.id_dpi} dpi")
    return plans


def render_crop(image: np.ndarray, plan: CropPlan) -> np.ndarray:
    """Cut ``plan.box`` out of ``image`` and resize it to ``plan.size`` (Lanczos up, area down)."""
    x0, y0, x1, y1 = plan.box
    h, w = image.shape[:2]
    if not (0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h):
        raise ValueError(f"expected the {plan.name} crop {plan.box} inside the {w}x{h} frame")
    region = image[y0:y1, x0:x1]
    if (x1 - x0, y1 - y0) == plan.size:
        return np.ascontiguousarray(region)
    shrinking = plan.size[0] < x1 - x0
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LANCZOS4
    return cv2.resize(region, plan.size, interpolation=interpolation)
