"""How a run ends and what it checks first: SIGTERM like Ctrl-C (exit 143), a closed stdout, bounded flags,
'no face in any frame', bad profiles (deep nesting, a section given a value) refused before the camera,
--out checked before the session, a photo whose crops cannot be made still saved with the cause, and a
photo kept in memory given a last save at the end."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from realtime.cli import main
from realtime.errors import SinkError
from realtime.sources import register_source, unregister_source
from realtime.sources.frames import FrameListSource

ROOT = Path(__file__).parents[2]
NO_SHOULDERS = 'extends = "professional"\n[checks.shoulders]\nrequired = false\n'  # the hold frames' framing
NEVER_READY = 'extends = "professional"\n[checks.head_size]\nlow = 0.95\nhigh = 0.99\n'


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("headshot")]


def test_sigterm_ends_a_capture_like_ctrl_c_with_exit_143(tmp_path) -> None:
    profile = tmp_path / "never.toml"
    profile.write_text(NEVER_READY)
    out = tmp_path / "caps"
    child = subprocess.Popen([sys.executable, "-m", "realtime.cli", "capture", "--source", "demo", "--profile",
                              str(profile), "--out", str(out), "--max-seconds", "3600", "-v"],
                             cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        deadline = time.monotonic() + 240
        seen = ""
        while time.monotonic() < deadline:  # wait for the loop to run: the engine says which backend it chose
            line = child.stderr.readline()
            seen += line
            if not line or "backend" in line.lower():
                break
        time.sleep(1.0)
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 143, (seen + err)[-2000:]
    assert "headshot: stopped (SIGTERM)" in err and "Traceback" not in err
    assert list(out.iterdir()) == []  # nothing half-written, no empty capture folder


def test_a_closed_stdout_is_its_own_line_and_the_work_is_kept(tmp_path, photo) -> None:
    out = tmp_path / "o.png"
    child = subprocess.Popen([sys.executable, "-m", "realtime.cli", "process", str(photo), "--out", str(out)],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    child.stdout.close()  # the reader is gone, as in `headshot process ... | true`
    err = child.stderr.read()
    child.wait(timeout=180)
    assert child.returncode == 141, err[-1500:]
    lines = error_lines(err)
    assert len(lines) == 1 and "stdout was closed" in lines[0] and "free space" not in lines[0], lines
    assert out.is_file()


@pytest.mark.parametrize("argv, flag", [
    (["vcam", "--source", "demo", "--size", "99999x99999"], "--size"),
    (["vcam", "--source", "demo", "--fps", "1e9"], "--fps"),
])
def test_vcam_flags_are_bounded(capsys, argv, flag) -> None:
    assert main(argv) == 2
    lines = error_lines(capsys.readouterr().err)
    assert len(lines) == 1 and flag in lines[0], lines


def test_no_face_in_any_frame_is_said_as_such(tmp_path, capsys) -> None:
    wall = tmp_path / "wall.mp4"  # a video of an empty wall
    writer = cv2.VideoWriter(str(wall), cv2.VideoWriter_fourcc(*"mp4v"), 15.0, (320, 240))
    for _ in range(20):
        writer.write(np.full((240, 320, 3), 180, np.uint8))
    writer.release()
    assert main(["capture", "--source", str(wall), "--out", str(tmp_path / "caps")]) == 10
    err = capsys.readouterr().err
    assert "no face was seen in any frame" in err and "one_person" not in err, err


@pytest.mark.parametrize("text, words", [
    ('extends = "professional"\ncrop = 5\n', ["'crop' is a section", "found 5", "[crop]"]),
    ('extends = "professional"\na = ' + "[" * 3000 + "]" * 3000 + "\n", ["nested more than"]),
    ('extends = "professional"\n[' + ".".join(["x"] * 3000) + "]\ny = 1\n", ["nested more than"]),
])
@pytest.mark.parametrize("command", ["capture", "vcam"])
def test_bad_profiles_are_exit_2_before_the_camera(tmp_path, capsys, text, words, command) -> None:
    profile = tmp_path / "bad.toml"
    profile.write_text(text)
    # /dev/video99 does not exist: opening it first would be exit 3
    assert main([command, "--source", "/dev/video99", "--profile", str(profile)]) == 2
    lines = error_lines(capsys.readouterr().err)
    assert len(lines) == 1 and all(w in lines[0] for w in words), lines


def test_capture_checks_out_before_the_session(tmp_path, capsys) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    opened = []
    register_source("counting", lambda rest, live: opened.append(1) or FrameListSource([]))
    try:
        code = main(["capture", "--source", "counting:x", "--out", str(blocker / "caps")])
    finally:
        unregister_source("counting")
    assert code == 6 and opened == []
    lines = error_lines(capsys.readouterr().err)
    assert len(lines) == 1 and str(blocker) in lines[0], lines


def test_a_crop_the_profile_makes_impossible_does_not_cost_the_photo(holdframes, tmp_path, capsys, monkeypatch):
    from realtime.capture import stage as stage_module

    def too_big(*args, **kwargs):  # what a 47244 px ID crop (id_size_mm = [500, 500] at 2400 dpi) meets
        raise MemoryError("Unable to allocate 6.24 GiB for an array with shape (47244, 47244, 3)")

    monkeypatch.setattr(stage_module, "render_crop", too_big)
    profile = tmp_path / "p.toml"
    profile.write_text(NO_SHOULDERS)
    out = tmp_path / "caps"
    assert main(["capture", "--source", holdframes, "--out", str(out), "--profile", str(profile), "--json"]) == 0
    captured = capsys.readouterr()
    folder = Path(json.loads(captured.out)["folder"])
    assert (folder / "original.png").is_file() and (folder / "processed.png").is_file()
    report = json.loads((folder / "report.json").read_text())
    assert "MemoryError" in report["crop_error"] and "[crop]" in report["crop_error"]


def test_a_render_failure_keeps_the_photo_and_names_the_cause(holdframes, tmp_path, capsys, monkeypatch):
    from realtime.capture import stage as stage_module

    def broken(*args, **kwargs):
        raise ValueError("unsupported colour type")

    monkeypatch.setattr(stage_module, "encode_png", broken)
    monkeypatch.setattr("realtime.commands.capture.WRITE_RETRY_S", 0.01)
    profile = tmp_path / "p.toml"
    profile.write_text(NO_SHOULDERS)
    code = main(["capture", "--source", holdframes, "--out", str(tmp_path / "caps"), "--profile", str(profile)])
    lines = error_lines(capsys.readouterr().err)
    assert code == 6, lines
    assert "could not be encoded (ValueError: unsupported colour type)" in lines[-1] and "None" not in lines[-1]


class _Stage:
    """What last_save needs of a capture stage: two photos the disk refused, one of which fits later."""

    def __init__(self, room: int) -> None:
        self.unsaved = ["a", "b"]
        self.room = room

    def write(self, capture: str) -> Path:
        if self.room <= 0:
            raise SinkError("no space left writing the capture under /x", "free some disk space")
        self.room -= 1
        self.unsaved.remove(capture)
        return Path("/x") / capture


def test_last_save_at_the_end_saves_what_fits_and_names_what_is_lost() -> None:
    from realtime.commands.capture import last_save

    said: list[str] = []
    assert last_save(_Stage(room=2), said.append) is True
    assert said == ["saved /x/a", "saved /x/b"]
    said.clear()
    assert last_save(_Stage(room=1), said.append) is False
    assert said[0] == "saved /x/a" and "1 photo(s) taken but not saved" in said[1] and "no space left" in said[1]


def test_tests_write_no_fixed_names_in_the_system_temp_folder() -> None:
    """Fixed names in /tmp collide between parallel runs and users: tests use tmp_path."""
    fixed = re.compile(r"""(imwrite|write_text|write_bytes|open|Path)\(\s*f?["']/tmp/(?!\.X)""")
    offenders = []
    for path in (ROOT / "tests").rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if fixed.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], offenders


def test_preview_without_a_display_does_not_leave_stray_files(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["preview", "--source", "demo"]) == 5
    assert os.listdir(tmp_path) == []
