"""Where the live booth screen puts its buttons and its countdown: beside the person, never over them.

The live picture fills the canvas above the instruction band. The person's box on the canvas is the union
of their matte (``alpha`` > 0.5) and the profile's crop guide; the columns left and right of it are free.
TAKE PHOTO goes at the bottom of the wider free column (near the hand), EXIT at the top of the other one
(or above TAKE PHOTO when only one column is wide enough), the 3-2-1 disc at the top of the wider column
(near a camera on top of the screen). Someone who fills the frame leaves no column: then the buttons
move into the band and the disc to the band's end, which never covers the picture at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from realtime.sinks.overlay import BAND_HEIGHT, CanvasTransform

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 on the canvas

GAP = 24  # px between a button and the person, the edge of the canvas or another button
TAKE_W, TAKE_H = 300, 130
MIN_TAKE_W = 220  # narrower and "TAKE PHOTO" gets too small to read from a metre away
EXIT_W, EXIT_H = 200, 90
MAX_RADIUS = 150  # the countdown disc
MIN_RADIUS = 70
ALPHA_STEP = 4  # the matte is read every 4th pixel: the box moves by a few pixels at most


@dataclass(frozen=True)
class LiveLayout:
    picture: Rect  # where the live frame may be drawn (above the band)
    band: Rect
    person: Rect  # the person's box on the canvas (matte and crop guide)
    take: Rect
    exit: Rect
    disc: tuple[int, int, int] | None  # centre x, centre y, radius of the countdown; None: in the band
    in_band: bool  # the buttons sit in the band (no free column beside the person)

    @property
    def side(self) -> str | None:
        """Where TAKE PHOTO is: "left", "right", or None (in the band)."""
        if self.in_band:
            return None
        return "right" if self.take[0] > self.person[2] - 1 else "left"


def picture_rect(size: tuple[int, int]) -> Rect:
    return 0, 0, size[0], size[1] - BAND_HEIGHT


def person_box(alpha: np.ndarray | None, crop: tuple[float, float, float, float] | None,
               transform: CanvasTransform, picture: Rect) -> Rect:
    """The person on the canvas: matte and crop guide together; the middle half of the picture when
    neither is known (someone is expected there)."""
    boxes: list[Rect] = []
    if alpha is not None and alpha.ndim == 2 and alpha.size:
        step = ALPHA_STEP
        mask = alpha[::step, ::step] > 0.5
        if mask.any():
            cols, rows = np.flatnonzero(mask.any(axis=0)), np.flatnonzero(mask.any(axis=1))
            fw, fh = transform.frame_size
            sx, sy = fw / alpha.shape[1], fh / alpha.shape[0]  # a matte at another size than the frame
            boxes.append(transform.rect(cols[0] * step * sx, rows[0] * step * sy,
                                        min(alpha.shape[1], (cols[-1] + 1) * step) * sx,
                                        min(alpha.shape[0], (rows[-1] + 1) * step) * sy))
    if crop is not None:
        boxes.append(transform.rect(*crop))
    px0, py0, px1, py1 = picture
    if not boxes:
        w, h = px1 - px0, py1 - py0
        return px0 + w // 4, py0 + h // 8, px1 - w // 4, py1
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    return max(px0, x0), max(py0, y0), min(px1, x1), min(py1, y1)


def intersects(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def live_layout(size: tuple[int, int], person: Rect, prefer: str | None = None) -> LiveLayout:
    """``prefer`` ("left"/"right"): the side TAKE PHOTO was on, kept while its column is still wide enough,
    so the buttons do not jump from side to side as the person moves."""
    width, height = size
    picture = picture_rect(size)
    band = (0, picture[3], width, height)
    left, right = person[0], width - person[2]  # free columns: [0, x0) and [x1, width)
    wide_is_right = right >= left
    if prefer in ("left", "right") and (right if prefer == "right" else left) >= MIN_TAKE_W + 2 * GAP:
        wide_is_right = prefer == "right"
    wide, narrow = (right, left) if wide_is_right else (left, right)
    bottom = picture[3] - GAP
    if wide >= MIN_TAKE_W + 2 * GAP:
        take_w = min(TAKE_W, wide - 2 * GAP)
        tx0 = width - GAP - take_w if wide_is_right else GAP
        take = (tx0, bottom - TAKE_H, tx0 + take_w, bottom)
        if narrow >= EXIT_W + 2 * GAP:  # EXIT top of the other column
            ex0 = GAP if wide_is_right else width - GAP - EXIT_W
        else:  # above TAKE PHOTO, same column
            ex0 = width - GAP - EXIT_W if wide_is_right else GAP
        exit_ = (ex0, GAP, ex0 + EXIT_W, GAP + EXIT_H)
        in_band = False
    else:
        top, low = band[1] + 10, height - 10
        take = (width - GAP - TAKE_W, top, width - GAP, low)
        exit_ = (GAP, top, GAP + EXIT_W, low)
        in_band = True
    radius = min(MAX_RADIUS, (wide - 2 * GAP) // 2, (picture[3] - 2 * GAP) // 2)
    disc = None
    if radius >= MIN_RADIUS:
        column = (person[2], width) if wide_is_right else (0, person[0])
        disc = ((column[0] + column[1]) // 2, GAP + radius, radius)
    return LiveLayout(picture, band, person, take, exit_, disc, in_band)
