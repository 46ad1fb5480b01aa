"""The webcam as the user has it: modes probed through OpenCV's answers, the largest 16:9 mode at 25 fps
or more by default, --camera-size / --camera-fps honoured; on the calibration tests' fake V4L2 webcam."""

from __future__ import annotations

import pytest

from realtime.errors import ConfigError
from realtime.sources.camera import CameraSource, choose_mode, parse_camera_size, probe_modes
from realtime.sources.demo import DemoRenderer
from tests.calibration.fake_camera import FakeWebcam

MODES = ((640, 480, 30.0), (3840, 2160, 15.0), (1920, 1080, 30.0), (1920, 1080, 5.0), (1280, 720, 60.0),
         (1280, 720, 30.0), (640, 360, 30.0))


@pytest.fixture(scope="module")
def renderer():
    return DemoRenderer()


def webcam(renderer, modes=MODES) -> FakeWebcam:
    return FakeWebcam(renderer, modes=modes, latency_s=None)


def test_probe_reads_back_what_the_camera_accepts(renderer):
    found = probe_modes(webcam(renderer))
    assert [m[:2] for m in found] == [(3840, 2160), (1920, 1080), (1280, 720), (640, 360)]
    assert dict(((w, h), fps) for w, h, fps in found)[(1920, 1080)] == 30.0


@pytest.mark.parametrize(("modes", "expected"), [
    ([(3840, 2160, 15.0), (1920, 1080, 30.0), (1280, 720, 60.0)], (1920, 1080, 30.0)),  # 4K is too slow
    ([(1280, 720, 30.0), (640, 360, 30.0)], (1280, 720, 30.0)),
    ([(1920, 1080, 24.0), (1280, 720, 10.0)], (1920, 1080, 24.0)),  # nothing fast: the fastest 16:9
    ([(640, 480, 30.0)], None),  # no 16:9 mode: leave the camera's own
])
def test_choose_largest_wide_mode_that_runs_at_25_fps(modes, expected):
    assert choose_mode(modes) == expected


def test_camera_defaults_to_its_largest_fast_16_9_mode(renderer):
    device = webcam(renderer)
    camera = CameraSource(0, open_capture=lambda d: device, open_timeout_s=2.0)
    try:
        assert (camera.actual["width"], camera.actual["height"], camera.actual["fps"]) == (1920, 1080, 30.0)
        assert camera.read(timeout=2.0).image.shape[:2] == (1080, 1920)
        assert camera.describe()["requested_size"] == (1920, 1080)
    finally:
        camera.close()


def test_camera_size_and_fps_flags_win(renderer):
    device = webcam(renderer)
    camera = CameraSource(0, size=(1280, 720), fps=60.0, open_capture=lambda d: device, open_timeout_s=2.0)
    try:
        assert (camera.actual["width"], camera.actual["height"], camera.actual["fps"]) == (1280, 720, 60.0)
    finally:
        camera.close()


@pytest.mark.parametrize(("text", "size"), [("1920x1080", (1920, 1080)), (" 640X360 ", (640, 360)), (None, None)])
def test_parse_camera_size(text, size):
    assert parse_camera_size(text) == size


@pytest.mark.parametrize("text", ["1920", "bigxsmall", "8x8"])
def test_parse_camera_size_rejects(text):
    with pytest.raises(ConfigError, match="--camera-size"):
        parse_camera_size(text)


def test_cli_rejects_a_bad_camera_size(capsys):
    from realtime.cli import main

    assert main(["capture", "--source", "demo", "--camera-size", "huge"]) == 2
    assert "--camera-size" in capsys.readouterr().err
