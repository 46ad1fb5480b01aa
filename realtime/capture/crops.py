"""The three deliverable crops of a capture: square 1:1, vertical 4:5, and the ID photo.

Placement uses the coach's crop policy (:mod:`realtime.coach.framing`), so a saved crop frames the head
the way the live guide did: for square and 4:5 the head size, eye line and headroom come from the
profile's bands (:func:`~realtime.coach.framing.place_crop`), except that a crop never cuts the crown
when moving it up (eyes at most the eye line's "close" margin low) can avoid it; the ID crop puts
chin-to-crown at the middle of ``crop.id_head_fraction`` of its height
(:func:`plan_id`). The crown is the matte's (topmost person pixel above the
forehead), else the landmarks' estimate.

Sizes: a crop never invents pixels by default: it is saved at its native size (the frame's own pixels
inside the box), and the report and console say its size and what it is good for (:func:`good_for`).
Only ``upscale=True`` (``--upscale``) resizes a crop below the profile's minimum (``square_min_px``,
``vertical_min_px``, the ID photo's ``id_size_mm`` at ``id_dpi``) up to it, with Lanczos. DPI written
into the files: for the ID photo the density at which its pixels print 35 x 45 mm (``id_dpi`` once
upscaled or when it has that many), ``SCREEN_DPI`` (72, the convention for pictures with no print size)
for the others.

ID photo (:func:`plan_id`): chin to crown is the middle of ``crop.id_head_fraction`` of the height with
``ID_HEADROOM`` of it above the crown. When the backdrop is replaced (``pad_ok``) and the crown is inside
the frame, the box may reach past the frame's top and sides: that part is made from the backdrop
(:func:`render_crop` with ``backdrop``). The crop is refused, with a reason, when the crown is cut off
by the frame's top edge, or when the photo ends too close below the chin for the head to be at most
80% of the height.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from realtime.coach.framing import head_size_band, place_crop
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


def _policy_crop(face: FaceObservation, crown_y: float, profile: Any, aspect: float,
                 min_height_fraction: float | None = None) -> Box:
    eye_line, headroom = profile.check("eye_line").band, profile.check("headroom").band
    _, box, _ = place_crop(
        face, crown_y, aspect, head_size_band(face, crown_y, profile), eye_line, headroom,
        profile.crop.min_height_fraction if min_height_fraction is None else min_height_fraction,
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


ID_HEADROOM = 0.09  # crown to the ID photo's top, share of its height (the id profile's band is 0.06-0.12)
GOOD_SQUARE_PX = 800  # a square this large is good for profile photos everywhere
SMALL_PX = 400  # below this a crop is a thumbnail


class CropRefused(ValueError):
    """A crop that cannot be made honestly from this photo; the message says why and what would."""


def good_for(name: str, size: tuple[int, int], minimum: tuple[int, int], dpi: int | None = None) -> str:
    """What a crop of ``size`` pixels is good for (the console and report say it next to the size)."""
    w, h = size
    if name == "id":
        return (f"ID photo 35x45 mm, prints at {dpi} dpi" + ("" if dpi and dpi >= 300 else
                                                              " (below 300 dpi: may be refused for print)"))
    if w >= minimum[0] and h >= minimum[1]:
        return {"square": "profile photo: LinkedIn, directories, any size",
                "vertical": "resume, bio, casting, print up to about 9x11 cm at 300 dpi"}.get(name, "any use")
    if min(w, h) < SMALL_PX:
        return "thumbnails and chat avatars only (use --upscale or a larger photo for more)"
    return f"screen use up to {w}x{h} px (below the {minimum[0]}x{minimum[1]} ideal; --upscale resizes)"


def _sized(native: tuple[int, int], minimum: tuple[int, int], aspect: float,
           upscale: bool) -> tuple[tuple[int, int], bool]:
    """Output size: native, or (``upscale``) raised to ``minimum`` at exactly ``aspect`` (w/h)."""
    if not upscale:
        return native, False
    height = max(native[1], minimum[1], int(np.ceil(minimum[0] / aspect)))
    upscaled = height > native[1]
    return ((int(round(height * aspect)), height), True) if upscaled else (native, False)


def crown_cut(face: FaceObservation, alpha: np.ndarray | None, crown_y: float) -> bool:
    """True when the head reaches the frame's top edge (the matte has person in the top row above it)."""
    if crown_y > 1.0:
        return False
    if alpha is None:
        return True
    x0, _, x1, _ = face.face_box
    ah, aw = alpha.shape[:2]
    sx = aw / face.image_size[0]
    c0, c1 = int(max(x0 * sx, 0)), int(min(x1 * sx + 1, aw))
    return bool(c1 > c0 and (alpha[0, c0:c1] > 0.5).any())


