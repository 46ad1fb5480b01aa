"""Overlay drawing for the preview window and the booth: pure functions that return a new image.

The frame is scaled once to a fixed canvas (1280x720 by default) so drawing costs the same whatever the
camera's resolution, mirrored when the preview is a mirror, and every guide is mapped through the same
:class:`CanvasTransform` so the crop rectangle and eye line land on the mirrored person. Nothing here
touches ``frame.image`` or ``frame.processed``: the virtual camera and the capture use those untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from realtime.coach.assessment import Assessment

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
PANEL_WIDTH = 290  # the checklist on the right
HELP_LINES = (
    ("space", "take a photo"),
    ("b", "background: keep / blur / studio"),
    ("r", "relight on / off"),
    ("m", "mirror on / off"),
    ("p", "next profile"),
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


def fit_frame(image: np.ndarray, size: tuple[int, int] = CANVAS_SIZE, *,
              mirrored: bool = False) -> tuple[np.ndarray, CanvasTransform]:
    """Scale ``image`` to fit a canvas of ``size`` (letterboxed, black bars), mirrored if asked.

    Returns a new canvas and the transform from frame pixels to canvas pixels.
    """
    width, height = size
    h, w = image.shape[:2]
    scale = min(width / w, height / h)
    new_w, new_h = max(1, int(round(w * scale))), max(1, int(round(h * scale)))
    ox, oy = (width - new_w) // 2, (height - new_h) // 2
    canvas = np.empty((height, width, 3), np.uint8)
    if (new_w, new_h) != (width, height):  # letterbox bars; a frame that fills the canvas needs none
        canvas[:] = 0
    window = canvas[oy:oy + new_h, ox:ox + new_w]
    # Each step writes straight into the canvas: the frame is copied once, not three times.
    if (new_w, new_h) == (w, h):
        scaled = image
    else:
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        scaled = cv2.resize(image, (new_w, new_h), interpolation=interpolation)
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


# Where the check's name alone would mislead on the checklist: face_found also fails on a face found but
# too far away for a sharp crop (inter-eye pixels), so "Face found" would show red over a visible face.
CHECK_LABELS = {"face_found": "Face found, close enough"}


def check_label(name: str) -> str:
    return CHECK_LABELS.get(name, name.replace("_", " ").capitalize())


def draw_guide(canvas: np.ndarray, transform: CanvasTransform, assessment: Assessment) -> None:
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
        put_text(canvas, "eyes", (x1 + 6, ey + 6), 0.55, GUIDE, 1)


def draw_checklist(canvas: np.ndarray, assessment: Assessment | None, top: int = 60) -> None:
    """One row per check, in priority order: a dot in the pass / close / fail colour and the name."""
    width = canvas.shape[1]
    x0 = width - PANEL_WIDTH - 10
    rows = list(assessment.checks.values()) if assessment is not None else []
    room = canvas.shape[0] - BAND_HEIGHT - 10 - (top + 40)  # keep clear of the instruction band
    row_h = max(12, min(25, room // max(1, len(rows))))
    bottom = top + 40 + max(1, len(rows)) * row_h
    shade(canvas, (x0, top, width - 10, bottom), opacity=0.6)
    put_text(canvas, "Checklist", (x0 + 12, top + 28), 0.7, WHITE, 2, outline=False)
    if not rows:
        put_text(canvas, "No face yet", (x0 + 12, top + 58), 0.6, UNKNOWN, 1, outline=False)
        return
    for i, check in enumerate(rows):
        y = top + 40 + i * row_h + row_h // 2
        measured = getattr(check, "measured", True)
        colour = STATUS_COLOURS.get(check.status, UNKNOWN) if measured else UNKNOWN
        cv2.circle(canvas, (x0 + 20, y), min(7, row_h // 3), colour, -1, LINE)
        put_text(canvas, check_label(check.name), (x0 + 36, y + 6), min(0.55, row_h / 45), WHITE, 1,
                 outline=False)


def ready_fraction(assessment: Assessment | None) -> float:
    """Share of checks passing on this frame (1.0 once the coach says ready): the ready meter."""
    if assessment is None or not assessment.checks:
        return 0.0
    if assessment.ready:
        return 1.0
    return sum(check.passed for check in assessment.checks.values()) / len(assessment.checks)


def instruction_text(assessment: Assessment | None, view: OverlayView) -> str:
    if assessment is None:
        return view.no_face_text
    if assessment.ready:
        return "Ready: hold still"
    if assessment.instruction:
        return assessment.instruction
    return "Looking good: hold still" if assessment.all_passed else "Adjusting..."


def instruction_arrow(assessment: Assessment | None) -> str | None:
    """The screen direction of the spoken instruction's check ("left", "up", "closer", ...), if any."""
    if assessment is None or assessment.instruction_check is None:
        return None
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
    elif arrow in ("closer", "back"):
        for sign in (-1, 1):
            inner, outer = (cx + sign * 8, cy), (cx + sign * (size + 8), cy)
            start, end = (inner, outer) if arrow == "closer" else (outer, inner)
            cv2.arrowedLine(canvas, start, end, CLOSE, 5, LINE, tipLength=0.5)


