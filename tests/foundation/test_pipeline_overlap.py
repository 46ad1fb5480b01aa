"""The engine beside the face mesh: begun when the frame is read, run in order, errors raised in the loop."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from realtime.errors import EngineError
from realtime.frame import FrameResult
from realtime.loop import Loop
from realtime.pipeline import EngineBesideFaceStage, LightStage
from realtime.sources.frames import FrameListSource


class _Engine:
    name = "engine"

    def __init__(self, log: list[str], seconds: float = 0.0, fail_on: int | None = None) -> None:
        self.log = log
        self.seconds = seconds
        self.fail_on = fail_on

    def __call__(self, frame: FrameResult) -> None:
        self.log.append(f"engine start {frame.frame_id} on {threading.current_thread().name}")
        time.sleep(self.seconds)
        if frame.frame_id == self.fail_on:
            raise EngineError("onnxruntime failed on a frame", "check the model")
        frame.processed = frame.image
        self.log.append(f"engine end {frame.frame_id}")


class _Face:
    name = "face"

    def __init__(self, log: list[str], light_seconds: float = 0.0) -> None:
        self.log = log
        self.light_seconds = light_seconds

    def analyze(self, frame: FrameResult) -> None:
        self.log.append(f"face {frame.frame_id}")

    def measure_face_light(self, frame: FrameResult) -> None:
        self.log.append(f"face light {frame.frame_id}")

    def measure_background_light(self, frame: FrameResult) -> None:
        assert frame.processed is not None  # backlight waits for the engine's matte
        time.sleep(self.light_seconds)
        self.log.append(f"light {frame.frame_id}")


def _frames(n: int) -> list[np.ndarray]:
    return [np.full((8, 8, 3), i, np.uint8) for i in range(n)]


def test_engine_runs_on_its_worker_in_order_overlapping_the_previous_frame() -> None:
    log: list[str] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine") as executor:
        face = _Face(log, light_seconds=0.05)
        stages = [EngineBesideFaceStage(_Engine(log, seconds=0.02), face, executor), LightStage(face)]
        stats = Loop(FrameListSource(_frames(4)), stages).run()
    assert stats.frames == 4
    starts = [line for line in log if line.startswith("engine start")]
    assert [line.split()[2] for line in starts] == ["0", "1", "2", "3"]
    assert all(" on engine" in line for line in starts)
    # Frame 1's engine started after frame 0's and while frame 0's light was being measured (50 ms).
    assert log.index("engine end 0") < log.index("engine start 1 on engine_0") < log.index("light 0")
    assert [line for line in log if line.startswith("light")] == ["light 0", "light 1", "light 2", "light 3"]


def test_engine_error_is_raised_in_the_loop_thread() -> None:
    log: list[str] = []
    with ThreadPoolExecutor(max_workers=1) as executor:
        stage = EngineBesideFaceStage(_Engine(log, fail_on=1), _Face(log), executor)
        with pytest.raises(EngineError, match="onnxruntime failed on a frame"):
            Loop(FrameListSource(_frames(3)), [stage]).run()


def test_frames_begun_and_never_finished_are_not_kept() -> None:
    log: list[str] = []
    with ThreadPoolExecutor(max_workers=1) as executor:
        stage = EngineBesideFaceStage(_Engine(log), _Face(log), executor)
        dropped = [FrameResult(i, 0.0, 0.0, image) for i, image in enumerate(_frames(5))]
        for frame in dropped:
            stage.begin(frame)  # a stopped loop drops what it had begun
        fresh = FrameResult(9, 0.0, 0.0, _frames(1)[0])
        stage(fresh)
    assert stage.in_flight <= 1  # of the five dropped frames at most the newest is still held
    assert fresh.processed is not None and "face 9" in log


def test_light_on_the_face_is_measured_while_the_engine_runs() -> None:
    """Light on the face needs no matte: it runs beside the engine, so it adds nothing to a frame's latency;
    backlight (the matte's part) comes after the engine, for each frame in order."""
    log: list[str] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine") as executor:
        face = _Face(log)
        stages = [EngineBesideFaceStage(_Engine(log, seconds=0.3), face, executor), LightStage(face)]
        frames = [FrameResult(i, 0.0, 0.0, image) for i, image in enumerate(_frames(2))]
        loop = Loop(FrameListSource([]), stages)
        for frame in frames:
            loop.process(frame)
            assert {"face", "light", "engine", "backlight"} <= set(frame.timings_ms)
    for i in (0, 1):
        assert log.index(f"face {i}") < log.index(f"face light {i}") < log.index(f"engine end {i}")
        assert log.index(f"engine end {i}") < log.index(f"light {i}")
