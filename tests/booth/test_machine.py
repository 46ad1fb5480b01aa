"""The booth's state machine with scripted frames and a fake clock (no window, no camera)."""

from __future__ import annotations

import pytest

from realtime.booth.machine import BoothMachine, BoothTiming, Effect, Press, State

FPS = 10.0


class Script:
    """Feeds the machine frames at FPS with a clock the test controls; records states and effects."""

    def __init__(self, timing: BoothTiming | None = None) -> None:
        self.machine = BoothMachine(timing or BoothTiming())
        self.now = 0.0
        self.effects: list[Effect] = []

    def frames(self, seconds: float, *, face: bool = True, ready: bool = False) -> State:
        for _ in range(int(round(seconds * FPS))):
            self.now += 1.0 / FPS
            self.effects += self.machine.step(self.now, face=face, ready=ready)
        return self.machine.state

    def press(self, press: Press) -> State:
        self.effects += self.machine.press(press, self.now)
        return self.machine.state

    def captured(self, ok: bool) -> State:
        self.effects += self.machine.captured(self.now, ok)
        return self.machine.state


def test_whole_session_attract_to_done_and_back():
    s = Script()
    assert s.frames(2.0, face=False) is State.ATTRACT
    assert s.frames(0.5) is State.ATTRACT  # a face must stay a moment
    assert s.frames(0.6) is State.COACHING
    assert s.frames(3.0, ready=False) is State.COACHING
    assert s.frames(0.1, ready=True) is State.COUNTDOWN
    assert s.machine.countdown_left(s.now) == 3
    s.frames(1.2)
    assert s.machine.countdown_left(s.now) == 2
    assert s.frames(1.9) is State.CAPTURE
    assert s.effects == [Effect.START_SESSION, Effect.TRIGGER]
    assert s.captured(ok=True) is State.REVIEW
    assert s.press(Press.PRIMARY) is State.DONE
    assert s.effects[-1] is Effect.KEEP
    assert s.press(Press.PRIMARY) is State.ATTRACT
    assert s.effects[-1] is Effect.END_SESSION


def test_press_only_booth_ignores_faces_until_start_is_pressed():
    s = Script()
    s.machine = BoothMachine(start_on_face=False)
    assert s.frames(5.0) is State.ATTRACT and s.effects == []
    assert s.press(Press.PRIMARY) is State.COACHING
    assert s.effects == [Effect.START_SESSION]


def test_space_starts_and_takes_the_photo_now():
    s = Script()
    assert s.press(Press.PRIMARY) is State.COACHING
    assert s.press(Press.PRIMARY) is State.COUNTDOWN
    assert s.frames(3.1) is State.CAPTURE


def test_retake_discards_and_coaches_again():
    s = Script()
    s.press(Press.PRIMARY)
    s.press(Press.PRIMARY)
    s.frames(3.1)
    s.captured(ok=True)
    assert s.press(Press.RETAKE) is State.COACHING
    assert s.effects[-1] is Effect.DISCARD


def test_person_leaving_resets_to_attract():
    s = Script(BoothTiming(leave_s=4.0))
    s.press(Press.PRIMARY)
    assert s.frames(3.9, face=False) is State.COACHING  # a short absence is forgiven
    assert s.frames(0.1) is State.COACHING
    assert s.frames(3.0, face=False) is State.COACHING
    assert s.frames(1.1, face=False) is State.ATTRACT
    assert s.effects[-1] is Effect.END_SESSION and s.machine.note


def test_review_timeout_discards_the_shot():
    s = Script(BoothTiming(review_timeout_s=5.0))
    s.press(Press.PRIMARY)
    s.press(Press.PRIMARY)
    s.frames(3.1)
    s.captured(ok=True)
    assert s.frames(4.9, face=False) is State.REVIEW
    assert s.machine.time_left(s.now) == pytest.approx(0.1, abs=0.06)
    assert s.frames(0.2, face=False) is State.ATTRACT
    assert s.effects[-2:] == [Effect.DISCARD, Effect.END_SESSION]


def test_failed_capture_goes_back_to_coaching_with_a_note():
    s = Script()
    s.press(Press.PRIMARY)
    s.press(Press.PRIMARY)
    s.frames(3.1)
    assert s.captured(ok=False) is State.COACHING
    assert s.machine.note == "Let's try that again"


def test_capture_that_never_answers_times_out():
    s = Script(BoothTiming(capture_timeout_s=2.0))
    s.press(Press.PRIMARY)
    s.press(Press.PRIMARY)
    s.frames(3.1)
    assert s.frames(2.1) is State.COACHING


def test_done_times_out_and_another_stays_in_session():
    s = Script(BoothTiming(done_s=3.0))
    s.press(Press.PRIMARY)
    s.press(Press.PRIMARY)
    s.frames(3.1)
    s.captured(ok=True)
    s.press(Press.PRIMARY)
    assert s.press(Press.ANOTHER) is State.COACHING
    assert s.machine.sessions == 1 and s.machine.kept == 1
    s.press(Press.PRIMARY)
    s.frames(3.1)
    s.captured(ok=True)
    s.press(Press.PRIMARY)
    assert s.machine.kept == 2
    assert s.frames(3.1) is State.ATTRACT


def test_finished_person_does_not_restart_until_booth_is_empty():
    s = Script(BoothTiming(rearm_empty_s=1.0))
    s.frames(1.3)
    assert s.machine.state is State.COACHING
    s.press(Press.CANCEL)
    assert s.frames(5.0) is State.ATTRACT  # still standing there: no new session
    s.frames(1.2, face=False)
    assert s.frames(1.3) is State.COACHING and s.machine.sessions == 2


def test_late_capture_after_leaving_is_discarded():
    s = Script(BoothTiming(leave_s=1.0))
    s.press(Press.PRIMARY)
    s.press(Press.PRIMARY)
    s.frames(1.1, face=False)
    assert s.machine.state is State.ATTRACT
    assert s.machine.captured(s.now, ok=True) == [Effect.DISCARD]


def test_cancel_in_review_discards():
    s = Script()
    s.press(Press.PRIMARY)
    s.press(Press.PRIMARY)
    s.frames(3.1)
    s.captured(ok=True)
    assert s.press(Press.CANCEL) is State.ATTRACT
    assert s.effects[-2:] == [Effect.DISCARD, Effect.END_SESSION]


@pytest.mark.parametrize("field", ["leave_s", "countdown_s", "review_timeout_s"])
def test_timing_must_be_positive(field):
    with pytest.raises(ValueError, match=field):
        BoothTiming(**{field: 0.0})


def test_unknown_press_is_rejected():
    with pytest.raises(ValueError):
        BoothMachine().press("jump", 0.0)


def test_operator_counts_accepted_retakes_and_timeouts():
    s = Script(BoothTiming(review_timeout_s=2.0, leave_s=1.0))
    s.press(Press.PRIMARY)
    s.press(Press.PRIMARY)
    s.frames(3.1)
    s.captured(ok=True)
    s.press(Press.RETAKE)
    s.press(Press.PRIMARY)
    s.frames(3.1)
    s.captured(ok=True)
    s.press(Press.PRIMARY)  # accepted
    s.press(Press.PRIMARY)  # finish
    s.press(Press.PRIMARY)  # second person
    s.press(Press.PRIMARY)
    s.frames(3.1)
    s.captured(ok=True)
    s.frames(2.1)  # review not answered
    s.press(Press.PRIMARY)  # third person, who walks away
    s.frames(1.1, face=False)
    assert s.machine.counts() == {"sessions": 3, "accepted": 1, "retakes": 1, "timeouts": 2}
