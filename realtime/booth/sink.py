"""The booth as a loop sink: runs the state machine on each frame, carries out its effects, draws the screen.

The booth's timers (enter, leave, the 3-2-1, review and done timeouts) run on a monotonic wall clock
(``clock``, :func:`time.monotonic` by default), never on frame counts or the source's clock: a source
whose clock runs slow (a demo rendered on a busy CPU, a camera dropping frames) or a slow pipeline must
not stretch "30 s" into 75. Tests pass a fake clock. Keys (:mod:`realtime.booth.keys`): space or Enter is
the big button, ``r`` retake, ``a`` another, ``x`` leave the session, ``q``/Esc quit the booth, and the
``--pedal-key`` if one is set; touches and clicks hit the on-screen buttons.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from realtime.booth.keys import KEYS, QUIT_KEYS, plural
from realtime.booth.machine import BoothMachine, Effect, Press, State
from realtime.booth.screens import BoothView, Button, render
from realtime.booth.session import Session, SessionStore
from realtime.booth.shots import Shot, Shots
from realtime.capture.writer import RETRY_AFTER_S
from realtime.errors import SinkError
from realtime.frame import FrameResult
from realtime.sinks.overlay import CANVAS_SIZE
from realtime.sinks.preview import IDLE_TEXT, Display

log = logging.getLogger(__name__)

SAVE_RETRY_S = RETRY_AFTER_S  # an accepted photo the disk refused is written again this often (seconds)
SAVING_NOTE = "Your photo is safe: saving it as soon as there is room"

QUIET_STATES = (State.COUNTDOWN, State.CAPTURE)  # no coaching words: they would spoil the photo


class BoothSink:
    """The kiosk: attract -> coaching -> countdown -> capture -> review -> done, on one window."""

    name = "booth"

    def __init__(self, display: Display, *, stop: threading.Event, shots: Shots, store: SessionStore,
                 machine: BoothMachine | None = None, mirrored: bool = True,
                 on_new_person: Callable[[], None] | None = None, report: Callable[[str], None] | None = None,
                 size: tuple[int, int] = CANVAS_SIZE, share: Any = None, printer: Any = None,
                 clock: Callable[[], float] = time.monotonic, pedal_key: int | None = None,
                 on_quiet: Callable[[bool], None] | None = None) -> None:
        self.display = display
        self.stop = stop
        self.shots = shots
        self.store = store
        self.machine = machine or BoothMachine()
        self.mirrored = mirrored
        self.on_new_person = on_new_person  # e.g. reset the coach's memory of the last person
        self.report = report or (lambda text: log.info("booth: %s", text))
        self.size = size
        self.share = share  # a running ShareServer (booth --share): accepted photos get a QR hand-off link
        self.printer = printer  # a Printer (booth --print): accepted photos are printed
        self.clock = clock  # every timer of the machine reads this (seconds, monotonic)
        self.keys = {**KEYS, pedal_key: Press.PRIMARY} if pedal_key is not None else dict(KEYS)
        self.pedal = pedal_key is not None
        self.on_quiet = on_quiet  # told True when the countdown starts, False once the shot is taken or dropped
        self.session: Session | None = None
        self.shot: Shot | None = None
        self.finished: list[list[Path]] = []  # what each ended session kept
        self.unsaved: list[tuple[Shot, Session]] = []  # accepted, but the disk refused them: retried
        self._save_retry_at = 0.0
        self.buttons: list[Button] = []
        self._clicks: list[tuple[int, int]] = []
        self._now = 0.0
        self._last: FrameResult | None = None
        self._state = self.machine.state
        self._side: str | None = None  # where TAKE PHOTO was drawn: it stays there while it fits
        on_mouse = getattr(display, "on_mouse", None)
        if on_mouse is not None:
            on_mouse(self._mouse)

    # --- loop hooks ------------------------------------------------------------------------------------
    def send(self, frame: FrameResult) -> None:
        self._now = self.clock()
        self._last = frame
        if self.unsaved and self._now >= self._save_retry_at:
            for shot, session in list(self.unsaved):
                self._keep(shot, session)
        ready = frame.assessment is not None and frame.assessment.ready
        self._apply(self.machine.step(self._now, face=frame.face is not None, ready=ready))
        if self.machine.state is State.CAPTURE:
            result = self.shots.poll()
            if isinstance(result, Shot):
                self.shot = result
                self._apply(self.machine.captured(self._now, True))
            elif isinstance(result, str):
                self._apply(self.machine.captured(self._now, False, result))
        self._show(self.view(frame))

    def idle(self, source_state: str) -> None:
        text = IDLE_TEXT.get(source_state, "Waiting for the camera")  # the preview's words (lost, frozen)
        self._now = self.clock()
        if self.machine.state in (State.REVIEW, State.DONE):  # their timeouts run on with the camera away
            self._apply(self.machine.step(self._now, face=False))
        self._show(self.view(self._last, idle_message=text))

    # --- input -----------------------------------------------------------------------------------------------
    def press(self, press: Press) -> None:
        self._apply(self.machine.press(press, self._now))

    def handle_key(self, key: int) -> None:
        lower = ord(chr(key).lower()) if 0 <= key < 256 else key
        if lower in QUIT_KEYS:
            self.report("quit")
            self.stop.set()
            return
        press = self.keys.get(key, self.keys.get(lower))
        if press is not None:
            self.press(press)

    def _mouse(self, event: int, x: int, y: int) -> None:
        if event == cv2.EVENT_LBUTTONUP:
            self._clicks.append((x, y))

    def click(self, x: int, y: int) -> Press | None:
        """A touch at canvas pixel (x, y): presses the button under it, if any."""
        for button in self.buttons:
            if button.contains(x, y):
                self.press(button.press)
                return button.press
        return None

    # --- effects ---------------------------------------------------------------------------------------------
    def _apply(self, effects: list[Effect]) -> None:
        for effect in effects:
            if effect is Effect.START_SESSION:
                self.shots.reset()
                self.session = self.store.start()
                if self.on_new_person is not None:
                    self.on_new_person()
            elif effect is Effect.TRIGGER:
                self.shot = None
                self.shots.trigger()
            elif effect is Effect.KEEP and self.shot is not None and self.session is not None:
                self._keep(self.shot, self.session)
                self.shot = None
            elif effect is Effect.DISCARD:
                if self.shot is not None:
                    self.shots.discard(self.shot)
                    self.report("discarded the shot")
                self.shot = None
            elif effect is Effect.END_SESSION:
                kept = self.store.end(self.session) if self.session is not None else []
                self.finished.append(kept)
                self.report(f"session ended, {plural(len(kept), 'photo')} kept")
                self.session = None
                self.shot = None
                self.shots.reset()
        if self.machine.state is not self._state:
            quiet_before = self._state in QUIET_STATES
            self._state = self.machine.state
            self.report(f"state {self._state.value}")
            if self.on_quiet is not None and (self._state in QUIET_STATES) != quiet_before:
                self.on_quiet(not quiet_before)

    def _keep(self, shot: Shot, session: Session) -> bool:
        """Write an accepted shot; a full or read-only disk keeps it in memory (said on screen and in the
        log) and it is tried again every SAVE_RETRY_S, the booth carrying on meanwhile."""
        try:
            path = self.shots.keep(shot, self.store.folder_for(session))
        except SinkError as exc:
            if all(s is not shot for s, _ in self.unsaved):
                self.unsaved.append((shot, session))
                self.report(f"photo not saved yet, kept in memory ({exc.problem}): {exc.fix}")
            self.machine.note = SAVING_NOTE
            self._save_retry_at = self._now + SAVE_RETRY_S
            return False
        self.unsaved = [(s, x) for s, x in self.unsaved if s is not shot]
        self.store.kept(session, path)
        self.report(f"kept {path}")
        if self.share is not None:
            self.share.add(session.folder, path)
        if self.printer is not None:
            self.printer.submit(path)
        if not self.unsaved and self.machine.note == SAVING_NOTE:
            self.machine.note = None
        return True

    # --- drawing -------------------------------------------------------------------------------------------
    def view(self, frame: FrameResult | None, idle_message: str | None = None) -> BoothView:
        m = self.machine
        folder = self.session.folder if self.session is not None and self.session.kept else None
        link = self.share.link(folder) if self.share is not None and folder is not None else None
        return BoothView(
            state=m.state,
            frame=frame.output if frame is not None else None,
            assessment=frame.assessment if frame is not None else None,
            alpha=frame.alpha if frame is not None else None,
            pedal=self.pedal,
            button_side=self._side,
            mirrored=self.mirrored,
            countdown=m.countdown_left(self._now),
            shot=self.shot.image if self.shot is not None else None,
            time_left=m.time_left(self._now),
            folder=folder,
            kept=m.kept,
            note=m.note,
            idle_message=idle_message,
            share_url=self.share.url(link) if link is not None else None,
            share_qr=link.qr if link is not None else None,
            share_note=(f"Works for {self.share.minutes:g} min, on this booth's network ({self.share.host}:"
                        f"{self.share.port})") if link is not None else None,
        )

    def _show(self, view: BoothView) -> None:
        image, self.buttons = render(view, self.size)
        take = next((b for b in self.buttons if view.state is State.COACHING and b.press is Press.PRIMARY), None)
        if take is not None:
            self._side = "right" if take.rect[0] + take.rect[2] > self.size[0] else "left"
        key = self.display.show(image)
        if key is not None:
            self.handle_key(key)
        clicks, self._clicks = self._clicks, []
        for x, y in clicks:
            self.click(x, y)
        if self.display.closed and not self.stop.is_set():
            self.report("window closed")
            self.stop.set()

    def close(self) -> None:
        """End a running session (its unaccepted shots go) when the booth shuts down."""
        self.shot = None
        for shot, session in list(self.unsaved):  # a last try for accepted photos still in memory
            self._keep(shot, session)
        if self.unsaved:
            self.report(f"{plural(len(self.unsaved), 'accepted photo')} could not be saved: free space or pass "
                        "another --out")
            for session in {id(x): x for _, x in self.unsaved}.values():
                if session is not self.session:
                    self.store.end(session)  # a folder made for a photo that could not be written goes too
        if self.session is not None:
            self.finished.append(self.store.end(self.session))
            self.session = None
        self.shots.reset()

    @property
    def screen(self) -> np.ndarray:
        """The current screen (tests)."""
        return render(self.view(self._last), self.size)[0]
