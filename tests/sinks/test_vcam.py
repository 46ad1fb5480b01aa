"""The virtual camera sink against a fake pyvirtualcam backend: size, format, content, order, pacing,
stall repeats, and recovery from a backend that fails."""

from __future__ import annotations

import statistics
import sys
import time

import cv2
import numpy as np
import pytest
from skimage import data

from realtime.coach.assessment import Assessment
from realtime.errors import ConfigError, SinkError
from realtime.frame import FrameResult
from realtime.sinks.overlay import OverlayView, render_overlay
from realtime.sinks.vcam import VirtualCameraSink, convert, even_size, fit_to
from tests.sinks import fake_vcam

ASTRONAUT = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


@pytest.fixture()
def backend():
    config = fake_vcam.install()
    yield config
    fake_vcam.uninstall()


def make_frame(frame_id: int, size: tuple[int, int] = (640, 480), t: float | None = None) -> FrameResult:
    """A frame whose processed image differs from the original (inverted), with the id in a corner pixel."""
    image = cv2.resize(ASTRONAUT, size)
    processed = 255 - image
    processed[:4, :4] = frame_id % 256
    now = time.monotonic()
    return FrameResult(frame_id, now, frame_id / 30.0 if t is None else t, image, processed=processed)


def wait_for(predicate, timeout: float = 3.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


@pytest.mark.parametrize(
    ("size", "expected"),
    [((640, 480), (640, 480)), ((641, 481), (640, 480)), ((1279, 720), (1278, 720)), ((3, 2), (2, 2))],
)
def test_even_size_rounds_down(size, expected):
    assert even_size(*size) == expected


def test_even_size_rejects_tiny():
    with pytest.raises(ConfigError, match="at least 2x2"):
        even_size(1, 480)


@pytest.mark.parametrize(
    ("formats", "fourcc"),
    [(("24BG", "raw ", "I420"), "24BG"), (("raw ", "I420"), "raw "), (("I420",), "I420")],
)
def test_sends_processed_frame_in_first_supported_format(backend, formats, fourcc):
    backend.formats = formats
    frame = make_frame(7)
    with VirtualCameraSink(size=(640, 480), fps=30, backend=fake_vcam.NAME) as sink:
        sink.send(frame)
        assert wait_for(lambda: len(backend.received) >= 1)
    got = backend.received[0]
    assert (got.width, got.height, got.fourcc) == (640, 480, fourcc)
    code = {"24BG": None, "raw ": cv2.COLOR_BGR2RGB, "I420": cv2.COLOR_BGR2YUV_I420}[fourcc]
    expected = frame.processed if code is None else cv2.cvtColor(frame.processed, code)
    np.testing.assert_array_equal(got.buffer, expected.reshape(-1))
    assert not np.array_equal(got.buffer, convert(frame.image, sink.fmt).reshape(-1))  # not the raw frame


def test_never_sends_the_overlay(backend):
    frame = make_frame(1)
    frame.assessment = Assessment({}, "Move closer", None, False, False, (200, 100, 440, 400), 200.0)
    render_overlay(frame.output, frame.assessment, OverlayView())  # what the preview draws
    with VirtualCameraSink(size=(640, 480), fps=30, backend=fake_vcam.NAME) as sink:
        sink.send(frame)
        assert wait_for(lambda: len(backend.received) >= 1)
    sent = backend.received[0].buffer.reshape(480, 640, 3)
    np.testing.assert_array_equal(sent, frame.processed)
    guide = np.all(sent == np.array([255, 255, 0], np.uint8), axis=-1)
    assert guide.sum() < 50  # no cyan guide lines were drawn into it


def test_odd_frame_is_trimmed_and_other_sizes_resized(backend):
    with VirtualCameraSink(fps=30, backend=fake_vcam.NAME) as sink:
        frame = make_frame(3, size=(641, 481))
        sink.send(frame)  # opens at the first frame's size, rounded down to even
        assert wait_for(lambda: len(backend.received) >= 1)
        assert sink.size == (640, 480)
    np.testing.assert_array_equal(backend.received[0].buffer.reshape(480, 640, 3), frame.processed[:480, :640])
    wide = np.zeros((400, 1000, 3), np.uint8)
    assert fit_to(wide, (640, 480)).shape == (480, 640, 3)


def test_paced_latest_frame_no_backlog(backend):
    fps = 40.0
    with VirtualCameraSink(size=(320, 240), fps=fps, backend=fake_vcam.NAME) as sink:
        start = time.monotonic()
        i = 0
        while time.monotonic() - start < 1.0:  # a loop three times faster than the device
            sink.send(make_frame(i, size=(320, 240)))
            i += 1
            time.sleep(1.0 / 120.0)
        sent_ids = [int(r.buffer[0]) for r in backend.received]
        times = [r.t for r in backend.received]
    assert 0.7 * fps <= len(times) <= 1.2 * fps + 2, len(times)  # about fps frames in a second, no more
    intervals = np.diff(times)
    assert statistics.median(intervals) == pytest.approx(1.0 / fps, rel=0.25)
    assert all(b >= a for a, b in zip(sent_ids, sent_ids[1:]))  # never an older frame after a newer one
    assert sink.stats.received == i and sink.stats.sent < i / 2  # frames were dropped, not queued


def test_stalled_source_repeats_last_frame(backend):
    fps = 50.0
    with VirtualCameraSink(size=(320, 240), fps=fps, backend=fake_vcam.NAME) as sink:
        sink.send(make_frame(9, size=(320, 240)))
        time.sleep(0.4)  # the source stalls
        sink.idle("reconnecting")
    assert len(backend.received) >= 10
    first = backend.received[0].buffer
    assert all(np.array_equal(r.buffer, first) for r in backend.received)
    assert sink.stats.repeated == sink.stats.sent - 1


def test_failing_device_is_reopened_and_sending_goes_on(backend):
    backend.fail_after_sends = 3  # every device dies after three frames
    sink = VirtualCameraSink(size=(320, 240), fps=60, backend=fake_vcam.NAME, retry_s=(0.05,))
    with sink:
        for i in range(60):
            sink.send(make_frame(i, size=(320, 240)))  # never raises on the loop's thread
            time.sleep(1 / 60)
    assert sink.stats.failures >= 2
    assert sink.stats.reopened >= 2
    assert backend.opened >= 3 and len(backend.received) >= 6


def test_device_missing_at_start_is_a_sink_error_with_the_fix(backend):
    backend.fail_opens = 99
    with pytest.raises(SinkError) as info:
        with VirtualCameraSink(size=(320, 240), fps=30, backend=fake_vcam.NAME):
            pass
    assert "could not open" in info.value.problem
    if sys.platform.startswith("linux"):
        assert "modprobe v4l2loopback exclusive_caps=1" in info.value.fix
    else:
        assert "OBS" in info.value.fix


def test_device_missing_later_retries(backend):
    sink = VirtualCameraSink(size=(320, 240), fps=60, backend=fake_vcam.NAME, retry_s=(0.05,))
    with sink:
        backend.fail_after_sends = 1
        sink.send(make_frame(0, size=(320, 240)))
        assert wait_for(lambda: sink.stats.failures >= 1)
        backend.fail_opens = 2  # the device is gone for two attempts, then comes back
        backend.fail_after_sends = None
        assert wait_for(lambda: sink.stats.reopened >= 1, timeout=3.0)
        count = len(backend.received)
        assert wait_for(lambda: len(backend.received) > count + 3)


def test_unknown_backend_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown virtual camera backend"):
        with VirtualCameraSink(size=(320, 240), backend="no-such-backend"):
            pass


def test_wrong_device_name_is_reported(backend):
    with pytest.raises(SinkError, match="/dev/video99"):
        with VirtualCameraSink(size=(320, 240), device="/dev/video99", backend=fake_vcam.NAME):
            pass
