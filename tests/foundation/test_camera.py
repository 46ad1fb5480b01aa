"""The webcam source against a fake device: newest frame, open errors, unplug and reconnect."""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np
import pytest

from realtime.errors import SourceError
from realtime.sources import open_source, register_source, unregister_source
from realtime.sources.camera import CameraSource


class FakeDevice:
    """A camera that can be unplugged and plugged back in, possibly at another resolution."""

    def __init__(self, size: tuple[int, int] = (64, 48)) -> None:
        self.size = size
        self.plugged = True
        self.opens = 0
        self.settings: dict[int, float] = {}
        self.lock = threading.Lock()

    def open(self, device: int | str) -> FakeCapture:
        self.opens += 1
        return FakeCapture(self)


class FakeCapture:
    def __init__(self, device: FakeDevice) -> None:
        self.device = device
        self.opened = device.plugged
        self.counter = 0

    def isOpened(self) -> bool:  # noqa: N802
        return self.opened

    def read(self) -> tuple[bool, np.ndarray | None]:
        time.sleep(0.005)
        if not (self.opened and self.device.plugged):
            return False, None
        self.counter += 1
        width, height = self.device.size
        return True, np.full((height, width, 3), self.counter % 256, np.uint8)

    def set(self, prop: int, value: float) -> bool:
        self.device.settings[prop] = value
        return True

    def get(self, prop: int) -> float:
        width, height = self.device.size
        return {cv2.CAP_PROP_FRAME_WIDTH: width, cv2.CAP_PROP_FRAME_HEIGHT: height, cv2.CAP_PROP_FPS: 30.0}.get(
            prop, 0.0)

    def release(self) -> None:
        self.opened = False


@pytest.fixture
def fake_device():
    device = FakeDevice()
    register_source("fakecam", lambda rest, live: CameraSource(
        rest, size=(1280, 720), open_capture=device.open, backoff_s=(0.02, 0.05), open_timeout_s=1.0))
    yield device
    unregister_source("fakecam")


def test_camera_asks_for_mjpg_size_and_fps_and_reports_what_it_got(fake_device: FakeDevice) -> None:
    with open_source("fakecam:0", live=True) as camera:
        frame = camera.read(timeout=1.0)
        assert frame is not None and frame.image.shape == (48, 64, 3)
        assert fake_device.settings[cv2.CAP_PROP_FOURCC] == cv2.VideoWriter_fourcc(*"MJPG")
        assert fake_device.settings[cv2.CAP_PROP_FRAME_WIDTH] == 1280
        assert camera.describe()["width"] == 64  # what the camera really gave, not what was asked


def test_camera_keeps_newest_frame_under_slow_reader(fake_device: FakeDevice) -> None:
    with open_source("fakecam:0", live=True) as camera:
        camera.read(timeout=1.0)
        time.sleep(0.2)  # the reader is busy; the camera keeps grabbing
        frame = camera.read(timeout=1.0)
        assert frame is not None
        assert camera.dropped > 5
        assert frame.index > 5


def test_camera_reconnects_after_unplug_and_adapts_to_new_size(fake_device: FakeDevice) -> None:
    with open_source("fakecam:0", live=True) as camera:
        assert camera.read(timeout=1.0) is not None
        fake_device.plugged = False
        deadline = time.monotonic() + 3.0
        while camera.state != "reconnecting" and time.monotonic() < deadline:
            camera.read(timeout=0.05)
        assert camera.state == "reconnecting"
        opens_while_lost = fake_device.opens
        time.sleep(0.2)
        assert fake_device.opens > opens_while_lost  # it keeps trying, with backoff
        fake_device.size = (80, 60)
        fake_device.plugged = True
        frame = None
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            frame = camera.read(timeout=0.1)
            if frame is not None and frame.image.shape == (60, 80, 3):
                break
        assert frame is not None and frame.image.shape == (60, 80, 3)
        assert camera.state == "ok"
        assert camera.reconnects == 1


def test_camera_that_never_opens_is_a_one_line_error() -> None:
    device = FakeDevice()
    device.plugged = False
    started = time.monotonic()
    with pytest.raises(SourceError, match="could not be opened") as info:
        CameraSource("/dev/video5", open_capture=device.open)
    assert time.monotonic() - started < 1.0
    assert "/dev/video5" in info.value.one_line()


def test_camera_that_sends_nothing_is_reported_within_the_timeout() -> None:
    class Silent(FakeCapture):
        def read(self) -> tuple[bool, np.ndarray | None]:
            time.sleep(0.01)
            return False, None

    started = time.monotonic()
    with pytest.raises(SourceError, match="sent no frame"):
        CameraSource(0, open_capture=lambda d: Silent(FakeDevice()), open_timeout_s=0.5)
    assert time.monotonic() - started < 2.0


class ScriptedCapture(FakeCapture):
    """Sends good frames, then black ones, then the same frame forever (a frozen driver)."""

    def __init__(self, device: FakeDevice) -> None:
        super().__init__(device)
        self.frozen = np.random.default_rng(1).integers(0, 255, (48, 64, 3), dtype=np.uint8)

    def read(self) -> tuple[bool, np.ndarray | None]:
        time.sleep(0.005)
        self.counter += 1
        if self.counter <= 10:
            return True, np.random.default_rng(self.counter).integers(0, 255, (48, 64, 3), dtype=np.uint8)
        if self.counter <= 20:
            return True, np.zeros((48, 64, 3), np.uint8)
        if self.counter <= 25:
            return True, np.zeros((0, 0, 3), np.uint8)
        return True, self.frozen


def test_black_corrupt_and_frozen_frames_are_skipped_counted_and_reported() -> None:
    device = FakeDevice()
    camera = CameraSource(0, open_capture=lambda d: ScriptedCapture(device))
    camera.health.frozen_after_s = 0.3
    with camera:
        delivered = []
        deadline = time.monotonic() + 3.0
        while camera.state != "frozen" and time.monotonic() < deadline:
            frame = camera.read(timeout=0.05)
            if frame is not None:
                delivered.append(frame.image)
        assert camera.state == "frozen"
        counts = camera.describe()["skipped"]
        assert counts["black"] == 10 and counts["corrupt"] == 5 and counts["frozen"] > 5
        assert all(image.mean() > 10 for image in delivered)  # no black frame reached the reader
        assert len(delivered) <= 11  # good frames and the frozen one once, never its repeats
