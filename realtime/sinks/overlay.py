"""Overlay drawing for the preview window and the booth: pure functions that return a new image.

The frame is scaled once to a fixed canvas (1280x720 by default) so drawing costs the same whatever the
camera's resolution, mirrored when the preview is a mirror, and every guide is mapped through the same
:class:`CanvasTransform` so the crop rectangle and eye line land on the mirrored person. Nothing here
touches ``frame.image`` or ``frame.processed``: the virtual camera and the capture use those untouched.

Two layouts. With the checklist (the preview) the picture sits top-left and the side panel
(:mod:`realtime.sinks.panel`) and the instruction band are drawn beside and under it, like a camera
app's controls, so nothing covers the face or the shoulders. Without it (the booth) the picture fills
the canvas and the band lies over its bottom. One font (Hershey Simplex) everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from realtime.coach.assessment import Assessment
from realtime.sinks.canvas import fill, scale_image
from realtime.sinks.groups import check_words, ready_progress
from realtime.sinks.panel import draw_panel, reuse_or_draw

CANVAS_SIZE = (1280, 720)
FONT = cv2.FONT_HERSHEY_SIMPLEX
LINE = cv2.LINE_AA

# BGR colours. The guide colour is a pure cyan that neither skin nor a grey wall produces, so tests can
# find it in a screenshot.
GUIDE = (255, 255, 0)
PASS = (90, 200, 60)
CLOSE = (0, 190, 255)
FAIL = (60, 60, 235)
UNKNOWN = (170, 170, 170)
WHITE = (255, 255, 255)
BAND = (25, 25, 25)
STATUS_COLOURS = {"pass": PASS, "close": CLOSE, "fail": FAIL}

BAND_HEIGHT = 110  # the instruction band at the bottom
PANEL_WIDTH = 300  # the checklist on the right, beside the picture
HELP_LINES = (
    ("space", "take a photo now"),
    ("1 - 6", "open / close a checklist group"),
    ("b", "background: keep / blur / studio"),
    ("r", "relight on / off"),
    ("m", "mirror on / off"),
    ("p", "next profile"),
    ("d", "details: speed and settings"),
    ("h", "show / hide this help"),
    ("q, Esc", "quit"),
)


@dataclass(frozen=True)
class CanvasTransform:
    """Where frame pixels land on the canvas: ``x' = ox + s * x`` (or ``ox + s * (w - x)`` mirrored)."""

    scale: float
    offset: tuple[int, int]
    frame_size: tuple[int, int]  # (w, h) of the frame before scaling
    mirrored: bool

    def point(self, x: float, y: float) -> tuple[int, int]:
        if self.mirrored:
            x = self.frame_size[0] - x
        return int(round(self.offset[0] + self.scale * x)), int(round(self.offset[1] + self.scale * y))

    def rect(self, x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        (ax, ay), (bx, by) = self.point(x0, y0), self.point(x1, y1)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


@dataclass(frozen=True)
class OverlayView:
    """Everything besides the frame that the overlay shows; the sink computes it, drawing only reads it."""

    mirrored: bool = True
    fps: float | None = None
    latency_ms: float | None = None
    status: tuple[str, ...] = ()  # short state words: "mirror on", "bg blur", "relight off", profile
    show_help: bool = False
    show_checklist: bool = True
    flash: float = 0.0  # 0..1 white over the frame right after a capture
    thumbnail: np.ndarray | None = None  # the last capture (BGR), shown small in a corner
    countdown: int | None = None  # 3, 2, 1 drawn huge in the middle
    progress: float | None = None  # 0..1: the ready meter (None: computed from the checks)
    message: str | None = None  # a short toast at the top ("Background: blur")
    idle_message: str | None = None  # "Camera lost, reconnecting" over the last frame
    no_face_text: str = "No face yet: step into the frame"
    debug: bool = False  # fps, latency and the state words in a corner (the d key)
    detail: str | None = None  # the checklist group shown open ("Light")
    auto: bool | None = None  # auto capture armed (True), off (False), not shown (None)
    profile: str | None = None  # the profile's name, the panel's title


def fit_frame(image: np.ndarray, size: tuple[int, int] = CANVAS_SIZE, *, mirrored: bool = False,
              area: tuple[int, int, int, int] | None = None) -> tuple[np.ndarray, CanvasTransform]:
    """Scale ``image`` to fit a canvas of ``size`` (letterboxed, black bars), mirrored if asked.

    ``area`` (x, y, w, h) puts the picture in that part of the canvas only (default: all of it).
    Returns a new canvas and the transform from frame pixels to canvas pixels.
    """
    ax, ay, width, height = area if area is not None else (0, 0, *size)
    h, w = image.shape[:2]
    scale = min(width / w, height / h)
    new_w, new_h = max(1, int(round(w * scale))), max(1, int(round(h * scale)))
    ox, oy = ax + (width - new_w) // 2, ay + (height - new_h) // 2
    canvas = np.empty((size[1], size[0], 3), np.uint8)
    if (new_w, new_h) != size:  # letterbox bars; a frame that fills the canvas needs none
        canvas[:] = 0
    window = canvas[oy:oy + new_h, ox:ox + new_w]
    # Each step writes straight into the canvas: the frame is copied once, not three times.
    scaled = image if (new_w, new_h) == (w, h) else scale_image(image, (new_w, new_h))
    if mirrored:
        cv2.flip(scaled, 1, dst=window)
    else:
        window[:] = scaled
    return canvas, CanvasTransform(scale, (ox, oy), (w, h), mirrored)


def shade(image: np.ndarray, rect: tuple[int, int, int, int], colour: Sequence[int] = BAND,
          opacity: float = 0.65) -> None:
    """Darken a rectangle in place (on a canvas this module owns), so text reads over any frame."""
    x0, y0, x1, y1 = (max(0, v) for v in rect)
    roi = image[y0:y1, x0:x1]
    if roi.size:
        # One per-channel affine pass, out = (1 - opacity) * in + opacity * colour, rounded and saturated.
        blend = np.hstack([np.eye(3) * (1.0 - opacity), opacity * np.asarray(colour, np.float64).reshape(3, 1)])
        roi[:] = cv2.transform(roi, blend)


def fit_text(text: str, max_width: int, scale: float, thickness: int) -> float:
    """The largest font scale up to ``scale`` at which ``text`` fits in ``max_width`` pixels."""
    (tw, _), _ = cv2.getTextSize(text, FONT, scale, thickness)
    return scale if tw <= max_width else max(0.4, scale * max_width / tw)


def put_text(image: np.ndarray, text: str, origin: tuple[int, int], scale: float,
             colour: Sequence[int] = WHITE, thickness: int = 2, *, outline: bool = True) -> None:
    """Anti-aliased text with a dark outline, readable on a bright or a dark frame."""
    if outline:
        cv2.putText(image, text, origin, FONT, scale, (0, 0, 0), thickness + 3, LINE)
    cv2.putText(image, text, origin, FONT, scale, tuple(colour), thickness, LINE)


def centred_text(image: np.ndarray, text: str, centre: tuple[int, int], scale: float,
                 colour: Sequence[int] = WHITE, thickness: int = 3, max_width: int | None = None) -> None:
    if max_width is not None:
        scale = fit_text(text, max_width, scale, thickness)
    (tw, th), _ = cv2.getTextSize(text, FONT, scale, thickness)
    put_text(image, text, (centre[0] - tw // 2, centre[1] + th // 2), scale, colour, thickness)


def check_label(name: str) -> str:
    """A check in plain words ("Light even on both sides"), as the checklist's detail shows it."""
    return check_words(name)


def draw_guide(canvas: np.ndarray, transform: CanvasTransform, assessment: Assessment,
               limit: int | None = None) -> None:
    """The profile's crop rectangle with corner ticks, and the target eye line across it (dashed)."""
    if assessment.crop is None:
        return
    x0, y0, x1, y1 = transform.rect(*assessment.crop)
    cv2.rectangle(canvas, (x0, y0), (x1, y1), GUIDE, 2, LINE)
    tick = max(12, (x1 - x0) // 8)
    for cx, cy, dx, dy in ((x0, y0, 1, 1), (x1, y0, -1, 1), (x0, y1, 1, -1), (x1, y1, -1, -1)):
        cv2.line(canvas, (cx, cy), (cx + dx * tick, cy), GUIDE, 5, LINE)
        cv2.line(canvas, (cx, cy), (cx, cy + dy * tick), GUIDE, 5, LINE)
    if assessment.eye_line_y is not None:
        _, ey = transform.point(0.0, assessment.eye_line_y)
        dash = 14
        for x in range(x0, x1, 2 * dash):
            cv2.line(canvas, (x, ey), (min(x + dash, x1), ey), GUIDE, 2, LINE)
        right = canvas.shape[1] if limit is None else limit
        label_x = x1 + 8 if x1 + 90 < right else max(0, x0 - 88)
        put_text(canvas, "eye line", (label_x, ey + 6), 0.5, GUIDE, 1)


def ready_fraction(assessment: Assessment | None) -> float:
    """The ready meter: the share of the six checklist groups that pass (1.0 once the coach says ready)."""
    return ready_progress(assessment)


def instruction_text(assessment: Assessment | None, view: OverlayView) -> str:
    if assessment is None:
        return view.no_face_text
    if assessment.ready:
        return "Ready: press space for a photo" if view.auto is False else "Ready: hold still"
    if assessment.instruction:
        return assessment.instruction
    return "Looking good: hold still" if assessment.all_passed else "Adjusting..."


def instruction_arrow(assessment: Assessment | None) -> str | None:
    """The screen direction of the spoken instruction's check ("left", "up", "closer", ...), if any."""
    if assessment is None or assessment.instruction_check is None:
        return None
    if getattr(assessment, "arrow", None) is not None:
        return assessment.arrow  # held with the words it belongs to
    check = assessment.checks.get(assessment.instruction_check)
    return getattr(check, "arrow", None) if check is not None else None


ARROWS = {"left": ((1, 0), (-1, 0)), "right": ((-1, 0), (1, 0)), "up": ((0, 1), (0, -1)),
          "down": ((0, -1), (0, 1))}


def draw_arrow(canvas: np.ndarray, arrow: str, centre: tuple[int, int], size: int = 36) -> None:
    """A big arrow that says which way the person's image should move; closer/back as out/in arrows."""
    cx, cy = centre
    if arrow in ARROWS:
        (ax, ay), (bx, by) = ARROWS[arrow]
        cv2.arrowedLine(canvas, (cx + ax * size, cy + ay * size), (cx + bx * size, cy + by * size), CLOSE, 6,
                        LINE, tipLength=0.45)
    elif arrow in ("closer", "back"):  # four diagonal arrows, out (grow: come closer) or in (step back)
        reach = int(size * 0.75)
        for sx in (-1, 1):
            for sy in (-1, 1):
                inner, outer = (cx + sx * 8, cy + sy * 8), (cx + sx * reach, cy + sy * reach)
                start, end = (inner, outer) if arrow == "closer" else (outer, inner)
                cv2.arrowedLine(canvas, start, end, CLOSE, 5, LINE, tipLength=0.45)


def draw_band(canvas: np.ndarray, text: str, progress: float, ready: bool, arrow: str | None = None,
              rect: tuple[int, int, int, int] | None = None, countdown: int | None = None) -> None:
    """The instruction in large text on a dark band (default: across the bottom, with the ready meter on its
    top edge; with ``rect`` the band beside the panel, whose meter is labelled in the panel instead).
    A countdown is a big solid number in a green disc at the band's right end."""
    height, width = canvas.shape[:2]
    x0, top, x1, y1 = rect if rect is not None else (0, height - BAND_HEIGHT, width, height)
    if rect is None:
        shade(canvas, (x0, top, x1, y1), opacity=0.78)
        meter_w = int(round((x1 - x0) * min(1.0, max(0.0, progress))))
        cv2.rectangle(canvas, (x0, top), (x1, top + 10), (60, 60, 60), -1)
        if meter_w > 0:
            cv2.rectangle(canvas, (x0, top), (x0 + meter_w, top + 10), PASS if ready else CLOSE, -1)
        middle = top + 10 + (y1 - top - 10) // 2
    else:
        fill(canvas, (x0, top, x1, y1), BAND)
        middle = (top + y1) // 2
    left = 150 if arrow else 40
    right = 150 if countdown is not None else 40
    centre_x = x0 + left + (x1 - x0 - left - right) // 2
    centred_text(canvas, text, (centre_x, middle), 1.5, WHITE, 3, max_width=x1 - x0 - left - right)
    if arrow is not None:
        draw_arrow(canvas, arrow, (x0 + 70, middle))
    if countdown is not None:
        radius = min(60, (y1 - top) // 2 - 6)
        cx = x1 - radius - 20
        cv2.circle(canvas, (cx, middle), radius, PASS, -1, LINE)
        centred_text(canvas, str(countdown), (cx, middle), 2.2, WHITE, 6)


def draw_thumbnail(canvas: np.ndarray, thumbnail: np.ndarray) -> None:
    """The last capture, small, bottom-left above the band, with a white frame like a print."""
    height = canvas.shape[0]
    box_h = 180
    th, tw = thumbnail.shape[:2]
    box_w = max(1, int(round(box_h * tw / th)))
    small = cv2.resize(thumbnail, (box_w, box_h), interpolation=cv2.INTER_AREA)
    x0, y1 = 20, height - BAND_HEIGHT - 20
    y0 = y1 - box_h
    cv2.rectangle(canvas, (x0 - 5, y0 - 5), (x0 + box_w + 5, y1 + 5), WHITE, -1)
    canvas[y0:y1, x0:x0 + box_w] = small
    put_text(canvas, "Last photo", (x0, y0 - 12), 0.55, WHITE, 1)


def draw_help(canvas: np.ndarray) -> None:
    height, width = canvas.shape[:2]
    box_w, box_h = 640, 80 + 44 * len(HELP_LINES)
    x0, y0 = (width - box_w) // 2, (height - box_h) // 2 - 40
    shade(canvas, (x0, y0, x0 + box_w, y0 + box_h), opacity=0.85)
    put_text(canvas, "Keys", (x0 + 30, y0 + 50), 1.0, WHITE, 2, outline=False)
    for i, (key, what) in enumerate(HELP_LINES):
        y = y0 + 100 + i * 44
        put_text(canvas, key, (x0 + 30, y), 0.8, GUIDE, 2, outline=False)
        put_text(canvas, what, (x0 + 190, y), 0.8, WHITE, 2, outline=False)


def draw_corner(canvas: np.ndarray, view: OverlayView) -> None:
    """Debug only (the d key): fps and latency top-left, with the state words under them."""
    if not view.debug:
        return
    parts = []
    if view.fps is not None:
        parts.append(f"{view.fps:4.1f} fps")
    if view.latency_ms is not None:
        parts.append(f"{view.latency_ms:4.0f} ms")
    lines = ["  ".join(parts)] if parts else []
    if view.status:
        lines.append(" | ".join(view.status))
    if not lines:
        return
    widths = [cv2.getTextSize(line, FONT, 0.6, 1)[0][0] for line in lines]
    shade(canvas, (10, 10, 30 + max(widths), 18 + 26 * len(lines)), opacity=0.6)
    for i, line in enumerate(lines):
        put_text(canvas, line, (20, 34 + 26 * i), 0.6, WHITE, 1, outline=False)


def picture_area(size: tuple[int, int], panel: bool, frame_size: tuple[int, int] | None = None
                 ) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the canvas the picture fits into: beside the panel and above the band (the band takes
    what a wide picture leaves, so there is no black bar between them), or all of it."""
    if not panel:
        return (0, 0, *size)
    width, height = size[0] - PANEL_WIDTH, size[1] - BAND_HEIGHT
    if frame_size is not None and frame_size[0] > 0:
        height = min(height, max(1, int(round(width * frame_size[1] / frame_size[0]))))
    return 0, 0, width, height


def render_overlay(image: np.ndarray, assessment: Assessment | None, view: OverlayView,
                   size: tuple[int, int] = CANVAS_SIZE, panel_cache: dict[str, Any] | None = None) -> np.ndarray:
    """The preview's picture: ``image`` fitted to ``size`` and mirrored as asked, with every guide on top.

    ``image`` is only read. ``assessment`` None means no face (or no coach): the checklist and the band
    say so instead of showing stale guides. With ``view.show_checklist`` the panel and the band are
    beside and under the picture (nothing covers the person); without it the picture fills the canvas.
    ``panel_cache``: a dict the caller keeps between frames, so an unchanged panel or band is copied, not
    redrawn (their anti-aliased text costs milliseconds; they change a few times a second).
    """
    panel = view.show_checklist
    ax, ay, aw, ah = picture_area(size, panel, (image.shape[1], image.shape[0]))
    canvas, transform = fit_frame(image, size, mirrored=view.mirrored, area=(ax, ay, aw, ah))
    if assessment is not None:
        draw_guide(canvas, transform, assessment, limit=ax + aw)
    progress = view.progress if view.progress is not None else ready_fraction(assessment)
    ready = assessment is not None and assessment.ready
    arrow = None if ready or view.countdown is not None else instruction_arrow(assessment)
    text = "Hold still" if panel and view.countdown is not None else instruction_text(assessment, view)
    if panel:
        draw_panel(canvas, (ax + aw, 0, size[0], size[1]), assessment, view, progress, panel_cache)
        band = (0, ay + ah, ax + aw, size[1])  # on its own ground: drawn once per change, like the panel
        reuse_or_draw(canvas, band, panel_cache, "band:", (band, text, arrow, view.countdown),
                      lambda: draw_band(canvas, text, progress, ready, arrow, rect=band, countdown=view.countdown))
        if view.countdown is not None:  # a green frame round the picture: the photo is coming
            cv2.rectangle(canvas, (ax + 3, ay + 3), (ax + aw - 4, ay + ah - 4), PASS, 6)
    else:
        draw_band(canvas, text, progress, ready, arrow)
        if view.thumbnail is not None:
            draw_thumbnail(canvas, view.thumbnail)
        if view.countdown is not None:
            centred_text(canvas, str(view.countdown), (size[0] // 2, size[1] // 2 - 40), 7.0, WHITE, 14)
    draw_corner(canvas, view)
    if view.message:  # in the band's top edge beside the panel (never over the face), else at the top
        draw_message(canvas, view.message, ax + aw // 2, max_width=aw - 80, top=ay + ah + 6 if panel else 16)
    if view.idle_message:
        draw_idle(canvas, view.idle_message)
    if view.show_help:
        draw_help(canvas)
    if view.flash > 0:
        white = np.full_like(canvas, 255)
        canvas = cv2.addWeighted(canvas, 1.0 - min(1.0, view.flash), white, min(1.0, view.flash), 0.0)
    return canvas


def draw_message(canvas: np.ndarray, text: str, centre_x: int, max_width: int, top: int = 16) -> None:
    """A short toast on its own box, in the overlay's font."""
    scale = fit_text(text, max_width - 40, 0.7, 2)
    (tw, th), _ = cv2.getTextSize(text, FONT, scale, 2)
    shade(canvas, (centre_x - tw // 2 - 16, top, centre_x + tw // 2 + 16, top + th + 20), colour=(70, 70, 70),
          opacity=0.9)
    put_text(canvas, text, (centre_x - tw // 2, top + th + 10), scale, WHITE, 2, outline=False)


def draw_idle(canvas: np.ndarray, text: str) -> None:
    """A red band in the middle: the source stalled (camera unplugged, reconnecting)."""
    height, width = canvas.shape[:2]
    cy = height // 2
    shade(canvas, (0, cy - 60, width, cy + 60), colour=(30, 30, 140), opacity=0.85)
    centred_text(canvas, text, (width // 2, cy), 1.5, WHITE, 3, max_width=width - 80)
