"""The latest-frame slot under a slow consumer, and the loop's stage order, timings and stop."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from realtime.frame import FrameResult
from realtime.loop import BaseSink, Loop
from realtime.slot import LatestSlot
from realtime.sources.base import FrameSource, SourceFrame, ThreadedSource


def test_slot_keeps_newest_and_counts_drops() -> None:
    slot: LatestSlot[int] = LatestSlot()
    for value in range(5):
        slot.put(value)
    assert slot.get(timeout=0.1) == 4
    assert slot.dropped == 4
    assert slot.get(timeout=0.05) is None  # nothing new: no stale repeat


def test_slot_get_returns_none_when_closed() -> None:
    slot: LatestSlot[int] = LatestSlot()
    threading.Timer(0.05, slot.close).start()
    started = time.monotonic()
    assert slot.get(timeout=2.0) is None
    assert time.monotonic() - started < 1.0


class _FastProducer(ThreadedSource):
    """Produces numbered frames every 2 ms: far faster than the consumer below reads them."""

    name = "fast"

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def produce(self, stop: threading.Event) -> None:
        for i in range(self.count):
            if stop.is_set():
                return
            image = np.full((8, 8, 3), i % 256, np.uint8)
            self._publish(image, i * 0.002)
            time.sleep(0.002)


def test_slow_consumer_gets_newest_frames_and_drops_are_counted() -> None:
    with _FastProducer(200) as source:
        seen = []
        while True:
            frame = source.read(timeout=1.0)
            if frame is None:
                break
            seen.append(frame.index)
            time.sleep(0.02)  # a slow stage: 10x slower than the producer
        assert seen == sorted(seen)
        assert len(seen) < 100
        assert source.dropped > 100
        assert source.dropped + len(seen) == 200  # every produced frame was either read or dropped
        assert seen[-1] == 199  # the newest frame is what the consumer ends on


def test_grab_times_are_monotonic() -> None:
    with _FastProducer(50) as source:
        times = [frame.grab_time for frame in source.frames(timeout=1.0)]
    assert len(times) >= 2
    assert all(b >= a for a, b in zip(times, times[1:]))


class _ListSource(FrameSource):
    name = "list"

    def __init__(self, n: int) -> None:
        self.n = n
        self.i = 0

    def read(self, timeout: float | None = None) -> SourceFrame | None:
        if self.i >= self.n:
            self.state = "ended"
            return None
        self.i += 1
        return SourceFrame(self.i - 1, np.zeros((4, 4, 3), np.uint8), time.monotonic(), self.i / 30)


class _Recorder(BaseSink):
    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log

    def __call__(self, frame: FrameResult) -> None:
        self.log.append(f"{self.name}:{frame.frame_id}")

    def send(self, frame: FrameResult) -> None:
        self.log.append(f"{self.name}:{frame.frame_id}")


def test_loop_runs_stages_in_order_then_sinks_and_times_each() -> None:
    log: list[str] = []
    loop = Loop(_ListSource(3), [_Recorder("a", log), _Recorder("b", log)], [_Recorder("out", log)])
    stats = loop.run()
    assert stats.frames == 3
    assert log[:3] == ["a:0", "b:0", "out:0"]
    assert set(stats.summary()) == {"a", "b", "sink:out", "end_to_end"}


def test_loop_stops_on_event_and_max_frames() -> None:
    loop = Loop(_ListSource(100), [])
    assert loop.run(max_frames=7).frames == 7
    stopper = Loop(_ListSource(100), [])

    class StopAtFive:
        name = "stopper"

        def __call__(self, frame: FrameResult) -> None:
            if frame.frame_id == 4:
                stopper.stop.set()

    stopper.stages.append(StopAtFive())
    assert stopper.run().frames == 5


def test_frame_result_rejects_wrong_images() -> None:
    with pytest.raises(ValueError, match="expected a BGR image"):
        FrameResult(0, 0.0, 0.0, np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        FrameResult(0, 0.0, 0.0, np.zeros((4, 4, 3), np.float32))


class _Beginning(_Recorder):
    """A stage that starts work when the frame is read (like the engine) and completes it when called."""

    def begin(self, frame: FrameResult) -> None:
        self.log.append(f"begin:{frame.frame_id}")


def test_loop_begins_the_next_waiting_frame_once_the_beginning_stage_is_done_with_this_one() -> None:
    log: list[str] = []
    stats = Loop(_ListSource(3), [_Beginning("engine", log), _Recorder("tail", log)], [_Recorder("out", log)]).run()
    assert stats.frames == 3
    assert log == ["begin:0", "engine:0", "begin:1", "tail:0", "out:0",
                   "engine:1", "begin:2", "tail:1", "out:1",
                   "engine:2", "tail:2", "out:2"]


class _LiveListSource(_ListSource):
    """A live source whose next frame has not arrived yet when the loop only looks (timeout 0)."""

    def read(self, timeout: float | None = None) -> SourceFrame | None:
        return None if timeout == 0.0 else super().read(timeout)


def test_loop_finishes_a_frame_at_once_when_no_new_frame_is_waiting() -> None:
    log: list[str] = []
    Loop(_LiveListSource(2), [_Beginning("finish", log)]).run()
    assert log == ["begin:0", "finish:0", "begin:1", "finish:1"]


def test_loop_without_beginning_stages_never_reads_ahead() -> None:
    log: list[str] = []

    class Logged(_ListSource):
        def read(self, timeout: float | None = None) -> SourceFrame | None:
            log.append("read")
            return super().read(timeout)

    Loop(Logged(2), [_Recorder("a", log)]).run()
    assert log == ["read", "a:0", "read", "a:1", "read"]
    log.clear()
    Loop(Logged(2), [_Beginning("a", log)]).process(FrameResult(7, 0.0, 0.0, np.zeros((4, 4, 3), np.uint8)))
    assert log == ["begin:7", "a:7"]  # process() outside run() reads nothing


def test_overlapping_loop_counts_max_frames_and_drops_the_pending_frame_on_stop() -> None:
    log: list[str] = []
    assert Loop(_ListSource(100), [_Beginning("finish", log)]).run(max_frames=7).frames == 7
    assert log.count("begin:6") == 1 and "finish:6" in log and "begin:7" not in log

    log.clear()
    loop = Loop(_ListSource(100), [_Beginning("finish", log)], [_Recorder("out", log)])

    class StopAtTwo:
        name = "stopper"

        def __call__(self, frame: FrameResult) -> None:
            if frame.frame_id == 2:
                loop.stop.set()

    loop.stages.append(StopAtTwo())
    assert loop.run().frames == 3
    assert "begin:3" in log and "finish:3" not in log and "out:3" not in log  # begun, then dropped


class _FailOn:
    name = "fragile"

    def __init__(self, failing: set[int] | None = None, error: Exception | None = None) -> None:
        self.failing = failing
        self.error = error or ValueError("odd frame")

    def __call__(self, frame: FrameResult) -> None:
        if self.failing is None or frame.frame_id in self.failing:
            raise self.error


def test_a_frame_whose_stage_fails_is_skipped_and_logged_and_the_loop_goes_on(caplog) -> None:
    log: list[str] = []
    with caplog.at_level("WARNING", logger="realtime.loop"):
        stats = Loop(_ListSource(5), [_FailOn({2})], [_Recorder("out", log)]).run()
    assert stats.frames == 4 and stats.failed == 1
    assert log == ["out:0", "out:1", "out:3", "out:4"]
    assert "frame 2 skipped: ValueError: odd frame" in caplog.text


def test_a_stage_failing_on_every_frame_ends_the_loop_with_its_error() -> None:
    from realtime.loop import MAX_FAILED_IN_A_ROW

    loop = Loop(_ListSource(100), [_FailOn()])
    with pytest.raises(ValueError, match="odd frame"):
        loop.run()
    assert loop.stats.failed == MAX_FAILED_IN_A_ROW and loop.stats.frames == 0


def test_typed_errors_end_the_loop_at_once() -> None:
    from realtime.errors import SinkError

    loop = Loop(_ListSource(10), [_FailOn({3}, SinkError("disk full", "free some space"))])
    with pytest.raises(SinkError, match="disk full"):
        loop.run()
    assert loop.stats.frames == 3 and loop.stats.failed == 0


def test_time_limit_ends_a_loop_that_always_has_a_frame_begun_ahead() -> None:
    log: list[str] = []

    class Slow(_Beginning):
        def __call__(self, frame: FrameResult) -> None:
            time.sleep(0.01)
            super().__call__(frame)

    stats = Loop(_ListSource(10_000), [Slow("engine", log)]).run(max_seconds=0.2)
    assert 5 <= stats.frames <= 30
    assert log.count("begin:" + str(stats.frames)) == 0  # nothing begun was left unfinished
