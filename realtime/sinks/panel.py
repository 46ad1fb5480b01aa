"""The preview's side panel, beside the picture and never over it: the profile, the ready meter, the six
checklist groups (a group opens to its checks on its number key), the last photo and the key hints.

Drawn with the overlay's one font and colours (:mod:`realtime.sinks.overlay`), on a canvas the overlay
owns; the frame's pixels are never under it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from realtime.sinks.canvas import fill
from realtime.sinks.groups import GROUP_TITLES, check_words, group_checks

PANEL_BG = (34, 32, 30)
MUTED = (150, 150, 150)
DETAIL_ROW = 24
PROFILE_TITLES = {"professional": "Professional", "id": "ID photo", "actor": "Actor headshot"}


def _status_colour(status: str) -> tuple[int, int, int]:
    from realtime.sinks.overlay import STATUS_COLOURS, UNKNOWN

    return STATUS_COLOURS.get(status, UNKNOWN)


def row_subtitle(row: Any) -> str:
    """What a group row says under its title: "good", or what to do about its first check that is not right
    yet (the coach's own instruction for it, else what the check is about)."""
    if row.status == "unknown":
        return "waiting for a face"
    if row.failing:
        check = next(c for c in row.checks if c.name == row.failing[0])
        return getattr(check, "instruction", None) or f"Not yet: {check_words(check.name).lower()}"
    return "good"


def clip_text(text: str, max_width: int, scale: float) -> str:
    """``text`` cut at a word with an ellipsis so that it fits ``max_width`` at ``scale``."""
    from realtime.sinks.overlay import FONT

    words = text.split()
    while len(words) > 1 and cv2.getTextSize(" ".join(words), FONT, scale, 1)[0][0] > max_width:
        words = words[:-1]
        if cv2.getTextSize(" ".join(words) + "...", FONT, scale, 1)[0][0] <= max_width:
            return " ".join(words) + "..."
    return " ".join(words)


def draw_panel(canvas: np.ndarray, rect: tuple[int, int, int, int], assessment: Any, view: Any,
               progress: float, cache: dict[str, Any] | None = None) -> None:
    """The whole panel inside ``rect`` (x0, y0, x1, y1) of ``canvas``.

    With ``cache`` (a dict the caller keeps from frame to frame), a panel that would look the same as the
    last one is copied from it instead of drawn again: the panel changes a few times a second, the frame
    thirty, and drawing its anti-aliased text costs several milliseconds a frame.
    """
    key = _panel_key(rect, assessment, view, progress) if cache is not None else None
    reuse_or_draw(canvas, rect, cache, "", key, lambda: _draw_panel(canvas, rect, assessment, view, progress))


def reuse_or_draw(canvas: np.ndarray, rect: tuple[int, int, int, int], cache: dict[str, Any] | None, slot: str,
                  key: Any, draw: Callable[[], None]) -> None:
    """Copy ``rect`` of ``canvas`` from ``cache`` when what it shows (``key``) is unchanged, else ``draw`` it
    and keep its pixels under ``slot``. Only for parts drawn on a plain ground, never over the frame."""
    x0, y0, x1, y1 = rect
    if cache is not None and key is not None and cache.get(slot + "key") == key:
        canvas[y0:y1, x0:x1] = cache[slot + "pixels"]
        return
    draw()
    if cache is not None and key is not None:
        cache[slot + "key"], cache[slot + "pixels"] = key, canvas[y0:y1, x0:x1].copy()


def _panel_key(rect: tuple[int, int, int, int], assessment: Any, view: Any, progress: float) -> tuple:
    """Everything the panel shows, as one comparable value (the thumbnail by identity)."""
    rows = group_checks(assessment.checks) if assessment is not None and assessment.checks else []
    shown = tuple((row.status, row_subtitle(row)) for row in rows)
    detail = next((repr(row) for row, title in zip(rows, GROUP_TITLES) if view.detail == title), None)
    width = rect[2] - rect[0] - 40
    return (rect, view.profile, view.auto, id(view.thumbnail) if view.thumbnail is not None else None,
            view.detail, detail, shown, int(round(width * max(0.0, min(1.0, progress)))), progress >= 1)


def _draw_panel(canvas: np.ndarray, rect: tuple[int, int, int, int], assessment: Any, view: Any,
                progress: float) -> None:
    from realtime.sinks.overlay import CLOSE, PASS, WHITE, fit_text, put_text

    x0, y0, x1, y1 = rect
    fill(canvas, rect, PANEL_BG)
    name = view.profile or "headshot"
    title = PROFILE_TITLES.get(name, name.replace("_", " ").capitalize())
    put_text(canvas, title, (x0 + 20, y0 + 40), 0.85, WHITE, 2, outline=False)
    taken = view.thumbnail is not None
    auto = {True: "Auto photo on", None: None,
            False: "Photo taken: space for another" if taken else "Auto photo off: press space"}[view.auto]
    if auto:
        put_text(canvas, auto, (x0 + 20, y0 + 66), 0.5, MUTED, 1, outline=False)
    # The ready meter, labelled: how many of the six groups are right now.
    checks = assessment.checks if assessment is not None else {}
    rows = group_checks(checks) if checks else []
    good = sum(row.passed for row in rows)
    meter_y = y0 + 84
    cv2.rectangle(canvas, (x0 + 20, meter_y), (x1 - 20, meter_y + 8), (70, 70, 70), -1)
    filled = int(round((x1 - x0 - 40) * max(0.0, min(1.0, progress))))
    if filled > 0:
        cv2.rectangle(canvas, (x0 + 20, meter_y), (x0 + 20 + filled, meter_y + 8), PASS if progress >= 1 else CLOSE,
                      -1)
    label = "Ready" if progress >= 1 else f"{good} of 6 right" if rows else "Looking for a face"
    put_text(canvas, label, (x0 + 20, meter_y + 30), 0.5, WHITE, 1, outline=False)
    y = meter_y + 50
    row_h = 56
    for index, title in enumerate(GROUP_TITLES):
        row = rows[index] if rows else None
        status = row.status if row is not None else "unknown"
        colour = _status_colour(status)
        cv2.circle(canvas, (x0 + 30, y + 20), 10, colour, -1, cv2.LINE_AA)
        put_text(canvas, title, (x0 + 52, y + 27), 0.7, WHITE, 2, outline=False)
        put_text(canvas, str(index + 1), (x1 - 34, y + 27), 0.5, MUTED, 1, outline=False)
        sub = row_subtitle(row) if row is not None else "waiting for a face"
        scale = fit_text(sub, x1 - x0 - 62, 0.5, 1)
        put_text(canvas, clip_text(sub, x1 - x0 - 62, scale), (x0 + 52, y + 48), scale,
                 colour if status != "pass" else MUTED, 1, outline=False)
        y += row_h
        if row is not None and view.detail == title:
            y = _draw_detail(canvas, row, x0, x1, y)
    if view.thumbnail is not None:
        _draw_thumbnail(canvas, view.thumbnail, x0, x1, y1 - 40)
    put_text(canvas, "1-6 details   h keys", (x0 + 20, y1 - 14), 0.5, MUTED, 1, outline=False)


def _draw_detail(canvas: np.ndarray, row: Any, x0: int, x1: int, y: int) -> int:
    """The group's checks, one line each, under its row; returns the next free y."""
    from realtime.sinks.overlay import WHITE, put_text

    top = y - 4
    bottom = y + DETAIL_ROW * len(row.checks) + 4
    cv2.rectangle(canvas, (x0 + 14, top), (x1 - 14, bottom), (52, 50, 48), -1)
    for check in row.checks:
        measured = getattr(check, "measured", True)
        colour = _status_colour(check.status if measured else "unknown")
        cv2.circle(canvas, (x0 + 34, y + 12), 5, colour, -1, cv2.LINE_AA)
        put_text(canvas, check_words(check.name), (x0 + 48, y + 18), 0.48, WHITE, 1, outline=False)
        y += DETAIL_ROW
    return bottom + 8


def _draw_thumbnail(canvas: np.ndarray, thumbnail: np.ndarray, x0: int, x1: int, bottom: int) -> None:
    """The last photo, framed like a print, at the bottom of the panel (if it fits below the rows)."""
    from realtime.sinks.overlay import WHITE, put_text

    box_w = x1 - x0 - 40
    th, tw = thumbnail.shape[:2]
    box_h = min(150, max(1, int(round(box_w * th / tw))))
    box_w = max(1, int(round(box_h * tw / th)))
    left, top = x0 + (x1 - x0 - box_w) // 2, bottom - box_h
    free = canvas[top - 30:bottom + 4, x0 + 10:x1 - 10]
    if free.size == 0 or np.abs(free.astype(np.int16) - np.array(PANEL_BG, np.int16)).max() > 8:
        return  # an open detail fills the panel: the thumbnail waits
    cv2.rectangle(canvas, (left - 4, top - 4), (left + box_w + 4, bottom + 4), WHITE, -1)
    canvas[top:bottom, left:left + box_w] = cv2.resize(thumbnail, (box_w, box_h), interpolation=cv2.INTER_AREA)
    put_text(canvas, "Last photo", (left, top - 12), 0.5, MUTED, 1, outline=False)
