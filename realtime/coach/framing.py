"""Framing: where the profile's crop goes, and how far the person is from fitting it.

Crop policy (what head size, eye line, headroom and centring mean):

1. The *ideal* crop is built around the face: its height makes the head size (eye-to-chin T / crop
   height) hit the middle of the profile's band and its top puts the eye midpoint at the middle of the
   eye-line band; when the headroom (crown to crop top) would then leave its band, the eye line and,
   if needed, the head size move within their own bands until it fits (a tall hairdo gets a slightly
   smaller head). It is centred on the eye midpoint horizontally.
2. Its height is then limited: never above what fits in the frame at the profile's aspect (the person is
   too close: the head gets too big in the largest crop => "move back"), and never below
   ``crop.min_height_fraction`` of the frame height (the person is too far: a crop that small would be
   low-resolution, so the head gets too small in the smallest allowed crop => "move closer").
3. The crop is then shifted, not resized, to lie inside the frame. A person off to a side or too high or
   low in the frame cannot be centred by the crop, so centring, eye line and headroom go out of band and
   say which way to move or aim the camera.

The checks measure the person inside that crop, so a photo or frame where the ideal crop fits passes
every framing check, and each failure names the one physical change that fixes it.

Crown: the topmost matte pixel above the forehead in a column band at the middle of the face (the run
of person rows that reaches down to the forehead, so a lamp above the head does not count); without a
matte, or when the matte has no person at the forehead, the forehead landmark raised by
``CROWN_FALLBACK_T`` of T. A person run that reaches the frame's top row puts the crown at row 0 (cut
off or touching the edge: no headroom), never at the raised-hands clip below. Shoulders: in matte
rows from the chin to the crop bottom, twice the smaller of the person's left and right extents from
the face centre, over the face width; a value near 1 means the body is no wider than the face on at
least one side (shoulders out of the crop, or turned away).

Coordinates are frame pixels, unmirrored, y down. A matte at another resolution is scaled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from realtime.coach.band import Band
from realtime.face.observation import FaceObservation

if TYPE_CHECKING:
    from realtime.coach.profile import Profile

CROWN_FALLBACK_T = 0.4  # crown above the forehead landmark, in T, when there is no usable matte
CROWN_MAX_ABOVE_FOREHEAD_T = 1.5  # matte crowns higher than this are clipped (raised hands, hats)
CROWN_COLUMNS = 0.5  # share of the face width, centred, searched for the crown in the matte
MATTE_ON = 0.5  # alpha above this counts as person
BAND_INSET = 0.01  # placing the crop top, keep this far (share of crop height) inside the bands
# What the head_size check measures (its ``measure`` key): eye-to-chin T / crop height (the guidelines'
# proxy, default), or chin to crown (with hair) / crop height: the ID rule itself (id profile, 0.70-0.80),
# which a tall hairdo cannot push out of band the way it does T (issue #15).
HEAD_MEASURES = ("eye_to_chin", "chin_to_crown")

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Framing:
    """The crop for one frame and the framing measurements inside it."""

    crop: Box  # x0, y0, x1, y1 in frame pixels, inside the frame
    ideal_crop: tuple[float, float, float, float]  # before limiting and shifting (may leave the frame)
    head_size: float  # T / crop height, or chin to crown / crop height (``chin_to_crown``)
    eye_line: float  # (eye-mid y - crop top) / crop height
    headroom: float  # (crown y - crop top) / crop height; < 0 when the crown is cut off
    centring: float  # (eye-mid x - crop centre x) / IED, + = eyes right of centre in the image
    crown_y: float
    crown_from_matte: bool
    eye_line_y: float  # frame y where the eyes belong in this crop (the preview's guide line)
    shoulders: float | None  # symmetric person width below the chin / face width; None without matte
    limited: str | None  # "frame" (ideal crop too big for the frame), "minimum" (too small), or None


def _mid(band: Band) -> float:
    if band.low is not None and band.high is not None:
        return (band.low + band.high) / 2.0
    return band.low if band.low is not None else (band.high or 0.0)


def find_crown(face: FaceObservation, alpha: np.ndarray | None) -> tuple[float, bool]:
    """Crown y (top of the head with hair) from the matte, else from landmarks; and whether the matte gave it."""
    t = face.eye_to_chin_px
    fallback = face.forehead[1] - CROWN_FALLBACK_T * t
    if alpha is None:
        return fallback, False
    w, h = face.image_size
    ah, aw = alpha.shape[:2]
    sx, sy = aw / w, ah / h
    x0, _, x1, _ = face.face_box
    cx, half = (x0 + x1) / 2.0, (x1 - x0) * CROWN_COLUMNS / 2.0
    c0, c1 = int(max((cx - half) * sx, 0)), int(min((cx + half) * sx + 1, aw))
    fy = int(min(max(face.forehead[1] * sy, 0), ah))
    if c1 <= c0 or fy <= 0:
        return fallback, False
    rows = (alpha[:fy, c0:c1] > MATTE_ON).any(axis=1)
    if not rows[-1]:
        return fallback, False  # no person at the forehead: the matte missed the head
    gaps = np.flatnonzero(~rows)
    if not gaps.size:
        return 0.0, True  # the person reaches the frame's top edge: the crown is at it or cut off
    top = (gaps[-1] + 1) / sy
    return max(top, face.forehead[1] - CROWN_MAX_ABOVE_FOREHEAD_T * t), True


def measure_shoulders(face: FaceObservation, alpha: np.ndarray, bottom_y: float) -> float:
    """Symmetric person width in matte rows from the chin to ``bottom_y``, over the face width (0 if none)."""
    w, h = face.image_size
    ah, aw = alpha.shape[:2]
    sx, sy = aw / w, ah / h
    r0 = int(max(face.chin[1] * sy, 0))
    r1 = int(min(bottom_y * sy, ah))
    if r1 <= r0:
        return 0.0
    person = alpha[r0:r1] > MATTE_ON
    has = person.any(axis=1)
    if not has.any():
        return 0.0
    person = person[has]
    left = np.argmax(person, axis=1)
    # The last person column of each row (every row kept has one) as the largest 1-based column index it
    # covers: argmax over the reversed view costs 0.5 ms a frame at 720p, this 0.1 ms.
    right = (person * np.arange(1, aw + 1, dtype=np.int32)).max(axis=1) - 1
    x0, _, x1, _ = face.face_box
    cx = (x0 + x1) / 2.0 * sx
    face_w = max((x1 - x0) * sx, 1.0)
    half = np.minimum(cx - left, right + 1 - cx)
    return float(max(half.max(), 0.0) * 2.0 / face_w)


def place_crop(
    face: FaceObservation,
    crown_y: float,
    aspect_ratio: float,
    head_size: Band,
    eye_line: Band,
    headroom: Band,
    min_height_fraction: float,
) -> tuple[tuple[float, float, float, float], Box, str | None]:
    """The ideal crop (float, may leave the frame), the crop limited and shifted into the frame, and why
    it was limited ("frame", "minimum" or None). See the module docstring for the policy."""
    fw, fh = face.image_size
    ex, ey = face.eye_mid
    t = max(face.eye_to_chin_px, 1e-6)
    crown_t = (ey - crown_y) / t  # crown above the eyes, in T
    # Aim at the middle half of the eye-line and headroom bands (a crop at a band's edge passes, but looks
    # cramped); when no crop fits those, anywhere in the bands.
    for eye_band, room_band in ((_middle_half(eye_line), _middle_half(headroom)), (eye_line, _inset(headroom))):
        size, eye, found = _choose(crown_t, head_size, eye_band, room_band)
        if found:
            break
    eye_line, headroom = eye_band, room_band
    ideal_h = t / size
    ideal_w = ideal_h * aspect_ratio
    ideal_top = ey - eye * ideal_h
    ideal = (ex - ideal_w / 2.0, ideal_top, ex + ideal_w / 2.0, ideal_top + ideal_h)

    max_h = min(float(fh), fw / aspect_ratio)
    min_h = min(min_height_fraction * fh, max_h)
    limited: str | None = None
    height = ideal_h
    if height > max_h:
        height, limited = max_h, "frame"
    elif height < min_h:
        height, limited = min_h, "minimum"
    if limited:
        eye = _eye_for(t / height, crown_t, eye_line, headroom)
    width = height * aspect_ratio
    left = min(max(ex - width / 2.0, 0.0), fw - width)
    top = min(max(ey - eye * height, 0.0), fh - height)
    w_px, h_px = min(int(round(width)), fw), min(int(round(height)), fh)
    x0, y0 = min(int(round(left)), fw - w_px), min(int(round(top)), fh - h_px)
    return ideal, (x0, y0, x0 + w_px, y0 + h_px), limited


def _middle_half(band: Band) -> Band:
    """The middle half of a closed band (an open band as it is): where a crop is aimed."""
    if band.low is None or band.high is None:
        return band
    quarter = (band.high - band.low) / 4.0
    return Band(band.low + quarter, band.high - quarter, band.close)


def _inset(band: Band) -> Band:
    """The band pulled ``BAND_INSET`` in from each closed end (when it is wide enough), so a crop placed at
    its edge is not tipped out by pixel rounding."""
    if band.low is not None and band.high is not None and band.high - band.low <= 2 * BAND_INSET:
        return band
    return Band(None if band.low is None else band.low + BAND_INSET,
                None if band.high is None else band.high - BAND_INSET, band.close)


def _mid_or(band: Band, fallback: float) -> float:
    return _mid(band) if band.low is not None or band.high is not None else fallback


def _eye_for(size: float, crown_t: float, eye_line: Band, headroom: Band) -> float:
    """Eye line for a given head size: the band's middle, moved within the eye-line band (kept
    ``BAND_INSET`` off its edges) so the headroom ``eye - crown_t * size`` falls in its band if it can."""
    target = _mid_or(eye_line, 0.4)
    lo = max(eye_line.low if eye_line.low is not None else 0.0,
             (headroom.low if headroom.low is not None else -1.0) + crown_t * size)
    hi = min(eye_line.high if eye_line.high is not None else 1.0,
             (headroom.high if headroom.high is not None else 2.0) + crown_t * size)
    if lo + 2 * BAND_INSET <= hi:
        lo, hi = lo + BAND_INSET, hi - BAND_INSET
    return min(max(target, lo), hi) if lo <= hi else target


def _choose(crown_t: float, head_size: Band, eye_line: Band, headroom: Band) -> tuple[float, float, bool]:
    """Head size and eye line for the ideal crop: the bands' middles when the headroom then fits, else
    the head size nearest the middle (in tenth steps across its band) at which an eye line in band gives
    a headroom in band (a tall hairdo wants a slightly smaller head); the middles when none does (and
    False: not found)."""
    target = _mid_or(head_size, 0.35)
    low = head_size.low if head_size.low is not None else target
    high = head_size.high if head_size.high is not None else target
    inset = BAND_INSET * (high - low)
    steps = [target + (high - target) * k / 10.0 for k in range(11)]
    steps += [target - (target - low) * k / 10.0 for k in range(1, 11)]
    for size in sorted(steps, key=lambda v: abs(v - target)):
        size = min(max(size, low + inset), high - inset)
        eye = _eye_for(size, crown_t, eye_line, headroom)
        if headroom.contains(eye - crown_t * size):
            return size, eye, True
    return target, _mid_or(eye_line, 0.4), False


def chin_to_crown(profile: Profile) -> bool:
    """True when the profile's head size is chin to crown (the ID rule), not eye-to-chin T."""
    return profile.check("head_size").params.get("measure", HEAD_MEASURES[0]) == "chin_to_crown"


