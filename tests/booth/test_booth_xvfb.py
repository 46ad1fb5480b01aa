"""``headshot booth`` for real on Xvfb: the window opens on the attract screen, a click on START (the
mouse callback, as a touch screen sends it) starts a session, x leaves it, q quits with exit code 0.

The booth runs with ``--start press``: the demo's person is in view from the first frame, and on the
default ``--start face`` a session would begin by itself a second later, racing the screenshot."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from realtime.booth.machine import State
from realtime.booth.screens import BoothView, render
from tests.xvfb import killed_if_left

pytestmark = pytest.mark.display

HEADSHOT = [sys.executable, "-m", "realtime.cli"]


def wait_line(path: Path, text: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(text in line for line in path.read_text().splitlines() if line.startswith("headshot booth:")):
            return
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"no {text!r} in: {path.read_text()[-2000:]}")


def test_booth_window_touch_start_and_quit(xdisplay, tmp_path):
    err = tmp_path / "stderr.txt"
    out = tmp_path / "photos"
    with open(err, "w") as stream:
        with killed_if_left(subprocess.Popen([*HEADSHOT, "booth", "--source", "demo", "--out", str(out),
                                              "--start", "press"], env=xdisplay.env,
                                             stdout=subprocess.DEVNULL, stderr=stream)) as process:
            window = xdisplay.find_window("Headshot Studio", timeout=90)
            wait_line(err, "started", process)
            _, buttons = render(BoothView(State.ATTRACT))
            x0, y0, x1, y1 = buttons[0].rect
            deadline, drawn = time.monotonic() + 90.0, 0.0
            while drawn <= 0.4 and time.monotonic() < deadline:  # the first paint may lag on a busy machine
                time.sleep(0.5)
                shot = xdisplay.window_shot(window, tmp_path / "attract.png")
                button = shot[y0 + 10:y1 - 10, x0 + 10:x1 - 10].astype(int)
                drawn = float((np.abs(button - np.array(buttons[0].colour)).sum(axis=-1) < 30).mean())
            assert drawn > 0.4  # START drawn where the touch will land
            xdisplay.click(window, (x0 + x1) // 2, (y0 + y1) // 2)
            wait_line(err, "state coaching", process)
            time.sleep(1.5)
            coaching = xdisplay.window_shot(window, tmp_path / "booth_window_coaching.png")
            assert coaching.mean() > 60
            xdisplay.key(window, "x")
            wait_line(err, "session ended, 0 photos kept", process)
            assert xdisplay.quit(window, process, timeout=20) == 0
    assert list(out.iterdir()) == []  # nothing accepted, nothing on disk
