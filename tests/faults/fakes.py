"""Fakes that produce the faults a booth meets in a day, for the tests in tests/faults/.

* :class:`FlakyCamera` is a webcam behind ``cv2.VideoCapture``'s interface: it can be unplugged and
  plugged back (at another resolution), and can be told to send corrupt, black or frozen frames. Its
  picture is the real astronaut photo (skimage) on a wall, with fresh sensor noise on every frame, so
  the face mesh finds a face and the frozen-frame detector sees a live sensor.
* :func:`hold_frames` renders the demo's "hold" stretch (framed, level, evenly lit, still): a source
  of these frames reaches a capture in a few seconds.
* :class:`RecordingSink` keeps what the loop told it (frames sent, idle states) and can run a script
  on each call, which is how tests change the fault in step with the loop.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np

from realtime.frame import FrameResult

WALL_BGR = (172, 180, 186)


@lru_cache(maxsize=8)
def astronaut_scene(size: tuple[int, int]) -> np.ndarray:
    """The astronaut photo, head and shoulders centred on a plain wall, at ``size`` (w, h)."""
    from skimage import data

    width, height = size
    scene = np.empty((height, width, 3), np.uint8)
    scene[:] = WALL_BGR
    side = int(height * 0.92)
    person = cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), (side, side),
                        interpolation=cv2.INTER_AREA)
    x0 = (width - side) // 2
    scene[height - side:, x0:x0 + side] = person
    scene.setflags(write=False)
    return scene


class FlakyCamera:
    """A webcam that tests can unplug, replug at another size, or make send bad frames.

    ``open`` is the ``open_capture`` factory :class:`~realtime.sources.camera.CameraSource` takes.
    ``mode`` is what the sensor sends while plugged: "ok", "black", "corrupt" or "frozen".
    """

    def __init__(self, size: tuple[int, int] = (640, 360), *, seed: int = 7) -> None:
        self.size = size
        self.plugged = True
        self.mode = "ok"
        self.opens = 0
        self.reads = 0
        self._rng = np.random.default_rng(seed)
        self._frozen: np.ndarray | None = None
        self.lock = threading.Lock()

    def open(self, device: int | str) -> _FlakyCapture:
        with self.lock:
            self.opens += 1
        return _FlakyCapture(self)

    def unplug(self) -> None:
        self.plugged = False

    def replug(self, size: tuple[int, int] | None = None) -> None:
        if size is not None:
            self.size = size
        self.mode = "ok"
        self.plugged = True

    def frame(self) -> tuple[bool, np.ndarray | None]:
        with self.lock:
            self.reads += 1
            if not self.plugged:
                return False, None
            mode = self.mode
            if mode == "corrupt":
                return True, np.zeros((0, 0, 3), np.uint8)
            if mode == "black":
                return True, np.zeros((self.size[1], self.size[0], 3), np.uint8)
            if mode == "frozen" and self._frozen is not None:
                return True, self._frozen
            noise = self._rng.integers(-3, 4, (self.size[1], self.size[0], 3), dtype=np.int16)
            image = np.clip(astronaut_scene(self.size).astype(np.int16) + noise, 0, 255).astype(np.uint8)
            self._frozen = image
            return True, image


class _FlakyCapture:
    def __init__(self, camera: FlakyCamera) -> None:
        self.camera = camera
        self.opened = camera.plugged

    def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
        return self.opened

    def read(self) -> tuple[bool, np.ndarray | None]:
        time.sleep(1 / 60)  # a 60 fps sensor: never a busy loop, always ahead of the pipeline
        if not self.opened:
            return False, None
        return self.camera.frame()

    def set(self, prop: int, value: float) -> bool:
        return True

    def get(self, prop: int) -> float:
        width, height = self.camera.size
        return {cv2.CAP_PROP_FRAME_WIDTH: width, cv2.CAP_PROP_FRAME_HEIGHT: height,
                cv2.CAP_PROP_FPS: 30.0}.get(prop, 0.0)

    def release(self) -> None:
        self.opened = False


@dataclass
class RecordingSink:
    """A loop sink that records sizes sent and idle states, and runs ``script(sink)`` after each call."""

    name: str = "recorder"
    sizes: list[tuple[int, int]] = field(default_factory=list)
    processed_sizes: list[tuple[int, int]] = field(default_factory=list)
    faces: list[bool] = field(default_factory=list)
    idle_states: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)  # "frame" / the idle state, in order
    script: Callable[[RecordingSink], None] | None = None

    def send(self, frame: FrameResult) -> None:
        self.sizes.append(frame.size)
        out = frame.output
        self.processed_sizes.append((int(out.shape[1]), int(out.shape[0])))
        self.faces.append(frame.face is not None)
        self.events.append("frame")
        if self.script is not None:
            self.script(self)

    def idle(self, source_state: str) -> None:
        self.idle_states.append(source_state)
        self.events.append(source_state)
        if self.script is not None:
            self.script(self)


class HeadlessDisplay:
    """The preview sink's window without a screen: counts what was shown."""

    closed = False

    def __init__(self) -> None:
        self.shown = 0

    def show(self, image: np.ndarray) -> int | None:
        self.shown += 1
        return None


@lru_cache(maxsize=2)
def _hold_frames(count: int, size: tuple[int, int]) -> tuple[np.ndarray, ...]:
    from realtime.sources.demo import DemoRenderer
    from realtime.sources.demo_script import DEMO_FPS, hold_phase

    renderer = DemoRenderer(size)
    start, _ = hold_phase()
    return tuple(renderer.render(start + 0.5 + i / DEMO_FPS, i) for i in range(count))


def hold_frames(count: int = 105, size: tuple[int, int] = (1280, 720)) -> list[np.ndarray]:
    """``count`` frames of the demo's hold stretch (rendered once per process, then shared)."""
    return list(_hold_frames(count, size))


