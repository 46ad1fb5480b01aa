"""``booth --print``: the 4x6 sheets and the ``lp`` call, with a fake ``lp`` on PATH that records its
arguments and keeps a copy of the file it was given (no CUPS needed)."""

from __future__ import annotations

import os
import stat
import textwrap
from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

from realtime.booth.printing import DPI, SHEET, Printer, id_sheet, portraits_sheet
from realtime.errors import ConfigError

FAKE_LP = """\
#!/bin/sh
# records every argument on its own line and copies the file (the last argument)
printf '%s\\n' "$@" > "{record}/args.txt"
for last; do :; done
cp "$last" "{record}/printed.png"
{tail}
"""


def fake_lp(tmp_path: Path, *, fail: bool = False) -> Path:
    bin_dir = tmp_path / "bin"
    record = tmp_path / "record"
    bin_dir.mkdir()
    record.mkdir()
    tail = 'echo "lp: The printer or class does not exist." >&2; exit 1' if fail else 'echo "request id is x-1"'
    lp = bin_dir / "lp"
    lp.write_text(textwrap.dedent(FAKE_LP.format(record=record, tail=tail)))
    lp.chmod(lp.stat().st_mode | stat.S_IXUSR)
    return bin_dir


def photo_folder(tmp_path: Path) -> Path:
    photo = tmp_path / "session-20261202-101010-001" / "headshot-20261202-101012-01"
    photo.mkdir(parents=True)
    face = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    cv2.imwrite(str(photo / "vertical.jpg"), cv2.resize(face[:, 50:450], (800, 1000)))
    cv2.imwrite(str(photo / "id.jpg"), cv2.resize(face[:, 80:430], (413, 531)))
    return photo


def test_lp_gets_the_printer_and_a_4x6_sheet_with_two_portraits(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{fake_lp(tmp_path)}{os.pathsep}{os.environ['PATH']}")
    photo = photo_folder(tmp_path)
    lines: list[str] = []
    with Printer("Booth_Printer", report=lines.append) as printer:
        printer.submit(photo)
    assert lines == [] and printer.printed == [photo]
    args = (tmp_path / "record" / "args.txt").read_text().splitlines()
    assert args[:2] == ["-d", "Booth_Printer"] and "media=4x6" in args and args[-1].endswith(".png")
    assert not Path(args[-1]).exists()  # the spooled sheet is gone once lp has it
    sheet = cv2.imread(str(tmp_path / "record" / "printed.png"))
    assert sheet.shape[:2] == (SHEET[1], SHEET[0]) == (4 * DPI, 6 * DPI)
    columns = np.where((sheet < 250).any(axis=(0, 2)))[0]
    runs = np.split(columns, np.where(np.diff(columns) > 1)[0] + 1)
    assert len(runs) == 2 and len(runs[0]) == len(runs[1])
    left, right = sheet[:, runs[0]], sheet[:, runs[1]]
    assert np.abs(left.astype(int) - right.astype(int)).mean() < 2  # the same portrait twice
    assert left.std() > 30  # and a picture, not a blank
    for run in runs:  # each portrait 4:5, 3.6 inches tall
        rows = np.where((sheet[:, run] < 250).any(axis=(1, 2)))[0]
        assert (rows[-1] - rows[0] + 1) == pytest.approx(3.6 * DPI, abs=2)
        assert (run[-1] - run[0] + 1) / (rows[-1] - rows[0] + 1) == pytest.approx(0.8, abs=0.01)


def test_id_sheet_has_eight_35x45mm_photos():
    face = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    sheet = id_sheet(face)
    assert sheet.shape[:2] == (SHEET[1], SHEET[0])
    dark = (sheet < 200).any(axis=2)
    columns = np.where(dark.any(axis=0))[0]
    rows = np.where(dark.any(axis=1))[0]
    col_runs = np.split(columns, np.where(np.diff(columns) > 1)[0] + 1)
    row_runs = np.split(rows, np.where(np.diff(rows) > 1)[0] + 1)
    assert len(col_runs) == 4 and len(row_runs) == 2
    width_mm = (col_runs[0][-1] - col_runs[0][0] + 1) / DPI * 25.4
    height_mm = (row_runs[0][-1] - row_runs[0][0] + 1) / DPI * 25.4
    assert width_mm == pytest.approx(35, abs=0.5) and height_mm == pytest.approx(45, abs=0.5)


def test_portrait_sheet_crops_a_wide_image_to_4_by_5():
    wide = np.zeros((100, 400, 3), np.uint8)
    wide[:, 190:210] = 255  # a white stripe in the middle survives the centred crop
    sheet = portraits_sheet(wide)
    assert sheet.shape[:2] == (SHEET[1], SHEET[0])


def test_missing_lp_is_one_warning_and_nothing_else(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no lp there
    lines: list[str] = []
    with Printer("Booth_Printer", report=lines.append) as printer:
        assert not printer.available
        printer.submit(photo_folder(tmp_path))
    assert len(lines) == 1 and "no 'lp' command" in lines[0] and "\n" not in lines[0]
    assert printer.printed == []


def test_unknown_printer_is_one_warning_and_the_booth_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{fake_lp(tmp_path, fail=True)}{os.pathsep}{os.environ['PATH']}")
    lines: list[str] = []
    photo = photo_folder(tmp_path)
    with Printer("Nope", report=lines.append) as printer:
        printer.submit(photo)
        printer.submit(photo)
    assert len(lines) == 2 and all("printer or class does not exist" in line for line in lines)
    assert printer.printed == []


@pytest.mark.parametrize("name, layout", [("", "portraits"), ("-oops", "portraits"), ("P", "poster")])
def test_bad_print_flags_are_config_errors(name, layout):
    with pytest.raises(ConfigError):
        Printer(name, layout=layout)
