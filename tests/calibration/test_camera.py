"""Camera calibration against a fake webcam: modes, locks, timing, plate, field of view, the profile."""

from __future__ import annotations

import math
import sys

import cv2
import numpy as np
import pytest

from calibration import CalibrationError
from calibration.booth_profile import dumps_toml, read_camera_section, split_list, write_booth_profile
from calibration.camera import (
    FovTarget,
    calibrate_camera,
    choose_mode,
    list_modes,
    lock_controls,
    measure_timing,
    parse_camera_spec,
)
from calibration.fov import chessboard_width_px, focal_from_fov, fov_from_target
from realtime.errors import SourceError
from realtime.sources.demo import DemoRenderer
from tests.calibration.fake_camera import RENDER_SIZE, FakeWebcam

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@pytest.fixture(scope="module")
def renderer() -> DemoRenderer:
    return DemoRenderer(RENDER_SIZE)


def chessboard(frame_size: tuple[int, int], pattern: tuple[int, int], square: int,
               centre: tuple[int, int], angle_deg: float = 0.0) -> np.ndarray:
    """A printed board of (cols + 1) x (rows + 1) squares with a white margin, drawn into a grey frame."""
    cols, rows = pattern
    board = np.full(((rows + 3) * square, (cols + 3) * square), 255, np.uint8)
    for r in range(rows + 1):
        for c in range(cols + 1):
            if (r + c) % 2 == 0:
                y, x = (r + 1) * square, (c + 1) * square
                board[y:y + square, x:x + square] = 0
    frame = np.full((frame_size[1], frame_size[0]), 120, np.uint8)
    matrix = cv2.getRotationMatrix2D((board.shape[1] / 2, board.shape[0] / 2), angle_deg, 1.0)
    matrix[:, 2] += np.array(centre) - np.array([board.shape[1] / 2, board.shape[0] / 2])
    mask = cv2.warpAffine(np.full_like(board, 255), matrix, frame_size, flags=cv2.INTER_NEAREST)
    warped = cv2.warpAffine(board, matrix, frame_size, flags=cv2.INTER_AREA)
    frame[mask > 0] = warped[mask > 0]
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)


@pytest.mark.parametrize("spec, expected", [("0", 0), ("camera:2", 2), ("/dev/video4", "/dev/video4")])
def test_camera_spec_grammar(spec: str, expected: int | str) -> None:
    assert parse_camera_spec(spec) == expected


@pytest.mark.parametrize("spec", ["demo", "clip.mp4", "camera:x", ""])
def test_non_camera_spec_is_a_source_error(spec: str) -> None:
    with pytest.raises(SourceError, match="expected a camera"):
        parse_camera_spec(spec)


def test_modes_list_only_what_the_device_delivers(renderer: DemoRenderer) -> None:
    camera = FakeWebcam(renderer, modes=((640, 480, 30.0), (320, 240, 60.0), (320, 240, 30.0)))
    modes = list_modes(camera, candidates=((1280, 720, 30.0), (640, 480, 30.0), (320, 240, 60.0),
                                           (320, 240, 30.0), (800, 600, 30.0)))
    assert [m.label() for m in modes] == ["640x480@30", "320x240@60", "320x240@30"]
    assert all(m.fourcc == "MJPG" for m in modes)
    assert choose_mode(modes).label() == "640x480@30"  # no 1280x720: the largest
    assert choose_mode(modes, (320, 240)).label() == "320x240@60"  # highest fps of the asked size
    assert choose_mode(modes, (320, 240), 30.0).label() == "320x240@30"
    with pytest.raises(SourceError, match="does not deliver 1920x1080"):
        choose_mode(modes, (1920, 1080))


@pytest.mark.parametrize(
    "refuses, ignores, unlocked",
    [
        ((), (), []),
        ((cv2.CAP_PROP_AUTOFOCUS, cv2.CAP_PROP_FOCUS), (), ["autofocus", "focus"]),
        ((cv2.CAP_PROP_AUTO_WB,), (), ["auto_wb", "wb_temperature"]),  # value set but auto stays on
        ((), (cv2.CAP_PROP_EXPOSURE,), ["exposure"]),  # accepted but reads back unchanged
    ],
)
def test_lock_report_says_what_held(renderer: DemoRenderer, refuses: tuple[int, ...], ignores: tuple[int, ...],
                                    unlocked: list[str]) -> None:
    camera = FakeWebcam(renderer, refuses=refuses, ignores=ignores, modes=((160, 90, 240.0),))
    overrides = {"exposure": 200.0} if ignores else None
    results = {r.name: r for r in lock_controls(camera, overrides, settle_frames=2)}
    assert [name for name, r in results.items() if not r.locked] == unlocked
    assert results["wb_temperature"].asked == 4600.0  # the settled auto value is what gets pinned
    if not refuses:
        assert camera.controls[cv2.CAP_PROP_AUTO_EXPOSURE] == 1.0  # V4L2 manual
    for name in unlocked:
        assert results[name].note


def test_timing_measures_interval_and_latency(renderer: DemoRenderer) -> None:
    camera = FakeWebcam(renderer, modes=((160, 90, 100.0),), latency_s=0.02)
    timing = measure_timing(camera, seconds=0.3)
    assert timing.frames >= 20
    assert timing.fps == pytest.approx(100.0, rel=0.15)
    assert timing.interval_ms == pytest.approx(10.0, rel=0.15)
    assert timing.latency_ms == pytest.approx(20.0, abs=3.0)
    no_stamp = measure_timing(FakeWebcam(renderer, modes=((160, 90, 100.0),), latency_s=None), seconds=0.1)
    assert no_stamp.latency_ms is None and "no buffer timestamp" in no_stamp.latency_note


