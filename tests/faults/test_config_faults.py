"""Bad configuration at the command line: a bad profile file names the file, line, key, expected and
found in one line with exit 2; out-of-range and non-numbers given to numeric flags are refused the same
way, before any camera, model or window is opened. (The loader's own table of profile errors is in
tests/coach/test_profile.py; these go through ``headshot``.)"""

from __future__ import annotations

import os

import pytest

from realtime.cli import main

BAD_PROFILES = [
    # (file text, fragments that must all be in the one line)
    ('extends = "professional"\n\n[checks.head_size]\nhigh = 1.5\n',
     ["bad.toml", "line 4", "checks.head_size.high", "expected a number from 0.05 to 1", "found 1.5"]),
    ('extends = "professional"\n[checks.yaw]\nmax_abs_deg = "eight"\n',
     ["bad.toml", "line 3", "checks.yaw.max_abs_deg", "expected a number", "found 'eight'"]),
    ('extends = "professional"\n[relite]\nstrength = 0.3\n',
     ["bad.toml", "line 2", "unknown key 'relite'", "did you mean 'relight'"]),
    ('extends = "professional"\n[background]\nmode = "replace"\n',
     ["bad.toml", "line 3", "background.mode", '"keep", "blur", "studio"', "found 'replace'"]),
]


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("headshot")]


@pytest.mark.parametrize(("text", "fragments"), BAD_PROFILES, ids=["range", "type", "unknown", "choice"])
@pytest.mark.parametrize("command", ["capture", "check"])
def test_bad_profile_is_one_line_with_file_line_key_expected_found(tmp_path, capsys, photo, command, text,
                                                                   fragments) -> None:
    profile = tmp_path / "bad.toml"
    profile.write_text(text)
    argv = {"capture": ["capture", "--source", str(photo), "--out", str(tmp_path / "out")],
            "check": ["check", str(photo)]}[command]
    assert main([*argv, "--profile", str(profile)]) == 2
    lines = error_lines(capsys.readouterr().err)
    assert len(lines) == 1, lines
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert not (tmp_path / "out").exists()  # refused before anything was written


BAD_FLAGS = [
    (["capture", "--source", "demo", "--max-seconds", "0"], "--max-seconds"),
    (["capture", "--source", "demo", "--max-seconds", "-3"], "--max-seconds"),
    (["capture", "--source", "demo", "--max-seconds", "nan"], "--max-seconds"),
    (["capture", "--source", "demo", "--max-seconds", "ten"], "--max-seconds"),
    (["capture", "--source", "demo", "--background", "purple"], "--background"),
    (["preview", "--source", "demo", "--seconds", "0"], "--seconds"),
    (["preview", "--source", "demo", "--seconds", "nan"], "--seconds"),
    (["vcam", "--source", "demo", "--fps", "0"], "--fps"),
    (["vcam", "--source", "demo", "--fps", "nan"], "--fps"),
    (["vcam", "--source", "demo", "--size", "0x0"], "--size"),
    (["vcam", "--source", "demo", "--size", "1280x0"], "--size"),
    (["vcam", "--source", "demo", "--size", "wide"], "--size"),
    (["bench", "--frames", "0"], "--frames"),
    (["calibrate", "int8", "--count", "0"], "--count"),
]


@pytest.mark.parametrize(("argv", "flag"), BAD_FLAGS, ids=[" ".join(a[2:] if a[1] == "--source" else a[1:])
                                                           for a, _ in BAD_FLAGS])
def test_bad_flag_values_are_refused_in_one_line(capsys, monkeypatch, tmp_path, argv, flag) -> None:
    monkeypatch.chdir(tmp_path)  # were a bad value accepted, its captures would land here
    monkeypatch.delenv("DISPLAY", raising=False)  # a flag error must come before the window is needed
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own refusals (choices, types) exit 2 from parse_args
        code = exc.code
    assert code == 2
    lines = error_lines(capsys.readouterr().err)
    assert len(lines) == 1, lines
    assert flag in lines[0]


def test_process_threads_out_of_range(tmp_path, capsys, photo) -> None:
    code = main(["process", str(photo), "--out", str(tmp_path / "o.png"), "--threads", "0"])
    lines = error_lines(capsys.readouterr().err)
    assert code in (2, 4) and len(lines) == 1
    assert "threads" in lines[0] and "0" in lines[0]
    assert not os.path.exists(tmp_path / "o.png")
