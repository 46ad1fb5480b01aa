"""The booth's timers run in real seconds: on a monotonic wall clock, not on frame counts or the source's
clock. With a fake clock (deterministic), and with the real clock through the real loop and a pipeline
slower than the source's frame rate (the case where the 30 s review ran at 40% of real time)."""

from __future__ import annotations

import threading
import time

import numpy as np

from realtime.booth.machine import BoothMachine, BoothTiming, State
from realtime.booth.session import SessionStore
from realtime.booth.sink import BoothSink
from realtime.frame import FrameResult
from realtime.loop import BaseSink, Loop
from realtime.sources.base import FrameSource, SourceFrame
from tests.booth.test_session_and_sink import FakeClock, FakeShots, KeyDisplay

SPACE = ord(" ")


def frame(source_t: float) -> FrameResult:
    result = FrameResult(int(source_t * 100), 0.0, source_t, np.full((360, 640, 3), 150, np.uint8))
    result.face = object()
    return result


def booth_with(tmp_path, clock, timing: BoothTiming, display=None):
    display = display or KeyDisplay()
    booth = BoothSink(display, stop=threading.Event(), shots=FakeShots(), store=SessionStore(tmp_path),
                      machine=BoothMachine(timing), report=lambda text: None, clock=clock)
    return booth, display


def test_review_timeout_is_30_s_of_the_clock_when_the_source_runs_at_40_percent(tmp_path):
    clock = FakeClock()
    booth, display = booth_with(tmp_path, clock, BoothTiming(countdown_s=1.0))
    display.keys += [SPACE, SPACE]  # start, take it now

    def tick(dt: float) -> None:
        clock.t += dt
        booth.send(frame(0.4 * clock.t))  # the source's clock: 40% of real time (a slow demo render)

    while booth.machine.state is not State.REVIEW:
        tick(0.25)
        assert clock.t < 5.0
    for _ in range(119):  # 29.75 s of the clock (11.9 s of the source's)
        tick(0.25)
        assert booth.machine.state is State.REVIEW  # the whole 30 s is there to decide
    assert booth.view(None).time_left == 0.25
    tick(0.5)
    assert booth.machine.state is State.ATTRACT and booth.machine.note == "Time's up: the photo was not kept"
    assert booth.shots.discarded == [1] and booth.finished == [[]]


def test_countdown_counts_clock_seconds_even_with_a_frozen_source_clock(tmp_path):
    """Frames keep coming with the same source time (a stuck camera clock): 3-2-1 still takes 3 s."""
    clock = FakeClock()
    booth, display = booth_with(tmp_path, clock, BoothTiming(countdown_s=3.0))
    display.keys += [SPACE, SPACE]
    shown = []
    for _ in range(45):
        clock.t += 0.1
        booth.send(frame(7.0))
        shown.append((round(clock.t, 1), booth.machine.state, booth.view(None).countdown))
    started = next(t for t, state, _ in shown if state is State.COUNTDOWN)
    digits = [(round(t - started, 1), n) for t, state, n in shown if state is State.COUNTDOWN]
    assert [n for _, n in digits] == [3] * 10 + [2] * 10 + [1] * 10
    assert shown[-1][1] is State.REVIEW


def test_done_timeout_and_leaving_use_the_clock_not_frame_counts(tmp_path):
    """Few frames (1 per 2 s) or more (4 per s): the done screen stays 15 s of the clock either way."""
    for dt in (2.0, 0.25):
        clock = FakeClock()
        booth, display = booth_with(tmp_path / str(dt), clock, BoothTiming(countdown_s=0.5, done_s=15.0))
        display.keys += [SPACE, SPACE]
        while booth.machine.state is not State.REVIEW:
            clock.t += min(dt, 0.1)
            booth.send(frame(clock.t))
        display.keys.append(SPACE)  # accept
        clock.t += 0.01
        booth.send(frame(clock.t))
        assert booth.machine.state is State.DONE
        done_at = clock.t
        while booth.machine.state is State.DONE:
            clock.t += dt
            booth.send(frame(clock.t))
        assert 15.0 <= clock.t - done_at < 15.0 + dt + 1e-9