@pytest.mark.parametrize(
    "pattern, square, angle",
    [((9, 6), 20, 0.0), ((9, 6), 14, 4.0), ((7, 5), 26, -3.0)],
)
def test_chessboard_width_from_a_rendered_board(pattern: tuple[int, int], square: int, angle: float) -> None:
    image = chessboard((640, 480), pattern, square, (330, 250), angle)
    expected = (pattern[0] + 1) * square
    assert chessboard_width_px(image, pattern) == pytest.approx(expected, rel=0.02)


def test_missing_chessboard_is_a_calibration_error(renderer: DemoRenderer) -> None:
    with pytest.raises(CalibrationError, match="no 9x6 chessboard"):
        chessboard_width_px(renderer.render(0.0, 0))


@pytest.mark.parametrize(
    "frame_w, px, width_mm, distance_mm, expected_deg",
    [
        (1280, 640.0, 500.0, 500.0, 90.0),  # f = 640 px: half the frame width, so 2 * 45 degrees
        (640, 320.0, 210.0, 420.0, 2 * math.degrees(math.atan(0.5))),  # f = 640 px, half width 320
    ],
)
def test_fov_formula(frame_w: int, px: float, width_mm: float, distance_mm: float, expected_deg: float) -> None:
    fov = fov_from_target(frame_w, px, width_mm, distance_mm)
    assert fov == pytest.approx(expected_deg, rel=1e-6)
    assert focal_from_fov(frame_w, fov) == pytest.approx(px * distance_mm / width_mm, rel=1e-6)


def test_fov_rejects_nonsense() -> None:
    with pytest.raises(CalibrationError, match="positive target distance"):
        fov_from_target(640, 100.0, 200.0, 0.0)


def test_full_calibration_writes_a_profile_that_reads_back(renderer: DemoRenderer, tmp_path) -> None:
    board = chessboard((320, 240), (9, 6), 16, (160, 120))
    camera = FakeWebcam(renderer, modes=((320, 240, 120.0), (160, 120, 120.0)),
                        frame_source=lambda i: board if i < 200 else renderer.render(0.0, i))
    calibration, plate = calibrate_camera(
        0, open_capture=lambda device: camera, target=FovTarget(width_mm=200.0, distance_mm=400.0),
        plate_frames=5, measure_s=0.2, settle_frames=2)
    assert camera.released == 1
    assert calibration.mode.label() == "320x240@120"
    assert calibration.unlocked == ["autofocus", "focus"]
    expected_fov = fov_from_target(320, 10 * 16, 200.0, 400.0)
    assert calibration.fov_source == "chessboard"
    assert calibration.fov_deg == pytest.approx(expected_fov, rel=0.02)
    assert plate.shape == (240, 320, 3) and plate.dtype == np.uint8

    path = write_booth_profile(tmp_path / "booth" / "booth.toml", calibration, plate)
    assert sorted(p.name for p in path.parent.iterdir()) == ["booth.plate.png", "booth.toml"]  # no temp files
    data = tomllib.loads(path.read_text())
    assert data["extends"] == "professional"
    camera_table = read_camera_section(path)
    assert camera_table["width"] == 320 and camera_table["height"] == 240
    assert camera_table["fov_deg"] == pytest.approx(expected_fov, rel=0.02)
    assert split_list(camera_table["unlocked"]) == ["autofocus", "focus"]
    assert split_list(camera_table["modes"]) == ["320x240@120"]  # 160x120 is not a common mode it was asked
    assert camera_table["auto_exposure"] == 1.0 and camera_table["exposure"] == 156.0
    assert "focus" not in camera_table and "autofocus" not in camera_table
    assert camera_table["fps"] == pytest.approx(120.0, rel=0.2)
    reread = cv2.imread(camera_table["background_plate"])
    assert np.array_equal(reread, plate)


def test_profile_write_is_atomic_on_failure(renderer: DemoRenderer, tmp_path, monkeypatch) -> None:
    camera = FakeWebcam(renderer, modes=((160, 120, 200.0),))
    calibration, plate = calibrate_camera(0, open_capture=lambda d: camera, fov_deg=70.0, plate_frames=3,
                                          measure_s=0.05, settle_frames=1)
    path = write_booth_profile(tmp_path / "booth.toml", calibration, plate)
    before = path.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("realtime.mediafiles.os.replace", broken_replace)  # the one atomic-write helper
    calibration.fov_deg = 50.0
    with pytest.raises(OSError, match="disk full"):
        write_booth_profile(path, calibration, None)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["booth.plate.png", "booth.toml"]


@pytest.mark.parametrize(
    "data",
    [
        {"extends": "id", "camera": {"device": "/dev/video0", "fov_deg": 68.5, "modes": ["640x480@30"],
                                     "controls": {"exposure": 156.0}, "quoted\"name": 'a "b" \\ c'}},
        {"flag": True, "count": 3, "empty": [], "skip": None},
    ],
)
def test_toml_writer_round_trips(data: dict) -> None:
    expected = {k: v for k, v in data.items() if v is not None}
    assert tomllib.loads(dumps_toml(data, "header\nline two")) == expected
