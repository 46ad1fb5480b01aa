"""A whole booth session on the demo source through the real pipeline (engine, face, coach, capture):
space to start, the coach's ready starts the countdown, the capture stage takes the shot, space accepts,
the done screen names the folder, finish -> attract. Plus retake and leaving, and the privacy rules."""

from __future__ import annotations

import stat
import threading
import time
from contextlib import ExitStack

import pytest

from realtime.booth.machine import BoothMachine, BoothTiming, State
from realtime.booth.session import SessionStore
from realtime.booth.shots import CaptureStageShots
from realtime.booth.sink import BoothSink
from realtime.capture.stage import CaptureStage
from realtime.loop import BaseSink, Loop
from realtime.pipeline import PipelineOptions, open_pipeline
from realtime.sources.base import FrameSource, SourceFrame
from realtime.sources.demo import DemoRenderer
from realtime.sources.demo_script import DEMO_DURATION_S, hold_phase

FPS = 6.0  # fewer frames than a camera, same session: every clock here is the frames' source time


class FrameClock(BaseSink):
    """The booth's clock in these runs: the time of the frame being shown. The demo is read as fast as the
    pipeline goes, and the key presses are scripted in frame time, so a sink placed before the booth sets
    this fake clock from each frame (tests/booth/test_wall_clock.py checks the booth's real clock)."""

    name = "clock"

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t

    def send(self, frame) -> None:
        self.t = frame.source_time


class LoopingDemo(FrameSource):
    """The demo session repeated, every frame in order as fast as it is read, time always increasing."""

    name = "looping-demo"

    clock = 0.0  # shared by every run in this module: the face tracker wants time to go on increasing

    def __init__(self, renderer: DemoRenderer, max_s: float) -> None:
        self.renderer = renderer
        self.count = int(max_s * FPS)
        self.index = 0
        self.t0 = LoopingDemo.clock

    def read(self, timeout: float | None = None) -> SourceFrame | None:
        if self.index >= self.count:
            self.state = "ended"
            return None
        t = self.index / FPS
        LoopingDemo.clock = self.t0 + t + 1.0 / FPS
        frame = SourceFrame(self.index, self.renderer.render(t % DEMO_DURATION_S, self.index), time.monotonic(),
                            self.t0 + t)
        self.index += 1
        return frame

    @property
    def fps(self) -> float:
        return FPS


class ScriptedDisplay:
    """Presses keys depending on the screen's state, like a person at the booth; records every state."""

    def __init__(self, script: dict[State, list[int]]):
        self.script = {state: list(keys) for state, keys in script.items()}
        self.closed = False
        self.booth: BoothSink | None = None
        self.states: list[State] = []
        self.screens: dict[State, object] = {}

    def show(self, image):
        state = self.booth.machine.state
        if not self.states or self.states[-1] is not state:
            self.states.append(state)
        self.screens[state] = image
        keys = self.script.get(state)
        return keys.pop(0) if keys else None


@pytest.fixture(scope="module")
def renderer():
    return DemoRenderer()


@pytest.fixture(scope="module")
def stages():
    with ExitStack() as stack:
        yield open_pipeline(PipelineOptions(mirrored=True), stack)


def run_booth(stages, renderer, out, script, *, seconds: float, timing: BoothTiming | None = None,
              stop_when=None, share=None):
    stop = threading.Event()
    times: list = []
    capture = CaptureStage(stages.profile, out_dir=None, fps=FPS, auto=False, once=False)
    display = ScriptedDisplay(script)
    clock = FrameClock()
    booth = BoothSink(display, clock=clock, stop=stop, shots=CaptureStageShots(capture), store=SessionStore(out),
                      machine=BoothMachine(timing or BoothTiming(countdown_s=2.0)),
                      on_new_person=stages.coach.coach.reset, report=lambda text: None, share=share)
    display.booth = booth

    class Watch(BaseSink):
        name = "watch"

        def send(self, frame):
            if not times or times[-1][1] is not booth.machine.state:
                times.append((round(frame.source_time, 2), booth.machine.state))
            if stop_when is not None and stop_when(booth):
                stop.set()

    stages.coach.coach.reset()
    Loop(LoopingDemo(renderer, seconds), [*stages.stages, capture], [clock, booth, Watch()], stop=stop).run()
    booth.close()
    booth.timeline = times  # type: ignore[attr-defined]
    return booth, display, capture


SPACE = ord(" ")


def display_of(booth: BoothSink) -> ScriptedDisplay:
    return booth.display  # type: ignore[return-value]


def test_whole_session_attract_to_done(stages, renderer, tmp_path):
    out = tmp_path / "booth"
    booth, display, capture = run_booth(
        stages, renderer, out,
        {State.ATTRACT: [SPACE], State.REVIEW: [None, SPACE], State.DONE: [None, None, SPACE]},
        seconds=2 * DEMO_DURATION_S,
        stop_when=lambda b: b.finished and display_of(b).states[-1] is State.ATTRACT)
    assert display.states == [State.ATTRACT, State.COACHING, State.COUNTDOWN, State.CAPTURE, State.REVIEW,
                              State.DONE, State.ATTRACT], booth.timeline
    started = booth.timeline[0][0]
    countdown_at = next(t for t, state in booth.timeline if state is State.COUNTDOWN) - started
    hold_start, hold_end = hold_phase()
    assert hold_start <= countdown_at < hold_end  # the coach said ready once the person was framed and still
    assert len(booth.finished) == 1 and len(booth.finished[0]) == 1
    photo_dir = booth.finished[0][0]
    session_dir = photo_dir.parent
    assert session_dir.parent == out and session_dir.name.startswith("session-")
    assert {"original.png", "processed.png", "report.json"} <= {p.name for p in photo_dir.iterdir()}
    assert [p for p in out.iterdir()] == [session_dir]  # one folder for the session, nothing else
    for path in [session_dir, *session_dir.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
    assert capture.captures == [] and capture.pending is None and len(capture.ring) == 0  # nothing in memory


def test_retake_then_leave_keeps_nothing(stages, renderer, tmp_path):
    out = tmp_path / "booth"
    timing = BoothTiming(countdown_s=1.0, leave_s=2.0)
    booth, display, capture = run_booth(
        stages, renderer, out,
        {State.ATTRACT: [SPACE], State.COACHING: [None, SPACE], State.REVIEW: [ord("r")]},
        seconds=DEMO_DURATION_S, timing=timing,
        stop_when=lambda b: len(display_of(b).states) > 5)
    assert display.states[:6] == [State.ATTRACT, State.COACHING, State.COUNTDOWN, State.CAPTURE, State.REVIEW,
                                  State.COACHING]
    assert booth.finished == [[]]  # the booth shut down mid-session: nothing was accepted
    assert list(out.iterdir()) == []  # and nothing was ever written
    assert capture.captures == [] and capture.pending is None