def draw_band(canvas: np.ndarray, text: str, progress: float, ready: bool, arrow: str | None = None) -> None:
    """The instruction in large text on a dark band at the bottom, with the ready meter on its top edge."""
    height, width = canvas.shape[:2]
    top = height - BAND_HEIGHT
    middle = top + 10 + (BAND_HEIGHT - 10) // 2
    shade(canvas, (0, top, width, height), opacity=0.78)
    meter_w = int(round(width * min(1.0, max(0.0, progress))))
    cv2.rectangle(canvas, (0, top), (width, top + 10), (60, 60, 60), -1)
    if meter_w > 0:
        cv2.rectangle(canvas, (0, top), (meter_w, top + 10), PASS if ready else CLOSE, -1)
    margin = 150 if arrow else 40
    centred_text(canvas, text, (width // 2, middle), 1.6, WHITE, 3, max_width=width - 2 * margin)
    if arrow is not None:
        draw_arrow(canvas, arrow, (70, middle))


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
    """fps and latency top-left, with the state words under them."""
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


def render_overlay(image: np.ndarray, assessment: Assessment | None, view: OverlayView,
                   size: tuple[int, int] = CANVAS_SIZE) -> np.ndarray:
    """The preview's picture: ``image`` fitted to ``size`` and mirrored as asked, with every guide on top.

    ``image`` is only read. ``assessment`` None means no face (or no coach): the checklist and the band
    say so instead of showing stale guides.
    """
    canvas, transform = fit_frame(image, size, mirrored=view.mirrored)
    if assessment is not None:
        draw_guide(canvas, transform, assessment)
    if view.show_checklist:
        draw_checklist(canvas, assessment)
    progress = view.progress if view.progress is not None else ready_fraction(assessment)
    ready = assessment is not None and assessment.ready
    arrow = None if ready else instruction_arrow(assessment)
    draw_band(canvas, instruction_text(assessment, view), progress, ready, arrow)
    draw_corner(canvas, view)
    if view.thumbnail is not None:
        draw_thumbnail(canvas, view.thumbnail)
    if view.countdown is not None:
        centred_text(canvas, str(view.countdown), (size[0] // 2, size[1] // 2 - 40), 7.0, WHITE, 14)
    if view.message:
        centred_text(canvas, view.message, (size[0] // 2, 60), 1.0, WHITE, 2, max_width=size[0] - 700)
    if view.idle_message:
        draw_idle(canvas, view.idle_message)
    if view.show_help:
        draw_help(canvas)
    if view.flash > 0:
        white = np.full_like(canvas, 255)
        canvas = cv2.addWeighted(canvas, 1.0 - min(1.0, view.flash), white, min(1.0, view.flash), 0.0)
    return canvas


def draw_idle(canvas: np.ndarray, text: str) -> None:
    """A red band in the middle: the source stalled (camera unplugged, reconnecting)."""
    height, width = canvas.shape[:2]
    cy = height // 2
    shade(canvas, (0, cy - 60, width, cy + 60), colour=(30, 30, 140), opacity=0.85)
    centred_text(canvas, text, (width // 2, cy), 1.5, WHITE, 3, max_width=width - 80)
