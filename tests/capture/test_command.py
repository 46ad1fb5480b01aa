"""``headshot capture``: flags, exit codes, and the "nothing captured" message on the real demo."""

from __future__ import annotations

import json

import pytest

from realtime.cli import main
from realtime.commands.capture import EXIT_NO_CAPTURE, is_camera


@pytest.mark.parametrize(
    ("spec", "camera"),
    [("0", True), ("camera:1", True), ("/dev/video2", True), ("demo", False), ("clip.mp4", False),
     ("photos/", False), ("10x.png", False)],
)
def test_cameras_are_live_files_and_demo_are_not(spec: str, camera: bool) -> None:
    assert is_camera(spec) is camera


def test_help_documents_the_exit_codes(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["capture", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--source", "--profile", "--out", "--max-seconds", "--background", "--no-relight", "--backend",
                 "--json"):
        assert flag in out
    assert f"{EXIT_NO_CAPTURE}  nothing captured" in out


def test_bad_max_seconds_is_a_config_error(capsys) -> None:
    assert main(["capture", "--source", "demo", "--max-seconds", "0"]) == 2
    assert "--max-seconds" in capsys.readouterr().err


def test_missing_source_is_a_source_error(tmp_path, capsys) -> None:
    assert main(["capture", "--source", str(tmp_path / "missing.mp4"), "--out", str(tmp_path)]) == 3
    assert "missing.mp4" in capsys.readouterr().err


def test_time_limit_names_the_check_that_failed_most(tmp_path, capsys) -> None:
    # The demo's first seconds: the person is far away and off-centre, lit from the side.
    code = main(["capture", "--source", "demo", "--out", str(tmp_path), "--max-seconds", "1.5"])
    assert code == EXIT_NO_CAPTURE
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "no capture within 1.5 s" in err and "failed most" in err
    assert "face_found" in err and "closer" in err  # the check and its instruction
    assert list(tmp_path.iterdir()) == []


def test_time_limit_as_json(tmp_path, capsys) -> None:
    code = main(["capture", "--source", "demo", "--out", str(tmp_path), "--max-seconds", "1", "--json"])
    assert code == EXIT_NO_CAPTURE
    result = json.loads(capsys.readouterr().out)
    assert result["captured"] is False and result["reason"] == "time limit"
    assert result["most_failed"]["check"] == max(result["failures"], key=result["failures"].get)
    assert result["most_failed"]["instruction"]
    assert result["frames"] == 31  # 0.0 .. 1.0 s at 30 fps
