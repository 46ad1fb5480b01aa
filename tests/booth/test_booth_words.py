"""What the booth says: every key in ``headshot booth --help``, a pedal only when one is configured, words
that count right ("1 session", "2 sessions"), and nothing during the 3-2-1 but "hold still" and a blink
reminder, whatever the coach would say. The words on screen are read back by recording every
``cv2.putText`` call while a screen is drawn."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest

from realtime.booth.keys import KEY_HELP, KEYS, QUIT_KEYS, key_help, pedal_code, plural
from realtime.booth.machine import BoothMachine, BoothTiming, Press, State
from realtime.booth.screens import BoothView, render
from realtime.booth.session import SessionStore
from realtime.booth.sink import BoothSink
from realtime.cli import build_parser, main
from realtime.coach.assessment import Assessment, CheckResult
from realtime.errors import ConfigError
from tests.booth.test_screens import FRAME, SHOT, VIEWS
from tests.booth.test_session_and_sink import FakeClock, FakeShots, KeyDisplay, at

KEY_NAMES = {ord(" "): "space", 13: "Enter", 10: "Enter", 8: "Backspace", 27: "Esc"}
MOVE = Assessment(
    {"head_size": CheckResult("head_size", 0.2, (0.3, 0.4), False, "fail", "Move closer", arrow="closer")},
    "Move about 40 cm closer to the camera", "head_size", False, False, (384, 60, 896, 700), 250.0,
    arrow="closer")


def words(view: BoothView, monkeypatch) -> list[str]:
    drawn: list[str] = []
    real = cv2.putText

    def record(image, text, *args, **kwargs):
        drawn.append(text)
        return real(image, text, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(cv2, "putText", record)
        render(view)
    return list(dict.fromkeys(drawn))  # each text once (outlined text is drawn twice)


def booth_help() -> str:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return sub.choices["booth"].format_help()


def test_every_key_the_booth_reads_is_in_help():
    text = booth_help()
    for code in [*KEYS, *QUIT_KEYS]:
        name = KEY_NAMES.get(code, chr(code))
        assert any(name in keys.split(", ") for keys, _ in KEY_HELP), name
        assert name in text, name
    for keys, what in KEY_HELP:
        assert f"{keys}" in text and what[:30] in " ".join(text.split())
    assert "--pedal-key" in text


def test_help_mentions_a_pedal_only_as_an_option():
    assert "the pedal: same as space" not in key_help() and "--pedal-key KEY" in key_help()
    assert "b              the pedal: same as space" in key_help("b")


@pytest.mark.parametrize("state", [State.ATTRACT, State.REVIEW])
def test_no_pedal_on_screen_unless_configured(state, monkeypatch):
    view = VIEWS[state]
    plain = " ".join(words(view, monkeypatch))
    assert "pedal" not in plain.lower() and "SPACE" in plain
    with_pedal = " ".join(words(BoothView(**{**view.__dict__, "pedal": True}), monkeypatch))
    assert "SPACE or the pedal" in with_pedal


def test_no_screen_says_pedal_without_one(monkeypatch):
    for view in VIEWS.values():
        assert all("pedal" not in text.lower() for text in words(view, monkeypatch)), view.state


@pytest.mark.parametrize(("name", "code"), [("space", 32), ("Enter", 13), ("b", ord("b")), (" B ", ord("b"))])
def test_pedal_key_names(name, code):
    assert pedal_code(name) == code


@pytest.mark.parametrize("name", ["r", "a", "x", "q", "Q", "bb", "f13", ""])
def test_pedal_key_that_would_clash_or_cannot_be_sent_is_refused(name):
    with pytest.raises(ConfigError) as info:
        pedal_code(name)
    assert "--pedal-key" in info.value.problem


def test_bad_pedal_key_is_a_one_line_cli_error(capsys):
    assert main(["booth", "--source", "demo", "--pedal-key", "r"]) == ConfigError.exit_code
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--pedal-key 'r' is already the booth's retake key" in err[0]


def test_the_pedal_key_is_the_green_button_only_when_configured(tmp_path):
    for pedal, expected in ((None, State.ATTRACT), (ord("b"), State.COACHING)):
        display = KeyDisplay()
        booth = BoothSink(display, stop=threading.Event(), shots=FakeShots(), store=SessionStore(tmp_path),
                          machine=BoothMachine(BoothTiming()), report=lambda text: None, clock=FakeClock(),
                          pedal_key=pedal)
        booth.machine.start_on_face = False
        display.keys.append(ord("b"))
        at(booth, 0.0)
        assert booth.machine.state is expected
        assert booth.view(None).pedal is (pedal is not None)


@pytest.mark.parametrize(("count", "word", "text"), [(0, "session", "0 sessions"), (1, "session", "1 session"),
                                                     (2, "session", "2 sessions"), (1, "photo", "1 photo"),
                                                     (3, "accepted photo", "3 accepted photos")])
def test_plural(count, word, text):
    assert plural(count, word) == text


def test_sink_reports_count_right(tmp_path):
    said: list[str] = []
    display = KeyDisplay()
    booth = BoothSink(display, stop=threading.Event(), shots=FakeShots(), store=SessionStore(tmp_path),
                      machine=BoothMachine(BoothTiming(countdown_s=0.5)), report=said.append, clock=FakeClock())
    display.keys += [ord(" "), ord(" ")]
    for i in range(12):
        at(booth, i * 0.1)
    display.keys.append(ord(" "))  # accept
    at(booth, 1.3)
    display.keys.append(ord(" "))  # finish
    at(booth, 1.4)
    assert "session ended, 1 photo kept" in said
    booth.press(Press.PRIMARY)
    booth.press(Press.CANCEL)
    assert said[-2:] == ["session ended, 0 photos kept", "state attract"]


@pytest.mark.parametrize("digit", [3, 2, 1])
def test_countdown_says_only_hold_still_and_a_blink_reminder(digit, monkeypatch):
    """The coach asks to move closer (with an arrow): the countdown screen says none of it."""
    coaching = " ".join(words(BoothView(State.COACHING, frame=FRAME, assessment=MOVE), monkeypatch))
    assert "Move about 40 cm closer" in coaching  # the same assessment, outside the countdown
    texts = words(BoothView(State.COUNTDOWN, frame=FRAME, assessment=MOVE, countdown=digit), monkeypatch)
    allowed = {"Hold still", "Eyes open, hold still", str(digit), "eye line"}
    assert set(texts) <= allowed, texts
    assert ("Eyes open, hold still" in texts) is (digit == 1)


def test_countdown_draws_no_arrow():
    """The coach's closer arrow (amber) is on the coaching screen, not during the countdown."""
    amber = np.array((0, 190, 255))

    def amber_pixels(view):
        image, _ = render(view)
        return int((np.abs(image.astype(int) - amber).sum(axis=-1) < 40).sum())

    assert amber_pixels(BoothView(State.COACHING, frame=FRAME, assessment=MOVE)) > 300
    assert amber_pixels(BoothView(State.COUNTDOWN, frame=FRAME, assessment=MOVE, countdown=2)) < 20


