"""The preview sink without a window: a fake display feeds keys; controls, capture, flash, idle, quit."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from realtime.frame import CaptureOutcome, FrameResult
from realtime.sinks.preview import PreviewControls, PreviewSink


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
    assert first[300, 900].mean() > 150 and first[300, 100].mean() < 50  # mirrored: bright on the right
    assert after[300, 100].mean() > 150 and after[300, 900].mean() < 50


def test_space_triggers_capture_and_new_capture_flashes():
    triggered = []
    sink, display, _, said = make([" "], trigger_capture=lambda: triggered.append(1))
    sink.send(frame(0))
    assert triggered == [1] and "Photo taken now: no face checked yet" in said
    taken = CaptureOutcome(np.full((500, 400, 3), 90, np.uint8), "/tmp/x/headshot-1", 7)
    with_capture = frame(1)
    with_capture.capture = taken  # what the capture stage puts on the frame
    sink.send(with_capture)
    assert display.shown[-1].min() == 255  # the flash at its brightest
    assert any("saved /tmp/x/headshot-1" in s for s in said)
    count = len(said)
    again = frame(2)
    again.capture = taken
    sink.send(again)  # the same capture again: no second flash or message
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


class ResettingPipeline(FakePipeline):
    """Like the real pipeline: a new profile brings its own background and relight."""

    def __init__(self):
        super().__init__()
        self.options = type("O", (), {"background": None, "relight": None})()

    def set_background(self, mode):
        self.background = mode

    def set_profile(self, name):
        super().set_profile(name)
        self.background, self.relight = "blur", True


def test_profile_change_keeps_the_background_the_user_chose():
    pipeline = ResettingPipeline()
    sink, _, _, _ = make(["p"], pipeline)
    sink.send(frame(0))
    assert pipeline.background == "blur"  # never chosen: the profile's own
    sink, _, _, _ = make(["b", "b", "p"], pipeline)  # blur -> studio -> keep, then the next profile
    for i in range(3):
        sink.send(frame(i))
    assert pipeline.profile_name == "actor" and pipeline.background == "keep"


def passing(i: int, all_passed: bool = True) -> FrameResult:
    from realtime.coach.assessment import Assessment, CheckResult

    f = frame(i)
    checks = {"head_size": CheckResult("head_size", 0.3, (0.3, 0.4), all_passed, "pass" if all_passed else "fail"),
              "evenness": CheckResult("evenness", 0.5, (0.6, None), False, "fail")} if not all_passed else {
        "head_size": CheckResult("head_size", 0.3, (0.3, 0.4), True, "pass")}
    f.assessment = Assessment(checks, None, None, False, all_passed, None)
    return f


def test_countdown_runs_while_every_check_passes_and_auto_is_armed():
    armed = [True]
    sink, _, _, _ = make(auto_armed=lambda: armed[0])
    counts = []
    for i in range(0, 70):  # 30 fps frames: the default profile-less countdown is 2 s
        f = passing(i)
        sink.send(f)
        counts.append(sink.view(f).countdown)
    assert counts[0] == 2 and 1 in counts and counts[-1] == 1  # 2, 1, and 1 held until the photo
    armed[0] = False
    assert sink.view(passing(71)).countdown is None  # the photo was taken: no more countdown
    sink2, _, _, _ = make(auto_armed=lambda: True)
    for i in range(40):
        sink2.send(passing(i, all_passed=False))
    assert sink2.view(passing(40, all_passed=False)).countdown is None


def test_space_says_which_groups_are_not_right_yet():
    sink, _, _, said = make([None, " "], trigger_capture=lambda: None)
    sink.send(passing(0, all_passed=False))
    sink.send(passing(1, all_passed=False))
    assert said[-1] == "Photo taken now; not right yet: Framing, Light"


def test_detail_and_debug_keys():
    sink, _, _, said = make(["5", "d", "5"])
    for i in range(3):
        sink.send(frame(i))
    assert said == ["checklist light open", "details on", "checklist light closed"]
    assert sink.debug and sink.detail is None