def plan_id(face: FaceObservation, crown_y: float, profile: Any, *, upscale: bool = False, pad_ok: bool = False,
            cut: bool = False) -> CropPlan:
    """The ID crop (see the module doc); raises :class:`CropRefused` saying why it cannot be made."""
    if cut:
        raise CropRefused("ID photo: the top of the head is cut off by the photo's edge: "
                          "use a photo with room above the head")
    fw, fh = face.image_size
    head = max(face.chin[1] - crown_y, 1.0)
    low, high = profile.crop.id_head_fraction
    width_mm, height_mm = profile.crop.id_size_mm
    aspect = width_mm / height_mm
    height = head / ((low + high) / 2.0)
    room_below = fh - crown_y + ID_HEADROOM * height  # top at crown - headroom: the rows the frame has
    if height > room_below:  # the photo ends too close under the chin: a larger head, down to `high`
        height = max(room_below, head / high)
        if height > room_below + 0.5:
            raise CropRefused("ID photo: the photo ends too close below the chin for a 35x45 mm ID photo: "
                              "use one that shows the neck and shoulders")
    top = crown_y - ID_HEADROOM * height
    width = height * aspect
    left = face.eye_mid[0] - width / 2.0
    if not pad_ok:
        if height > fh or width > fw or top < 0:
            height = min(height, float(fh), fw / aspect)
            width = height * aspect
            top = min(max(crown_y - ID_HEADROOM * height, 0.0), fh - height)
            if head / height > high + 0.005 or top > crown_y:
                raise CropRefused("ID photo: the head is too large in the frame for a 35x45 mm ID photo "
                                  "(chin to crown over 80%): use a photo with more room around the head")
        left = min(max(left, 0.0), fw - width)
    box = (int(round(left)), int(round(top)), int(round(left + width)), int(round(top + height)))
    native = (box[2] - box[0], box[3] - box[1])
    target = id_pixels(profile.crop.id_size_mm, profile.crop.id_dpi)
    size, upscaled = _sized(native, target, aspect, upscale)
    if size[1] > target[1]:
        size = target  # more pixels than the ID photo's print size: scaled down to it
    dpi = int(round(size[1] / (height_mm / MM_PER_INCH)))
    return CropPlan("id", box, size, dpi, upscaled, good_for("id", size, target, dpi))


def plan_crops(face: FaceObservation, crown_y: float, profile: Any, *, upscale: bool = False,
               pad_ok: bool = False, cut: bool = False, min_height_fraction: float | None = None
               ) -> dict[str, CropPlan]:
    """The square, vertical (4:5) and ID crops for one face. Square and vertical lie inside the frame;
    the ID crop may reach past it where ``pad_ok`` (see the module doc) and is left out, not raised,
    when it cannot be made (:func:`plan_id` says why). ``min_height_fraction`` overrides the profile's
    smallest crop (a live "move closer" limit; a photo is cropped to the head whatever its size)."""
    plans: dict[str, CropPlan] = {}
    square_box = _policy_crop(face, crown_y, profile, 1.0, min_height_fraction)
    native = (square_box[2] - square_box[0], square_box[3] - square_box[1])
    side = profile.crop.square_min_px
    size, upscaled = _sized(native, (side, side), 1.0, upscale)
    plans["square"] = CropPlan("square", square_box, size, SCREEN_DPI, upscaled,
                               good_for("square", size, (side, side)))

    vmin = profile.crop.vertical_min_px
    aspect = vmin[0] / vmin[1]
    vertical_box = _policy_crop(face, crown_y, profile, aspect, min_height_fraction)
    native = (vertical_box[2] - vertical_box[0], vertical_box[3] - vertical_box[1])
    size, upscaled = _sized(native, vmin, aspect, upscale)
    plans["vertical"] = CropPlan("vertical", vertical_box, size, SCREEN_DPI, upscaled,
                                 good_for("vertical", size, vmin))
    try:
        plans["id"] = plan_id(face, crown_y, profile, upscale=upscale, pad_ok=pad_ok, cut=cut)
    except CropRefused:
        pass
    return plans


def render_crop(image: np.ndarray, plan: CropPlan, backdrop: tuple[float, float, float] | None = None) -> np.ndarray:
    """Cut ``plan.box`` out of ``image`` and resize it to ``plan.size`` (Lanczos up, area down). A box past
    the frame is allowed only with ``backdrop`` (BGR), which fills what the frame does not hold."""
    x0, y0, x1, y1 = plan.box
    h, w = image.shape[:2]
    inside = 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
    if not inside and (backdrop is None or x1 <= 0 or y1 <= 0 or x0 >= w or y0 >= h):
        raise ValueError(f"expected the {plan.name} crop {plan.box} inside the {w}x{h} frame")
    if inside:
        region = image[y0:y1, x0:x1]
    else:
        region = np.empty((y1 - y0, x1 - x0, 3), np.uint8)
        region[:] = np.clip(np.rint(backdrop), 0, 255).astype(np.uint8)
        cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        region[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0] = image[cy0:cy1, cx0:cx1]
    if (x1 - x0, y1 - y0) == plan.size:
        return np.ascontiguousarray(region)
    shrinking = plan.size[0] < x1 - x0
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LANCZOS4
    return cv2.resize(region, plan.size, interpolation=interpolation)


def id_picture(person: np.ndarray, alpha: np.ndarray, colour: tuple[float, float, float]) -> np.ndarray:
    """The person (float BGR foreground) over the ID photo's uniform ``colour`` by ``alpha``, uint8: the
    picture the ID crop is cut from."""
    a = alpha[..., None]
    return np.clip(np.rint(person * a + np.float32(colour) * (1.0 - a)), 0, 255).astype(np.uint8)

