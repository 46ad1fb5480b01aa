"""A virtual camera that is busy (or missing) when the preview starts: the preview goes on showing every
frame and the virtual camera is retried in the background until it opens. (A device that vanishes
mid-session is tests/sinks/test_vcam.py::test_device_missing_later_retries; ``headshot vcam`` itself,
whose only job is the virtual camera, stops with a one-line error: test_vcam_command.py.)"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from realtime.loop import Loop
from realtime.sinks.preview import PreviewSink
from realtime.sinks.vcam import VirtualCameraSink
from realtime.sources.frames import FrameListSource
from tests.faults.fakes import HeadlessDisplay, astronaut_scene
from tests.sinks import fake_vcam


@pytest.fixture
def backend():
    config = fake_vcam.install()
    yield config
    fake_vcam.uninstall()


class Slow:
    """A stage as slow as a real pipeline on a small machine, so the session lasts a second or two."""

    name = "slow"

    def __call__(self, frame) -> None:  # type: ignore[no-untyped-def]
        time.sleep(0.015)


def test_busy_virtual_camera_at_start_the_preview_goes_on_and_the_camera_is_retried(backend) -> None:
    backend.fail_opens = 3 * 4  # four opening attempts fail (each tries BGR, RGB and I420)
    rng = np.random.default_rng(3)
    frames = [np.clip(astronaut_scene((320, 180)) + rng.integers(-3, 4, (180, 320, 3)), 0, 255).astype(np.uint8)
              for _ in range(100)]
    display = HeadlessDisplay()
    stop = threading.Event()
    preview = PreviewSink(display, stop=stop, report=lambda text: None)
    with VirtualCameraSink(fps=30.0, backend=fake_vcam.NAME, retry_s=(0.05, 0.1), required=False) as vcam:
        stats = Loop(FrameListSource(frames), [Slow()], [preview, vcam], stop=stop).run(max_seconds=30)
        deadline = time.monotonic() + 3.0
        while not backend.received and time.monotonic() < deadline:
            time.sleep(0.02)
        sent, failures, reopened = vcam.stats.sent, vcam.stats.failures, vcam.stats.reopened
    assert stats.frames == len(frames) and display.shown == len(frames)  # the preview never stopped
    assert failures >= 1 and reopened >= 1 and sent > 0  # busy at first, retried, then sending
    assert backend.received[-1].width == 320 and backend.received[-1].height == 180


def test_required_virtual_camera_still_fails_at_once(backend) -> None:
    from realtime.errors import SinkError

    backend.fail_opens = 99
    with pytest.raises(SinkError, match="could not open") as info:
        VirtualCameraSink(size=(320, 180), backend=fake_vcam.NAME).__enter__()
    assert "v4l2loopback" in info.value.fix or "OBS" in info.value.fix