def test_coaching_never_says_adjusting(monkeypatch):
    """The coach holding its words (nothing said yet, not all passing): a calm line, not "Adjusting..."."""
    quiet = Assessment(MOVE.checks, None, None, False, False, MOVE.crop, 250.0)
    texts = words(BoothView(State.COACHING, frame=FRAME, assessment=quiet), monkeypatch)
    assert "Checking your picture..." in texts and not any("Adjusting" in t for t in texts)


def test_capture_screen_asks_for_nothing(monkeypatch):
    texts = words(BoothView(State.CAPTURE, frame=FRAME), monkeypatch)
    assert texts == ["Click!"]  # the frame was picked from the countdown's last moment: no "Smile!" now


def test_coach_is_kept_quiet_from_countdown_to_shot(tmp_path):
    quiet: list[bool] = []
    display = KeyDisplay()
    booth = BoothSink(display, stop=threading.Event(), shots=FakeShots(), store=SessionStore(tmp_path),
                      machine=BoothMachine(BoothTiming(countdown_s=0.5)), report=lambda text: None,
                      clock=FakeClock(), on_quiet=quiet.append)
    display.keys += [ord(" "), ord(" ")]
    states = []
    for i in range(12):
        at(booth, i * 0.1)
        states.append(booth.machine.state)
    assert State.COUNTDOWN in states and booth.machine.state is State.REVIEW
    assert quiet == [True, False]  # on at the countdown, off once the shot is there


def test_review_timer_reads_whole_seconds_rounded_up(monkeypatch):
    texts = " ".join(words(BoothView(State.REVIEW, shot=SHOT, time_left=29.2), monkeypatch))
    assert "Discarded in 30 s if not accepted" in texts
    texts = " ".join(words(BoothView(State.REVIEW, shot=SHOT, time_left=0.3), monkeypatch))
    assert "Discarded in 1 s" in texts