class Fast30(FrameSource):
    """Frames stamped at 30 fps of source time, handed out as fast as the loop asks (a demo or a file)."""

    name = "fast30"

    def __init__(self, count: int) -> None:
        self.count = count
        self.index = 0

    def read(self, timeout: float | None = None) -> SourceFrame | None:
        if self.index >= self.count:
            self.state = "ended"
            return None
        image = np.full((360, 640, 3), 150, np.uint8)
        frame = SourceFrame(self.index, image, time.monotonic(), self.index / 30.0)
        self.index += 1
        return frame

    @property
    def fps(self) -> float:
        return 30.0


class SlowStage:
    """A pipeline stage that takes at least 50 ms a frame (a 20 fps pipeline behind a 30 fps source)."""

    name = "slow"

    def __call__(self, frame: FrameResult) -> None:
        frame.face = object()
        time.sleep(0.05)


class Watch(BaseSink):
    name = "watch"

    def __init__(self, booth: BoothSink) -> None:
        self.booth = booth
        self.seen: list[tuple[float, float, State]] = []  # (monotonic, source time, state after the booth)

    def send(self, frame: FrameResult) -> None:
        self.seen.append((time.monotonic(), frame.source_time, self.booth.machine.state))
        if self.booth.machine.state is State.ATTRACT and len(self.seen) > 5:
            self.booth.stop.set()


def test_review_timeout_in_real_seconds_through_a_slow_pipeline(tmp_path):
    """Real clock, real loop. Each frame takes >= 50 ms but advances the source clock by only 33 ms, so
    when one real second of review has passed the source clock shows at most ~0.7 s: a timer on the
    source clock (or on 30 frames) would still be running. Only lower bounds on time are used (sleep
    guarantees them), so a busy machine cannot make this fail."""
    stop = threading.Event()
    display = KeyDisplay()
    display.keys += [SPACE, SPACE]
    booth = BoothSink(display, stop=stop, shots=FakeShots(), store=SessionStore(tmp_path),
                      machine=BoothMachine(BoothTiming(countdown_s=0.2, review_timeout_s=1.0)),
                      report=lambda text: None)
    watch = Watch(booth)
    Loop(Fast30(30 * 60), [SlowStage()], [booth, watch], stop=stop).run(max_seconds=60)
    review = [(wall, src) for wall, src, state in watch.seen if state is State.REVIEW]
    after = next((wall, src) for wall, src, state in watch.seen
                 if state is State.ATTRACT and wall > review[0][0])
    wall_s, source_s = after[0] - review[0][0], after[1] - review[0][1]
    assert wall_s >= 1.0 - 0.06  # the review lasted a real second (less the one frame before it showed)
    assert source_s < 1.0  # while the source's clock had not reached one second
    assert len(review) < 30  # nor had 30 frames (one second of a 30 fps source) gone by
    assert booth.machine.note == "Time's up: the photo was not kept"


def test_review_times_out_while_the_camera_is_away(tmp_path):
    """No frames at all (camera unplugged): the idle calls still run the review's 30 s on the clock."""
    clock = FakeClock()
    booth, display = booth_with(tmp_path, clock, BoothTiming(countdown_s=0.5))
    display.keys += [SPACE, SPACE]
    while booth.machine.state is not State.REVIEW:
        clock.t += 0.25
        booth.send(frame(clock.t))
    entered = clock.t
    while clock.t < entered + 29.5:
        clock.t += 0.5
        booth.idle("reconnecting")
        assert booth.machine.state is State.REVIEW
    clock.t += 1.0
    booth.idle("reconnecting")
    assert booth.machine.state is State.ATTRACT and booth.shots.discarded == [1]


def test_booth_command_keeps_the_coach_quiet_through_the_countdown():
    from realtime.commands.booth import coach_quiet

    class Coach:
        def __init__(self):
            self.calls = []

        def quiet_until(self, t):
            self.calls.append(t)

    coach = Coach()
    hook = coach_quiet(coach)
    hook(True)
    hook(False)
    assert coach.calls == [float("inf"), None]
    assert coach_quiet(object()) is None  # a coach without quiet_until: the screen alone keeps quiet
