"""The booth's screens, one per state, drawn to an image with their touch buttons.

Each ``render`` returns the picture and the :class:`Button` rectangles on it, so the sink can map a
click or touch to a press and tests can check every screen's structure without a window. Text is big
(readable from a metre away on a 1280x720 canvas shown full screen), buttons are at least 120 px tall.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from realtime.booth.machine import Press, State
from realtime.coach.assessment import Assessment
from realtime.sinks.overlay import (
    BAND_HEIGHT,
    CANVAS_SIZE,
    CLOSE,
    PASS,
    WHITE,
    OverlayView,
    centred_text,
    fit_frame,
    fit_text,
    put_text,
    render_overlay,
    shade,
)

BUTTON_H = 130
DARK = (32, 30, 28)


@dataclass(frozen=True)
class Button:
    press: Press
    label: str
    rect: tuple[int, int, int, int]  # x0, y0, x1, y1 on the canvas
    colour: tuple[int, int, int]

    def contains(self, x: int, y: int) -> bool:
        x0, y0, x1, y1 = self.rect
        return x0 <= x < x1 and y0 <= y < y1


@dataclass(frozen=True)
class BoothView:
    """Everything a screen shows (the sink fills it from the machine, the frame and the shot)."""

    state: State
    frame: np.ndarray | None = None  # the live processed frame (BGR)
    assessment: Assessment | None = None
    mirrored: bool = True
    countdown: int | None = None
    shot: np.ndarray | None = None  # the picture under review
    time_left: float | None = None  # review/done timeout
    folder: Path | None = None  # where the kept photos are
    kept: int = 0
    note: str | None = None
    idle_message: str | None = None
    share_url: str | None = None  # booth --share: the hand-off link of this session
    share_qr: np.ndarray | None = None  # its QR modules (1 = dark, quiet zone included)
    share_note: str | None = None  # how long and where the link works


def draw_button(canvas: np.ndarray, button: Button) -> None:
    x0, y0, x1, y1 = button.rect
    cv2.rectangle(canvas, (x0 + 4, y0 + 6), (x1 + 4, y1 + 6), (0, 0, 0), -1, cv2.LINE_AA)  # shadow
    cv2.rectangle(canvas, (x0, y0), (x1, y1), button.colour, -1, cv2.LINE_AA)
    cv2.rectangle(canvas, (x0, y0), (x1, y1), WHITE, 3, cv2.LINE_AA)
    centred_text(canvas, button.label, ((x0 + x1) // 2, (y0 + y1) // 2), 1.8, WHITE, 4, max_width=x1 - x0 - 30)


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
    centred_text(canvas, "Your professional headshot in a minute", (width // 2, 250), 1.3, (220, 220, 220), 2,
                 max_width=width - 100)
    centred_text(canvas, "Step in front of the camera", (width // 2, 340), 1.5, WHITE, 3, max_width=width - 100)
    if view.note:
        centred_text(canvas, view.note, (width // 2, 410), 1.0, CLOSE, 2, max_width=width - 100)
    button = Button(Press.PRIMARY, "START", (width // 2 - 230, height - 250, width // 2 + 230, height - 250 + BUTTON_H),
                    PASS)
    draw_button(canvas, button)
    centred_text(canvas, "or press SPACE / the pedal", (width // 2, height - 70), 1.0, (220, 220, 220), 2)
    return canvas, [button]


def coaching(view: BoothView, size: tuple[int, int]) -> tuple[np.ndarray, list[Button]]:
    width, height = size
    image = view.frame if view.frame is not None else np.zeros((height, width, 3), np.uint8)
    overlay = OverlayView(mirrored=view.mirrored, countdown=view.countdown, show_checklist=False,
                          message=view.note, idle_message=view.idle_message)
    canvas = render_overlay(image, view.assessment, overlay, size)
    if view.state is State.COUNTDOWN:
        return canvas, []
    top = height - BAND_HEIGHT - BUTTON_H - 30
    take = Button(Press.PRIMARY, "TAKE PHOTO", (width - 340, top, width - 30, top + BUTTON_H), PASS)
    leave = Button(Press.CANCEL, "EXIT", (30, 30, 230, 30 + 90), (80, 80, 80))
    for button in (take, leave):
        draw_button(canvas, button)
    return canvas, [take, leave]


def capture(view: BoothView, size: tuple[int, int]) -> tuple[np.ndarray, list[Button]]:
    """The shutter moment: a white flash with the word, while the capture stage picks the best frame."""
    width, height = size
    canvas = np.full((height, width, 3), 255, np.uint8)
    if view.frame is not None:
        live, _ = fit_frame(view.frame, size, mirrored=view.mirrored)
        canvas = cv2.addWeighted(live, 0.25, canvas, 0.75, 0.0)
    centred_text(canvas, "Smile!", (width // 2, height // 2), 4.0, (40, 40, 40), 8)
    return canvas, []


def review(view: BoothView, size: tuple[int, int]) -> tuple[np.ndarray, list[Button]]:
    width, height = size
    canvas = np.full((height, width, 3), DARK, np.uint8)
    panel_w = 440
    if view.shot is not None:
        shot, _ = fit_frame(view.shot, (width - panel_w - 60, height - 60))
        canvas[30:30 + shot.shape[0], 30:30 + shot.shape[1]] = shot
    x0 = width - panel_w
    centred_text(canvas, "Keep this one?", (x0 + panel_w // 2, 90), 1.5, WHITE, 3, max_width=panel_w - 40)
    accept = Button(Press.PRIMARY, "ACCEPT", (x0 + 30, 170, width - 40, 170 + BUTTON_H), PASS)
    retake = Button(Press.RETAKE, "RETAKE", (x0 + 30, 340, width - 40, 340 + BUTTON_H), (0, 140, 230))
    for button in (accept, retake):
        draw_button(canvas, button)
    put_text(canvas, "SPACE / pedal = accept", (x0 + 40, 540), 0.8, (220, 220, 220), 2)
    if view.time_left is not None:
        put_text(canvas, f"Not kept in {view.time_left:.0f} s", (x0 + 40, 600), 0.8, (220, 220, 220), 2)
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
             (view.share_url or "", 0.8, CLOSE, 2), (view.share_note or "", 0.75, (220, 220, 220), 2)]
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
        put_text(canvas, f"Back to the start in {view.time_left:.0f} s", (x0, height - 50), 0.9,
                 (220, 220, 220), 2)
    return canvas, [another, finish]


def done(view: BoothView, size: tuple[int, int]) -> tuple[np.ndarray, list[Button]]:
    if view.share_qr is not None:
        return handoff(view, size)
    width, height = size
    canvas = _backdrop(view, size)
    centred_text(canvas, "Thank you!", (width // 2, 120), 3.0, WHITE, 6)
    saved = "Your photo is saved in:" if view.kept == 1 else "Your photos are saved in:"
    centred_text(canvas, saved, (width // 2, 230), 1.3, WHITE, 3)
    for i, line in enumerate(folder_lines(view.folder, width - 120)):
        centred_text(canvas, line, (width // 2, 300 + 50 * i), fit_text(line, width - 120, 1.1, 2), CLOSE, 2)
    top = height - 260
    another = Button(Press.ANOTHER, "ANOTHER", (width // 2 - 470, top, width // 2 - 30, top + BUTTON_H), (0, 140, 230))
    finish = Button(Press.PRIMARY, "FINISH", (width // 2 + 30, top, width // 2 + 470, top + BUTTON_H), PASS)
    for button in (another, finish):
        draw_button(canvas, button)
    if view.time_left is not None:
        centred_text(canvas, f"Back to the start in {view.time_left:.0f} s", (width // 2, height - 60), 0.9,
                     (220, 220, 220), 2)
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