def head_size_band(face: FaceObservation, crown_y: float, profile: Profile) -> Band:
    """The profile's head-size band in eye-to-chin T per crop height, the unit :func:`place_crop` sizes
    crops in: a chin-to-crown band is scaled by this face's T / (chin - crown)."""
    band = profile.check("head_size").band
    if not chin_to_crown(profile):
        return band
    k = face.eye_to_chin_px / max(face.chin[1] - crown_y, 1e-6)
    return Band(None if band.low is None else band.low * k, None if band.high is None else band.high * k,
                band.close * k)


def compute_framing(face: FaceObservation, alpha: np.ndarray | None, profile: Profile) -> Framing:
    """The profile's crop for this face and the framing measurements inside it."""
    crown_y, from_matte = find_crown(face, alpha)
    eye_band = profile.check("eye_line").band
    ideal, crop, limited = place_crop(
        face, crown_y, profile.crop.aspect_ratio, head_size_band(face, crown_y, profile), eye_band,
        profile.check("headroom").band, profile.crop.min_height_fraction,
    )
    x0, y0, x1, y1 = crop
    height = max(float(y1 - y0), 1.0)
    head = face.chin[1] - crown_y if chin_to_crown(profile) else face.eye_to_chin_px
    headroom_band = profile.check("headroom").band
    crown_t = (face.eye_mid[1] - crown_y) / max(face.eye_to_chin_px, 1e-6)
    ex, ey = face.eye_mid
    shoulders = measure_shoulders(face, alpha, float(y1)) if alpha is not None else None
    return Framing(
        crop=crop,
        ideal_crop=ideal,
        head_size=head / height,
        eye_line=(ey - y0) / height,
        headroom=(crown_y - y0) / height,
        centring=(ex - (x0 + x1) / 2.0) / max(face.inter_eye_px, 1e-6),
        crown_y=crown_y,
        crown_from_matte=from_matte,
        eye_line_y=y0 + _eye_for(face.eye_to_chin_px / height, crown_t, eye_band, _inset(headroom_band)) * height,
        shoulders=shoulders,
        limited=limited,
    )
