"""The preview sink without a window: a fake display feeds keys; controls, capture, flash, idle, quit."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from realtime.frame import FrameResult
from realtime.sinks.preview import LastCapture, PreviewControls, PreviewSink


class FakeDisplay:
    def __init__(self, keys=()):
        self.keys = list(keys)
        self.shown: list[np.ndarray] = []
        self.closed = False

    def show(self, image):
        self.shown.append(image)
        return self.keys.pop(0) if self.keys else None


class FakePipeline:
    """The live controls of realtime.pipeline.Pipeline, recorded."""

    def __init__(self):
        self.engine = object()
        self.background = "keep"
        self.relight = True
        self.mirrored = None
        self.profile_name = "professional"

    def next_background(self):
        modes = ("keep", "blur", "studio")
        self.background = modes[(modes.index(self.background) + 1) % 3]
        return self.background

    def set_relight(self, on):
        self.relight = on

    def set_mirrored(self, mirrored):
        self.mirrored = mirrored

    def set_profile(self, name):
        self.profile_name = name

    @property
    def profile(self):
        return type("P", (), {"name": self.profile_name})()


def frame(i: int = 0) -> FrameResult:
    image = np.zeros((360, 640, 3), np.uint8)
    image[:, :200] = 200  # bright on the left: the mirror puts it on the right
    return FrameResult(i, 100.0 + i / 30, i / 30, image)


def make(keys=(), pipeline=None, **kwargs):
    said: list[str] = []
    stop = threading.Event()
    display = FakeDisplay([ord(k) if isinstance(k, str) else k for k in keys])
    controls = PreviewControls(pipeline, profiles=("professional", "id", "actor")) if pipeline else None
    sink = PreviewSink(display, stop=stop, controls=controls, report=said.append, clock=lambda: 200.0, **kwargs)
    return sink, display, stop, said


@pytest.mark.parametrize(
    ("key", "expected", "check"),
    [
        ("b", "background blur", lambda p: p.background == "blur"),
        ("r", "relight off", lambda p: p.relight is False),
        ("m", "mirror off", lambda p: p.mirrored is False),
        ("p", "profile id", lambda p: p.profile_name == "id"),
    ],
)
def test_keys_change_the_pipeline(key, expected, check):
    pipeline = FakePipeline()
    sink, _, stop, said = make([key], pipeline)
    sink.send(frame())
    assert said == [expected] and check(pipeline) and not stop.is_set()


@pytest.mark.parametrize("key", ["q", "Q", 27])
def test_quit_keys_set_stop(key):
    sink, _, stop, said = make([key])
    sink.send(frame())
    assert stop.is_set() and said == ["quit"]


def test_closed_window_sets_stop():
    sink, display, stop, said = make()
    display.closed = True
    sink.send(frame())
    assert stop.is_set() and said == ["window closed"]


def test_mirror_key_flips_the_shown_picture():
    sink, display, _, _ = make([None, "m"])
    sink.send(frame(0))
    sink.send(frame(1))
    sink.send(frame(2))
    first, after = display.shown[0], display.shown[2]
    assert first[300, 1100].mean() > 150 and first[300, 100].mean() < 50  # mirrored: bright on the right
    assert after[300, 100].mean() > 150 and after[300, 1100].mean() < 50


def test_space_triggers_capture_and_new_capture_flashes():
    triggered = []
    captures: list[LastCapture | None] = [None]
    sink, display, _, said = make([" "], trigger_capture=lambda: triggered.append(1),
                                  last_capture=lambda: captures[-1])
    sink.send(frame(0))
    assert triggered == [1] and "capture requested" in said
    captures.append(LastCapture(np.full((500, 400, 3), 90, np.uint8), "/tmp/x/headshot-1", 7))
    sink.send(frame(1))
    assert display.shown[-1].min() == 255  # the flash at its brightest
    assert any("saved /tmp/x/headshot-1" in s for s in said)
    count = len(said)
    sink.send(frame(2))  # the same capture again: no second flash or message
    assert len(said) == count


def test_space_without_capture_says_so():
    sink, _, _, said = make([" "])
    sink.send(frame())
    assert "headshot capture" in said[0]


def test_keys_without_engine_say_what_is_missing():
    pipeline = FakePipeline()
    pipeline.engine = None
    sink, _, _, said = make(["b", "r"], pipeline)
    sink.send(frame(0))
    sink.send(frame(1))
    assert said == ["background: no engine running", "relight: no engine running"]


def test_idle_draws_camera_lost_over_last_frame():
    sink, display, _, _ = make()
    sink.idle("reconnecting")  # before any frame: a blank canvas with the message
    sink.send(frame(0))
    sink.idle("reconnecting")
    middle = display.shown[-1][360 - 40:360 + 40]
    assert middle[..., 2].mean() > middle[..., 0].mean() + 30
    assert len(display.shown) == 3


def test_help_toggles():
    sink, display, _, said = make(["h", "h"])
    sink.send(frame(0))
    assert sink.show_help
    sink.send(frame(1))
    assert not sink.show_help and said == ["help on", "help off"]
