"""The kiosk booth's state machine: pure, driven by frames (face seen? coach ready?), presses and time.

attract -> coaching -> countdown -> capture -> review -> done -> attract

Pure means no window, camera, file or clock of its own: every call passes ``now`` (seconds of a monotonic
wall clock in the booth, never frame counts or the source's clock, so "30 s" is 30 s however slow the
camera or the pipeline) and returns the :class:`Effect` values the booth must carry out (start a
session, trigger the camera, keep or discard the shot, end the session). Tests script it with a list of
frames and a fake clock; the booth sink does the I/O.

Rules worth knowing:

- attract starts a session on a press, or when a face has been seen for ``enter_face_s`` -- but only
  once the booth has been empty for ``rearm_empty_s`` since the last session, so the person who just
  finished does not start a new one by standing there. With ``start_on_face=False`` (``headshot booth
  --start press``: a booth beside a busy aisle) only a press starts one.
- coaching goes to the 3-2-1 countdown when the coach says ready (every check held), or on a press
  (TAKE PHOTO or space: "take it now").
- a person who leaves (no face for ``leave_s``) during coaching or countdown ends the session; review
  and done have their own timeouts. A review that times out discards the shot: only accepted photos
  are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class State(str, Enum):
    ATTRACT = "attract"
    COACHING = "coaching"
    COUNTDOWN = "countdown"
    CAPTURE = "capture"
    REVIEW = "review"
    DONE = "done"


class Effect(str, Enum):
    START_SESSION = "start_session"
    TRIGGER = "trigger"  # take the picture now
    KEEP = "keep"  # write the shot under review into the session folder
    DISCARD = "discard"  # forget the shot under review (it never reaches the disk)
    END_SESSION = "end_session"  # drop everything of this person not kept


class Press(str, Enum):
    """What a key (a --pedal-key pedal included) or an on-screen button means."""

    PRIMARY = "primary"  # space / Enter / a pedal / the green button: start, take it now, accept, finish
    RETAKE = "retake"
    ANOTHER = "another"  # from done: one more photo in the same session
    CANCEL = "cancel"  # leave the session now


@dataclass(frozen=True)
class BoothTiming:
    enter_face_s: float = 1.0
    rearm_empty_s: float = 1.5
    leave_s: float = 6.0
    countdown_s: float = 3.0
    capture_timeout_s: float = 5.0
    review_timeout_s: float = 30.0
    done_s: float = 15.0

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if value <= 0:
                raise ValueError(f"expected a positive {name}, got {value}")


class BoothMachine:
    """The booth's states and timers. ``state`` and ``since`` (when it was entered) are read-only to callers."""

    def __init__(self, timing: BoothTiming | None = None, *, start_on_face: bool = True) -> None:
        self.timing = timing or BoothTiming()
        self.start_on_face = start_on_face  # False: only START begins a session (passers-by do not)
        self.state = State.ATTRACT
        self.since = 0.0
        self.note: str | None = None  # a short line for the screen ("Let's try that again")
        self.sessions = 0
        self.kept = 0  # shots kept in the current session
        self.accepted = 0  # since the booth started (the operator's counts)
        self.retakes = 0
        self.timeouts = 0  # sessions given up on a timer: the person left, or the review was not answered
        self._face_since: float | None = None
        self._last_face: float | None = None
        self._empty_since: float | None = 0.0
        self._armed = True  # attract may start on a face

    # --- inputs ----------------------------------------------------------------------------------------
    def step(self, now: float, *, face: bool, ready: bool = False) -> list[Effect]:
        """One frame at ``now``: was a face seen, does the coach say ready."""
        self._track_face(now, face)
        t = self.timing
        elapsed = now - self.since
        if self.state is State.ATTRACT:
            if not self._armed and self._empty_since is not None and now - self._empty_since >= t.rearm_empty_s:
                self._armed = True
            if (self.start_on_face and self._armed and self._face_since is not None
                    and now - self._face_since >= t.enter_face_s):
                return self._start(now)
        elif self.state in (State.COACHING, State.COUNTDOWN):
            if self._gone(now):
                self.timeouts += 1
                return self._end(now, "Session ended: nobody in front of the camera")
            if self.state is State.COACHING and ready and face:
                self._go(State.COUNTDOWN, now)
            elif self.state is State.COUNTDOWN and elapsed >= t.countdown_s:
                self._go(State.CAPTURE, now)
                return [Effect.TRIGGER]
        elif self.state is State.CAPTURE:
            if elapsed >= t.capture_timeout_s:
                self._go(State.COACHING, now, "Let's try that again")
        elif self.state is State.REVIEW:
            if elapsed >= t.review_timeout_s:
                self.timeouts += 1
                return [Effect.DISCARD, *self._end(now, "Time's up: the photo was not kept")]
        elif self.state is State.DONE and elapsed >= t.done_s:
            return self._end(now)
        return []

    def press(self, press: Press | str, now: float) -> list[Effect]:
        press = Press(press)
        if press is Press.CANCEL and self.state is not State.ATTRACT:
            effects = [Effect.DISCARD] if self.state is State.REVIEW else []
            return [*effects, *self._end(now, "Session ended")]
        if self.state is State.ATTRACT and press is Press.PRIMARY:
            return self._start(now)
        if self.state is State.COACHING and press is Press.PRIMARY:
            self._go(State.COUNTDOWN, now)
        elif self.state is State.REVIEW and press is Press.PRIMARY:
            self.kept += 1
            self.accepted += 1
            self._go(State.DONE, now)
            return [Effect.KEEP]
        elif self.state is State.REVIEW and press is Press.RETAKE:
            self.retakes += 1
            self._go(State.COACHING, now)
            return [Effect.DISCARD]
        elif self.state is State.DONE and press is Press.ANOTHER:
            self._go(State.COACHING, now)
        elif self.state is State.DONE and press is Press.PRIMARY:
            return self._end(now)
        return []

    def captured(self, now: float, ok: bool, why: str | None = None) -> list[Effect]:
        """The camera answered the trigger: a shot to review, or nothing usable (back to coaching)."""
        if self.state is not State.CAPTURE:
            return [Effect.DISCARD] if ok else []  # too late (the person left): drop it
        if ok:
            self._go(State.REVIEW, now)
        else:
            self._go(State.COACHING, now, why or "Let's try that again")
        return []

    def counts(self) -> dict[str, int]:
        """The operator's numbers since the booth started."""
        return {"sessions": self.sessions, "accepted": self.accepted, "retakes": self.retakes,
                "timeouts": self.timeouts}

    # --- what screens show ---------------------------------------------------------------------------------
    def countdown_left(self, now: float) -> int | None:
        """3, 2, 1 during the countdown, else None."""
        if self.state is not State.COUNTDOWN:
            return None
        left = self.timing.countdown_s - (now - self.since)
        return max(1, int(-(-left // 1)))  # ceil, never 0 on screen

    def time_left(self, now: float) -> float | None:
        """Seconds before review or done give up on their own."""
        limit = {State.REVIEW: self.timing.review_timeout_s, State.DONE: self.timing.done_s}.get(self.state)
        return None if limit is None else max(0.0, limit - (now - self.since))

    # --- internals -------------------------------------------------------------------------------------
    def _track_face(self, now: float, face: bool) -> None:
        if face:
            self._last_face = now
            self._empty_since = None
            if self._face_since is None:
                self._face_since = now
        else:
            self._face_since = None
            if self._empty_since is None:
                self._empty_since = now

    def _gone(self, now: float) -> bool:
        last = self._last_face if self._last_face is not None else self.since
        return now - max(last, self.since) >= self.timing.leave_s

    def _go(self, state: State, now: float, note: str | None = None) -> None:
        self.state, self.since, self.note = state, now, note

    def _start(self, now: float) -> list[Effect]:
        self.sessions += 1
        self.kept = 0
        self._go(State.COACHING, now)
        return [Effect.START_SESSION]

    def _end(self, now: float, note: str | None = None) -> list[Effect]:
        self._go(State.ATTRACT, now, note)
        self._armed = False  # wait for an empty booth before starting on a face again
        self.kept = 0
        return [Effect.END_SESSION]
