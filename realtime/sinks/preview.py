"""The live preview window: the processed frame as a mirror, with the coach's guides, and the keys.

The sink runs on the loop's thread (HighGUI wants one thread): each ``send`` draws the overlay on a
fixed-size canvas (:func:`realtime.sinks.overlay.render_overlay`, a copy: the frame stays untouched for
the virtual camera and the capture), shows it, pumps the window's events and handles the key pressed.
Keys change the shared pipeline through :class:`PreviewControls` so the window, the capture and the
virtual camera keep showing the same processing. ``q``, Esc or closing the window set the stop event.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from realtime.frame import CaptureOutcome, FrameResult
from realtime.sinks.groups import GROUP_TITLES, failing_groups
from realtime.sinks.overlay import CANVAS_SIZE, OverlayView, render_overlay
from realtime.sinks.window import KEY_ESC

log = logging.getLogger(__name__)

FLASH_S = 0.35  # the white flash after a capture fades over this time
MESSAGE_S = 1.8  # how long a toast ("Background: blur") stays
FPS_SMOOTHING = 0.1  # exponential moving average of the frame interval
STREAK_GRACE_S = 0.5  # the countdown survives a not-passing stretch this short (a blink), as the capture does
DEFAULT_PROFILES = ("professional", "id", "actor")
THUMB_HEIGHT = 240
IDLE_TEXT = {"reconnecting": "Camera lost, reconnecting", "lost": "Camera lost, reconnecting",
             "frozen": "Camera frozen: no new picture, check the camera"}


class Display(Protocol):
    """What the sink needs of a window (a :class:`~realtime.sinks.window.Window`, or a test double)."""

    def show(self, image: np.ndarray) -> int | None: ...

    @property
    def closed(self) -> bool: ...


def thumbnail(image: np.ndarray, height: int = THUMB_HEIGHT) -> np.ndarray:
    """A small copy of a capture (the full-size one is not kept alive by the window)."""
    h, w = image.shape[:2]
    return cv2.resize(image, (max(1, round(w * height / h)), height), interpolation=cv2.INTER_AREA)


class PreviewControls:
    """The live settings the keys change. Sends them to a :class:`~realtime.session.Session` (which applies
    them to coach, capture and engine together between frames), or to a bare pipeline in tools and tests.

    Without a pipeline (raw frames, tests) the mirror still works and the other keys say what is missing.
    """

    def __init__(self, pipeline: Any | None = None, *, profiles: Sequence[str] = DEFAULT_PROFILES,
                 mirrored: bool = True) -> None:
        self.pipeline = pipeline
        self.profiles = tuple(profiles)
        self.mirrored = mirrored
        self._has_engine = pipeline is not None and getattr(pipeline, "engine", None) is not None
        options = getattr(pipeline, "options", None)
        # The user's own choices (flags or keys) outlive a profile change; the profile's defaults do not.
        self._chosen_background = getattr(options, "background", None) is not None
        self._chosen_relight = getattr(options, "relight", None) is not None

    def toggle_mirror(self) -> str:
        self.mirrored = not self.mirrored
        if self.pipeline is not None:
            self.pipeline.set_mirrored(self.mirrored)  # the coach's on-screen arrows follow the mirror
        return f"mirror {'on' if self.mirrored else 'off'}"

    def next_background(self) -> str:
        if not self._has_engine:
            return "background: no engine running"
        self._chosen_background = True
        return f"background {self.pipeline.next_background()}"

    def toggle_relight(self) -> str:
        if not self._has_engine:
            return "relight: no engine running"
        on = not bool(self.pipeline.relight)
        self.pipeline.set_relight(on)
        self._chosen_relight = True
        return f"relight {'on' if on else 'off'}"

    def next_profile(self) -> str:
        current = self.profile
        if self.pipeline is None:
            return "profile: no coach running"
        index = self.profiles.index(current) if current in self.profiles else -1
        name = self.profiles[(index + 1) % len(self.profiles)]
        background, relight = (self.pipeline.background, self.pipeline.relight) if self._has_engine else (None, None)
        self.pipeline.set_profile(name)
        if self._has_engine and self._chosen_background:
            self.pipeline.set_background(background)
        if self._has_engine and self._chosen_relight:
            self.pipeline.set_relight(relight)
        return f"profile {name}"

    @property
    def profile(self) -> str | None:
        if self.pipeline is None:
            return None
        try:
            profile = self.pipeline.profile
        except AttributeError:
            return None
        return str(getattr(profile, "name", profile))

    def status(self) -> tuple[str, ...]:
        words = [f"mirror {'on' if self.mirrored else 'off'}"]
        if self._has_engine:
            words += [f"bg {self.pipeline.background}", f"relight {'on' if self.pipeline.relight else 'off'}"]
        if self.profile:
            words.append(self.profile)
        return tuple(words)


class PreviewSink:
    """Shows every frame in a window with the overlay; handles the keys; sets ``stop`` to quit.

    ``trigger_capture`` is called on space (the capture stage's manual trigger); each frame's ``capture``
    (the newest :class:`~realtime.frame.CaptureOutcome`, filled by the capture stage) is the photo shown
    (a new ``capture_id`` flashes and updates the thumbnail).
    ``report`` hears each state change in words ("mirror off"): the command prints them.
    ``auto_armed`` says whether an automatic capture is still to come: while it is, a stretch of frames
    that pass every check counts down (the profile's ready hold plus its best-frame window) to the photo.
    """

    name = "preview"

    def __init__(
        self,
        display: Display,
        *,
        stop: threading.Event,
        controls: PreviewControls | None = None,
        trigger_capture: Callable[[], object] | None = None,
        report: Callable[[str], None] | None = None,
        size: tuple[int, int] = CANVAS_SIZE,
        clock: Callable[[], float] = time.monotonic,
        auto_armed: Callable[[], bool] | None = None,
    ) -> None:
        self.display = display
        self.stop = stop
        self.controls = controls or PreviewControls()
        self.trigger_capture = trigger_capture
        self.report = report or (lambda text: log.info("preview: %s", text))
        self.size = size
        self.clock = clock
        self.auto_armed = auto_armed
        self.show_help = False
        self.debug = False
        self.detail: str | None = None  # the checklist group shown open
        self.frames_shown = 0
        self._streak_start: float | None = None  # grab time the current all-passing stretch began
        self._streak_last: float | None = None
        self._last_frame: FrameResult | None = None
        self._last_grab: float | None = None
        self._interval: float | None = None
        self._capture_id: int | None = None
        self._capture_path: str | None = None
        self._thumbnail: np.ndarray | None = None
        self._flash_at = -1e9
        self._message: str | None = None
        self._message_at = -1e9
        self._panel_cache: dict[str, Any] = {}  # the last panel drawn, reused while it shows the same

    # --- loop hooks ------------------------------------------------------------------------------------
    def send(self, frame: FrameResult) -> None:
        self._track_rate(frame.grab_time)
        self._track_streak(frame)
        self._last_frame = frame
        self._show_capture(frame.capture)
        self._show(render_overlay(frame.output, frame.assessment, self.view(frame), self.size, self._panel_cache))

    def idle(self, source_state: str) -> None:
        """No frame came: keep the window alive and say so over the last frame."""
        text = IDLE_TEXT.get(source_state, "Waiting for frames")
        if self._last_frame is not None:
            view = self.view(self._last_frame, idle_message=text)
            image = render_overlay(self._last_frame.output, None, view, self.size)
        else:
            blank = np.zeros((self.size[1], self.size[0], 3), np.uint8)
            image = render_overlay(blank, None, OverlayView(idle_message=text, show_checklist=False), self.size)
        self._show(image)

    # --- state -------------------------------------------------------------------------------------------
    def view(self, frame: FrameResult, idle_message: str | None = None) -> OverlayView:
        now = self.clock()
        flash = max(0.0, 1.0 - (now - self._flash_at) / FLASH_S)
        message = self._message if now - self._message_at < MESSAGE_S else None
        fps = 1.0 / self._interval if self._interval else None
        return OverlayView(
            debug=self.debug,
            detail=self.detail,
            auto=None if self.auto_armed is None else self.auto_armed(),
            profile=self.controls.profile,
            countdown=None if idle_message else self.countdown(frame.grab_time),
            mirrored=self.controls.mirrored,
            fps=fps,
            latency_ms=frame.timings_ms.get("end_to_end", (now - frame.grab_time) * 1000.0),
            status=self.controls.status(),
            show_help=self.show_help,
            flash=flash,
            thumbnail=self._thumbnail,
            message=message,
            idle_message=idle_message,
            no_face_text=idle_message or OverlayView.no_face_text,
        )

    def countdown_s(self) -> float:
        """Seconds from the first all-passing frame to the auto photo (ready hold + best-frame window)."""
        profile = getattr(self.controls.pipeline, "profile", None)
        timing = getattr(profile, "timing", None)
        if timing is None:
            return 2.0
        return float(timing.ready_hold_s) + float(timing.best_frame_window_s)

    def countdown(self, now: float) -> int | None:
        """3, 2, 1 while every check passes and an auto photo is still to come; None otherwise."""
        if self._streak_start is None or self.auto_armed is None or not self.auto_armed():
            return None
        remaining = self.countdown_s() - (now - self._streak_start)
        return max(1, math.ceil(remaining))

    def _track_streak(self, frame: FrameResult) -> None:
        a = frame.assessment
        t = frame.grab_time
        if a is not None and (a.all_passed or a.ready):
            if self._streak_start is None:
                self._streak_start = t
            self._streak_last = t
        elif self._streak_last is None or t - self._streak_last > STREAK_GRACE_S:
            self._streak_start = self._streak_last = None

    def _track_rate(self, grab_time: float) -> None:
        if self._last_grab is not None and grab_time > self._last_grab:
            dt = grab_time - self._last_grab
            self._interval = dt if self._interval is None else (
                (1 - FPS_SMOOTHING) * self._interval + FPS_SMOOTHING * dt)
        self._last_grab = grab_time

    def _show_capture(self, capture: CaptureOutcome | None) -> None:
        if capture is None or (capture.capture_id, capture.path) == (self._capture_id, self._capture_path):
            return
        if capture.capture_id != self._capture_id:  # a new photo (not the same one saved after a retry)
            self._thumbnail = thumbnail(capture.image)
            self._flash_at = self.clock()
        self._capture_id, self._capture_path = capture.capture_id, capture.path
        note = capture.note  # e.g. not saved yet: disk full, kept in memory
        self._streak_start = self._streak_last = None
        if capture.path:
            self.report(f"saved {capture.path}")  # the full path on the terminal, the folder's name on screen
            self._message, self._message_at = f"Saved {Path(capture.path).name}", self.clock()
        else:
            self.say(note or "photo taken")

    def say(self, text: str) -> None:
        """Report a state change and show it briefly as a toast."""
        self._message, self._message_at = text, self.clock()
        self.report(text)

    # --- window and keys --------------------------------------------------------------------------------
    def _show(self, image: np.ndarray) -> None:
        key = self.display.show(image)
        self.frames_shown += 1
        if key is not None:
            self.handle_key(key)
        if self.display.closed and not self.stop.is_set():
            self.report("window closed")
            self.stop.set()

    def handle_key(self, key: int) -> None:
        char = chr(key).lower() if 0 <= key < 256 else ""
        if key == KEY_ESC or char == "q":
            self.report("quit")
            self.stop.set()
        elif char == " ":
            self.capture()
        elif char == "b":
            self.say(self.controls.next_background())
        elif char == "r":
            self.say(self.controls.toggle_relight())
        elif char == "m":
            self.say(self.controls.toggle_mirror())
        elif char == "p":
            self.say(self.controls.next_profile())
        elif char == "h":
            self.show_help = not self.show_help
            self.report(f"help {'on' if self.show_help else 'off'}")
        elif char == "d":
            self.debug = not self.debug
            self.report(f"details {'on' if self.debug else 'off'}")
        elif char in "123456" and char:
            title = GROUP_TITLES[int(char) - 1]
            self.detail = None if self.detail == title else title
            self.report(f"checklist {title.lower()} {'open' if self.detail else 'closed'}")

    def capture(self) -> None:
        if self.trigger_capture is None:
            self.say("capture is not available here: use `headshot capture`")
            return
        self.trigger_capture()
        assessment = self._last_frame.assessment if self._last_frame is not None else None
        failing = failing_groups(assessment.checks) if assessment is not None else []
        if assessment is None:
            self.say("Photo taken now: no face checked yet")
        elif failing:
            self.say(f"Photo taken now; not right yet: {', '.join(failing)}")
        else:
            self.say("Photo taken now")
