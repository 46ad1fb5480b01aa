"""The booth's screens, one per state, drawn to an image with their touch buttons.

Each ``render`` returns the picture and the :class:`Button` rectangles on it, so the sink can map a
click or touch to a press and tests can check every screen's structure without a window. Text is big
(readable from a metre away on a 1280x720 canvas shown full screen), buttons are at least 120 px tall.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from realtime.booth.keys import plural
from realtime.booth.live import coaching
from realtime.booth.machine import Press, State
from realtime.booth.widgets import BUTTON_H, DARK, Button, draw_button
from realtime.coach.assessment import Assessment
from realtime.sinks.overlay import (
    CANVAS_SIZE,
    CLOSE,
    PASS,
    WHITE,
    centred_text,
    fit_frame,
    fit_text,
    put_text,
    shade,
)

__all__ = ["BUTTON_H", "DARK", "BoothView", "Button", "draw_button", "render"]
GREY_TEXT = (220, 220, 220)


@dataclass(frozen=True)
class BoothView:
    """Everything a screen shows (the sink fills it from the machine, the frame and the shot)."""

    state: State
    frame: np.ndarray | None = None  # the live processed frame (BGR)
    assessment: Assessment | None = None
    mirrored: bool = True
    countdown: int | None = None
    shot: np.ndarray | None = None  # the picture under review
    time_left: float | None = None  # review/done timeout (seconds of wall-clock time)
    folder: Path | None = None  # where the kept photos are
    kept: int = 0
    note: str | None = None
    idle_message: str | None = None
    share_url: str | None = None  # booth --share: the hand-off link of this session
    share_qr: np.ndarray | None = None  # its QR modules (1 = dark, quiet zone included)
    share_note: str | None = None  # how long and where the link works
    alpha: np.ndarray | None = None  # the person's matte in frame pixels: buttons go beside it
    pedal: bool = False  # booth --pedal-key: the screens may mention the pedal
    button_side: str | None = None  # "left"/"right": where TAKE PHOTO was last frame (it stays if it fits)


def primary_keys(view: BoothView) -> str:
    """What a person can press besides the green button: space, and the pedal only if there is one."""
    return "SPACE or the pedal" if view.pedal else "SPACE"


def seconds_left(time_left: float) -> int:
    """Whole seconds to show for a timer, rounded up: 29.2 s left reads 30, the last second reads 1."""
    return max(1, math.ceil(time_left - 1e-6))


def _backdrop(view: BoothView, size: tuple[int, int]) -> np.ndarray:
    """The live frame, darkened and softened, behind the attract and done screens (or plain dark)."""
    if view.frame is None:
        return np.full((size[1], size[0], 3), DARK, np.uint8)
    canvas, _ = fit_frame(view.frame, size, mirrored=view.mirrored)
    small = cv2.resize(canvas, (size[0] // 8, size[1] // 8), interpolation=cv2.INTER_AREA)
    soft = cv2.resize(cv2.GaussianBlur(small, (0, 0), 3), size, interpolation=cv2.INTER_LINEAR)
    return cv2.addWeighted(soft, 0.35, np.full_like(soft, DARK), 0.65, 0.0)


def attract(view: BoothView, size: tuple[int, int]) -> tuple[np.ndarray, list[Button]]:
    width, height = size
    canvas = _backdrop(view, size)
    centred_text(canvas, "Headshot Studio", (width // 2, 150), 3.0, WHITE, 6, max_width=width - 100)
    centred_text(canvas, "Your professional headshot in a minute", (width // 2, 250), 1.3, GREY_TEXT, 2,
                 max_width=width - 100)
    centred_text(canvas, "Step in front of the camera", (width // 2, 340), 1.5, WHITE, 3, max_width=width - 100)
    if view.note:
        centred_text(canvas, view.note, (width // 2, 410), 1.0, CLOSE, 2, max_width=width - 100)
    button = Button(Press.PRIMARY, "START", (width // 2 - 230, height - 250, width // 2 + 230, height - 250 + BUTTON_H),
                    PASS)
    draw_button(canvas, button)
    centred_text(canvas, f"or press {primary_keys(view)}", (width // 2, height - 70), 1.0, GREY_TEXT, 2)
    return canvas, [button]


def capture(view: BoothView, size: tuple[int, int]) -> tuple[np.ndarray, list[Button]]:
    """The shutter moment: a white flash while the capture stage picks the best frame of the countdown's last
    moment. The word asks for nothing (that moment has passed): it only says the photo was taken."""
    width, height = size
    canvas = np.full((height, width, 3), 255, np.uint8)
    if view.frame is not None:
        live, _ = fit_frame(view.frame, size, mirrored=view.mirrored)
        canvas = cv2.addWeighted(live, 0.25, canvas, 0.75, 0.0)
    centred_text(canvas, "Click!", (width // 2, height // 2), 4.0, (40, 40, 40), 8)
    return canvas, []


def review(view: BoothView, size: tuple[int, int]) -> tuple[np.ndarray, list[Button]]:
    width, height = size
    canvas = np.full((height, width, 3), DARK, np.uint8)
    panel_w = 440
    if view.shot is not None:  # as large as fits left of the panel, centred, no black bars
        area_w, area_h = width - panel_w - 60, height - 60
        h, w = view.shot.shape[:2]
        scale = min(area_w / w, area_h / h)
        new_w, new_h = max(1, int(w * scale)), max(1, int(h * scale))
        shot = cv2.resize(view.shot, (new_w, new_h), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        x, y = 30 + (area_w - new_w) // 2, 30 + (area_h - new_h) // 2
        canvas[y:y + new_h, x:x + new_w] = shot
    x0 = width - panel_w
    centred_text(canvas, "Keep this one?", (x0 + panel_w // 2, 90), 1.5, WHITE, 3, max_width=panel_w - 40)
    accept = Button(Press.PRIMARY, "ACCEPT", (x0 + 30, 170, width - 40, 170 + BUTTON_H), PASS)
    retake = Button(Press.RETAKE, "RETAKE", (x0 + 30, 340, width - 40, 340 + BUTTON_H), (0, 140, 230))
    for button in (accept, retake):
        draw_button(canvas, button)
    lines = [f"{primary_keys(view)}: accept", "R: retake"]
    if view.time_left is not None:  # whole seconds of the wall clock, rounded up (never "0 s" on screen)
        lines.append(f"Discarded in {seconds_left(view.time_left)} s if not accepted")
    for i, line in enumerate(lines):
        put_text(canvas, line, (x0 + 40, 540 + 45 * i), fit_text(line, panel_w - 80, 0.8, 2), GREY_TEXT, 2)
    return canvas, [accept, retake]


def folder_lines(folder: Path | None, max_width: int, scale: float = 1.1) -> list[str]:
    """The folder on one line, or split after a path separator into two when one line would be too small."""
    if folder is None:
        return ["(nothing kept)"]
    text = str(folder)
    if fit_text(text, max_width, scale, 2) >= 0.8 * scale:
        return [text]
    return [f"{folder.parent}{os.sep}", folder.name]


def draw_qr(canvas: np.ndarray, modules: np.ndarray, origin: tuple[int, int], max_side: int) -> int:
    """The QR code black on white, whole pixels per module (phones and decoders like crisp edges)."""
    scale = max(1, max_side // modules.shape[0])
    image = np.where(np.kron(modules, np.ones((scale, scale), np.uint8)) > 0, 0, 255).astype(np.uint8)
    x, y = origin
    side = image.shape[0]
    canvas[y:y + side, x:x + side] = image[..., None]
    return side


def handoff(view: BoothView, size: tuple[int, int]) -> tuple[np.ndarray, list[Button]]:
    """The done screen with --share: the QR code on the left, what to do with it on the right."""
    width, height = size
    canvas = _backdrop(view, size)
    centred_text(canvas, "Thank you!", (width // 2, 95), 2.6, WHITE, 6)
    side = draw_qr(canvas, view.share_qr, (60, 150), min(460, height - 190))
    x0 = 60 + side + 50
    panel = width - x0 - 40
    lines = [("Scan with your phone", 1.4, WHITE, 3), ("to download your photos", 1.1, WHITE, 2),
             (view.share_url or "", 0.8, CLOSE, 2), (view.share_note or "", 0.75, GREY_TEXT, 2)]
    y = 190
    for text, scale, colour, thickness in lines:
        put_text(canvas, text, (x0, y), min(scale, fit_text(text, panel, scale, thickness)), colour, thickness)
        y += 60 if scale >= 1.0 else 48
    top = height - 250
    half = (panel - 30) // 2
    another = Button(Press.ANOTHER, "ANOTHER", (x0, top, x0 + half, top + BUTTON_H), (0, 140, 230))
    finish = Button(Press.PRIMARY, "FINISH", (x0 + half + 30, top, x0 + panel, top + BUTTON_H), PASS)
    for button in (another, finish):
        draw_button(canvas, button)
    if view.time_left is not None:
        put_text(canvas, f"Back to the start in {seconds_left(view.time_left)} s", (x0, height - 50), 0.9,
                 GREY_TEXT, 2)
    return canvas, [another, finish]


def done(view: BoothView, size: tuple[int, int]) -> tuple[np.ndarray, list[Button]]:
    if view.share_qr is not None:
        return handoff(view, size)
    width, height = size
    canvas = _backdrop(view, size)
    centred_text(canvas, "Thank you!", (width // 2, 120), 3.0, WHITE, 6)
    saved = "Your photo is saved in:" if view.kept <= 1 else f"Your {plural(view.kept, 'photo')} are saved in:"
    centred_text(canvas, saved, (width // 2, 230), 1.3, WHITE, 3)
    for i, line in enumerate(folder_lines(view.folder, width - 120)):
        centred_text(canvas, line, (width // 2, 300 + 50 * i), fit_text(line, width - 120, 1.1, 2), CLOSE, 2)
    top = height - 260
    another = Button(Press.ANOTHER, "ANOTHER", (width // 2 - 470, top, width // 2 - 30, top + BUTTON_H), (0, 140, 230))
    finish = Button(Press.PRIMARY, "FINISH", (width // 2 + 30, top, width // 2 + 470, top + BUTTON_H), PASS)
    for button in (another, finish):
        draw_button(canvas, button)
    if view.time_left is not None:
        centred_text(canvas, f"Back to the start in {seconds_left(view.time_left)} s", (width // 2, height - 60), 0.9,
                     GREY_TEXT, 2)
    return canvas, [another, finish]


SCREENS = {State.ATTRACT: attract, State.COACHING: coaching, State.COUNTDOWN: coaching,
           State.CAPTURE: capture, State.REVIEW: review, State.DONE: done}


def render(view: BoothView, size: tuple[int, int] = CANVAS_SIZE) -> tuple[np.ndarray, list[Button]]:
    """The screen for ``view.state`` and its buttons."""
    canvas, buttons = SCREENS[view.state](view, size)
    if view.idle_message and view.state is not State.COACHING and view.state is not State.COUNTDOWN:
        height = size[1]
        shade(canvas, (0, height // 2 - 50, size[0], height // 2 + 50), colour=(30, 30, 140), opacity=0.85)
        centred_text(canvas, view.idle_message, (size[0] // 2, height // 2), 1.3, WHITE, 3)
    return canvas, buttons
