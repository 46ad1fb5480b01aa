"""Every check says what it is judged on (the camera frame or what the studio delivers), in code and in
``headshot check --json``."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
from skimage import data

from realtime.cli import main
from realtime.coach.checks import CHECKS, JUDGED_ON


def test_every_check_names_what_it_is_judged_on() -> None:
    assert set(JUDGED_ON) == set(CHECKS)
    assert set(JUDGED_ON.values()) <= {"camera", "delivered"}
    assert JUDGED_ON["background"] == "delivered"
    assert JUDGED_ON["pitch"] == JUDGED_ON["eyes_open"] == "camera"


def test_check_json_reports_it(tmp_path: Path, capsys) -> None:
    photo = tmp_path / "astronaut.png"
    cv2.imwrite(str(photo), cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    assert main(["check", str(photo), "--json", "--matte", "none"]) in (0, 10)  # 10: not every check passes
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {name: c["judged_on"] for name, c in report["checks"].items()} == JUDGED_ON
    assert "exposure_stops" in report["measurements"]
