"""The live booth screens, coaching and the 3-2-1 countdown: the mirror with the crop guide, one line of
words in a band under the picture, the buttons beside the person (:mod:`realtime.booth.layout`) and, during
the countdown, a big solid digit in a white disc beside the person, near the top where a camera sits.

During the countdown the band says only "Hold still" (and, on the last second, "Eyes open"): the capture
picks its frame from the countdown's last moment, so "move closer" or an arrow then would spoil the photo.
The coach is asked to keep quiet too (``Coach.quiet_until``, wired by the booth command), but what the
screen shows is decided here, whatever the coach says.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

from realtime.booth.layout import LiveLayout, live_layout, person_box, picture_rect
from realtime.booth.machine import Press, State
from realtime.booth.widgets import DARK, Button, draw_button
from realtime.sinks.overlay import (
    BAND,
    CLOSE,
    FONT,
    LINE,
    PASS,
    WHITE,
    centred_text,
    draw_arrow,
    draw_guide,
    draw_idle,
    fit_frame,
    instruction_arrow,
)

if TYPE_CHECKING:
    from realtime.booth.screens import BoothView
    from realtime.coach.assessment import Assessment

DIGIT = (20, 20, 20)  # near black on the white disc: the highest contrast there is
EXIT_GREY = (80, 80, 80)


def coaching_words(assessment: Assessment | None) -> str:
    """The coach's one instruction; while it holds its words (a check has not failed long enough to be
    worth saying), a calm line instead of the preview's "Adjusting..." that tells a person nothing."""
    if assessment is None:
        return "No face yet: step into the frame"
    if assessment.ready:
        return "Ready: hold still"
    if assessment.instruction:
        return assessment.instruction
    return "Looking good: hold still" if assessment.all_passed else "Checking your picture..."


def countdown_words(digit: int) -> str:
    """Nothing to change, only to keep: hold still, and on the last second a blink reminder."""
    return "Eyes open, hold still" if digit <= 1 else "Hold still"


def draw_countdown(canvas: np.ndarray, digit: int, centre: tuple[int, int], radius: int) -> None:
    """A filled white disc in a green ring with the digit in heavy near-black strokes, ~1.2 radius tall."""
    cx, cy = centre
    cv2.circle(canvas, (cx, cy), radius + 8, PASS, -1, LINE)
    cv2.circle(canvas, (cx, cy), radius, WHITE, -1, LINE)
    text = str(digit)
    target = int(radius * 1.2)
    thickness = max(4, target // 5)  # strokes a fifth of the height: a solid figure, not an outline
    (_, h1), _ = cv2.getTextSize(text, FONT, 1.0, 1)
    scale = (target - thickness) / h1
    (tw, th), _ = cv2.getTextSize(text, FONT, scale, thickness)
    cv2.putText(canvas, text, (cx - tw // 2, cy + (th - thickness) // 2), FONT, scale, DIGIT, thickness, LINE)


def draw_live_band(canvas: np.ndarray, rect: tuple[int, int, int, int], text: str, *, note: str | None,
                   arrow: str | None, span: tuple[int, int]) -> None:
    """The band under the picture: the one instruction (an amber note above it when there is one)."""
    x0, y0, x1, y1 = rect
    canvas[y0:y1, x0:x1] = BAND
    left = span[0] + (120 if arrow else 20)
    right = span[1] - 20
    middle = (y0 + y1) // 2
    if note:
        centred_text(canvas, note, ((left + right) // 2, y0 + 26), 0.8, CLOSE, 2, max_width=right - left)
        middle = y0 + 72
    scale = 1.5 if not note else 1.2
    centred_text(canvas, text, ((left + right) // 2, middle), scale, WHITE, 3, max_width=right - left)
    if arrow is not None:
        draw_arrow(canvas, arrow, (span[0] + 70, middle))


def _fill_bars(canvas: np.ndarray, picture: tuple[int, int, int, int], shown: tuple[int, int, int, int]) -> None:
    """The letterbox around the frame in the booth's dark grey instead of black."""
    px0, py0, px1, py1 = picture
    sx0, sy0, sx1, sy1 = shown
    canvas[py0:py1, px0:sx0] = DARK
    canvas[py0:py1, sx1:px1] = DARK
    canvas[py0:sy0, px0:px1] = DARK
    canvas[sy1:py1, px0:px1] = DARK


def layout_for(view: BoothView, size: tuple[int, int]) -> tuple[np.ndarray, LiveLayout]:
    """The live picture on the canvas (letterboxed above the band) and where everything else goes."""
    width, height = size
    picture = picture_rect(size)
    frame = view.frame if view.frame is not None else np.zeros((height, width, 3), np.uint8)
    canvas, transform = fit_frame(frame, size, mirrored=view.mirrored, area=(0, 0, picture[2], picture[3]))
    fw, fh = transform.frame_size
    _fill_bars(canvas, picture, transform.rect(0, 0, fw, fh))
    assessment = view.assessment
    if assessment is not None:
        draw_guide(canvas, transform, assessment, limit=width)
    crop = assessment.crop if assessment is not None else None
    alpha = view.alpha if view.frame is not None else None
    return canvas, live_layout(size, person_box(alpha, crop, transform, picture), prefer=view.button_side)


def coaching(view: BoothView, size: tuple[int, int]) -> tuple[np.ndarray, list[Button]]:
    """Coaching (TAKE PHOTO and EXIT beside the person) and the countdown (no buttons, the digit)."""
    canvas, lay = layout_for(view, size)
    width = size[0]
    if view.state is State.COUNTDOWN:
        digit = view.countdown or 1
        px0, py0, px1, py1 = lay.picture
        cv2.rectangle(canvas, (px0 + 3, py0 + 3), (px1 - 4, py1 - 4), PASS, 6)  # the photo is coming
        span = (0, width)
        if lay.disc is not None:
            draw_countdown(canvas, digit, lay.disc[:2], lay.disc[2])
        else:  # nobody leaves a free column: the disc goes to the band's right end
            radius = (lay.band[3] - lay.band[1]) // 2 - 6
            span = (0, width - 2 * radius - 40)
        draw_live_band(canvas, lay.band, countdown_words(digit), note=None, arrow=None, span=span)
        if lay.disc is None:
            draw_countdown(canvas, digit, (width - radius - 24, (lay.band[1] + lay.band[3]) // 2), radius)
        buttons: list[Button] = []
    else:
        assessment = view.assessment
        text = coaching_words(assessment)
        ready = assessment is not None and assessment.ready
        arrow = None if ready else instruction_arrow(assessment)
        span = (lay.exit[2], lay.take[0]) if lay.in_band else (0, width)
        draw_live_band(canvas, lay.band, text, note=view.note, arrow=arrow, span=span)
        buttons = [Button(Press.PRIMARY, "TAKE PHOTO", lay.take, PASS),
                   Button(Press.CANCEL, "EXIT", lay.exit, EXIT_GREY)]
    if view.idle_message:
        draw_idle(canvas, view.idle_message)
    for button in buttons:
        draw_button(canvas, button)
    return canvas, buttons

