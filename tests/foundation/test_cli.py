"""The CLI: help, version, bad flags, doctor, and the one-line error for a missing camera."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from realtime.cli import build_parser, main

HEADSHOT = [sys.executable, "-m", "realtime.cli"]


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in commands:
        assert name in out
    assert "doctor" in commands


def test_unknown_flag_is_one_line_and_exit_2() -> None:
    result = subprocess.run([*HEADSHOT, "doctor", "--frobnicate"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("headshot: error:") and "--frobnicate" in lines[-1]


def test_doctor_runs_and_reports_json() -> None:
    result = subprocess.run([*HEADSHOT, "doctor", "--json"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)
    topics = {f["topic"] for f in findings}
    assert {"display", "onnxruntime", "model"} <= topics
    assert all(f["fix"] for f in findings if not f["ok"])  # every missing piece says what to do


def test_capture_from_missing_camera_fails_fast_in_one_line() -> None:
    started = time.monotonic()
    result = subprocess.run([*HEADSHOT, "capture", "--source", "camera:9", "--out", "/tmp/never"],
                            capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - started
    assert result.returncode != 0
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("headshot:")]
    assert len(error_lines) == 1 and "/dev/video9" in error_lines[0]
    assert elapsed < 5.0 + 3.0  # the camera error itself within 5 s; the rest is interpreter start-up
