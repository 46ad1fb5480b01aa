"""Smoke tests of ``headshot calibrate int8`` and ``headshot calibrate camera`` (fake camera, temp cache)."""

from __future__ import annotations

import sys

import pytest

from realtime.cli import main
from realtime.sources.demo import DemoRenderer
from tests.calibration.fake_camera import RENDER_SIZE, FakeWebcam

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_calibrate_camera_writes_the_profile(tmp_path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    renderer = DemoRenderer(RENDER_SIZE)
    camera = FakeWebcam(renderer, modes=((320, 240, 200.0),))
    monkeypatch.setattr("calibration.camera.OPEN_CAPTURE", lambda device: camera)
    monkeypatch.setattr("calibration.camera.SETTLE_FRAMES", 2)
    out = tmp_path / "booth.toml"
    code = main(["calibrate", "camera", "--source", "camera:0", "--out", str(out), "--fov", "70",
                 "--plate-frames", "3", "--plate-delay", "0"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "not locked: autofocus" in printed and "70.0 deg (given)" in printed
    data = tomllib.loads(out.read_text())
    assert data["extends"] == "professional" and data["camera"]["fov_deg"] == 70.0
    assert (tmp_path / "booth.plate.png").is_file()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["calibrate", "camera", "--source", "demo"], "expected a camera"),
        (["calibrate", "camera", "--target-width-mm", "200"], "needs --target-distance-mm"),
        (["calibrate", "camera", "--target-px", "300"], "need --target-width-mm"),
        (["calibrate", "int8", "--count", "3"], "at least 8"),
        (["calibrate", "int8", "--size", "big"], "WIDTHxHEIGHT"),
    ],
)
def test_bad_input_is_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("headshot: error:") and message in err[-1]


def test_calibrate_int8_builds_then_reuses(tmp_path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HEADSHOT_CACHE_DIR", str(tmp_path))
    argv = ["calibrate", "int8", "--count", "24", "--size", "320x180"]
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert "int8 model (built)" in first and "kept in float: head" in first
    assert main(argv) == 0
    assert "int8 model (cached)" in capsys.readouterr().out
    assert list((tmp_path / "int8").glob("*.qdq.onnx"))
