"""The booth profile against the coach's profile loader: it extends "professional" and its [camera] fits."""

from __future__ import annotations

import pytest

from calibration.booth_profile import CAMERA_SECTION_SPEC, write_booth_profile
from calibration.camera import CameraCalibration, CameraMode, ControlResult, FrameTiming
from realtime.coach.profile import load_profile
from realtime.coach.profile_schema import SECTION_KEYS
from realtime.errors import ConfigError


def calibration(fov: float | None = 68.0) -> CameraCalibration:
    return CameraCalibration(
        device="/dev/video0",
        mode=CameraMode(1280, 720, 30.0, "MJPG"),
        modes=[CameraMode(1280, 720, 30.0, "MJPG"), CameraMode(640, 480, 30.0, "MJPG")],
        controls=[ControlResult("auto_exposure", 1.0, 1.0, True), ControlResult("exposure", 156.0, 156.0, True),
                  ControlResult("focus", 30.0, 0.0, False, "refused")],
        timing=FrameTiming(60, 29.9, 33.4, 1.1, 35.0, 42.0, "estimate"),
        fov_deg=fov,
        fov_source="given" if fov else "unknown",
    )


def test_coach_schema_knows_every_camera_key() -> None:
    """The [camera] keys this writer emits are the ones the coach loader validates, with the same specs."""
    assert SECTION_KEYS["camera"].keys() == CAMERA_SECTION_SPEC.keys()
    for key, spec in CAMERA_SECTION_SPEC.items():
        if key != "fov_source":  # the coach accepts any text there; we write one of FOV_SOURCES
            assert SECTION_KEYS["camera"][key] == spec, key


@pytest.mark.parametrize("fov", [68.0, None])
def test_booth_profile_loads_with_the_coach_loader(tmp_path, fov: float | None) -> None:
    path = write_booth_profile(tmp_path / "booth.toml", calibration(fov))
    profile = load_profile(path)
    base = load_profile("professional")
    assert profile.checks == base.checks and profile.crop == base.crop  # everything else is inherited
    assert profile.camera["width"] == 1280 and profile.camera["exposure"] == 156.0
    assert profile.camera_fov_deg == fov
    assert "focus" not in profile.camera and profile.camera["unlocked"] == "focus"


def test_builtin_profiles_have_no_camera() -> None:
    for name in ("professional", "id", "actor"):
        assert not load_profile(name).camera


def test_a_wrong_camera_value_is_refused_by_the_loader(tmp_path) -> None:
    path = write_booth_profile(tmp_path / "booth.toml", calibration())
    path.write_text(path.read_text().replace("fov_deg = 68.0", "fov_deg = 400.0"))
    with pytest.raises(ConfigError, match="camera.fov_deg"):
        load_profile(path)
