"""``headshot preview`` on the demo survives a camera unplugged mid-session: the window says "Camera
lost, reconnecting" over the last picture, the camera reconnects, and the preview returns to normal,
checked on screenshots of a real window on Xvfb (see preview_camera_loss.py for the pulled cable)."""

from __future__ import annotations

import subprocess
import sys
import time
import warnings
from pathlib import Path

import cv2
import numpy as np
import pytest

from realtime.sinks.overlay import GUIDE
from tests.xvfb import killed_if_left

pytestmark = pytest.mark.display
ROOT = Path(__file__).parents[2]
TITLE = "Headshot Studio"


def red_band(shot: np.ndarray) -> float:
    """Share of the middle rows covered by the idle band's red (the text on it is white, a minority)."""
    middle = shot[shot.shape[0] // 2 - 45: shot.shape[0] // 2 + 45].astype(int)
    b, g, r = middle[..., 0], middle[..., 1], middle[..., 2]
    return float(((r > b + 50) & (r > g + 50)).mean())


def guide_pixels(shot: np.ndarray) -> int:
    return int(np.all(np.abs(shot.astype(int) - np.array(GUIDE)) < 40, axis=-1).sum())


class Screen:
    """What the person sees: a screenshot of the window on Xvfb. Under heavy load Qt sometimes never
    paints an Xvfb window (the server shows all black while frames are drawn); then the picture the
    preview handed to the window (saved by the harness on request) stands in, and is counted."""

    def __init__(self, display, window: int, folder: Path, control: Path) -> None:
        self.display, self.window, self.folder, self.control = display, window, folder, control
        self.count = 0
        self.stand_ins = 0

    def shot(self) -> np.ndarray:
        self.count += 1
        image = self.display.window_shot(self.window, self.folder / f"shot{self.count}.png")
        if image.max() > 0:
            return image
        self.stand_ins += 1
        (self.control / "shown.png").unlink(missing_ok=True)
        (self.control / "snap").touch()
        deadline = time.monotonic() + 10
        while not (self.control / "shown.png").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return cv2.imread(str(self.control / "shown.png"))

    def wait_for(self, condition, timeout: float) -> np.ndarray:
        deadline = time.monotonic() + timeout
        while True:
            shot = self.shot()
            if condition(shot) or time.monotonic() > deadline:
                return shot
            time.sleep(0.3)


def test_preview_survives_camera_loss_and_returns_to_normal(xdisplay, tmp_path) -> None:
    control = tmp_path / "control"
    control.mkdir()
    args = [sys.executable, "-m", "tests.faults.preview_camera_loss", str(control), "--out", str(tmp_path / "out")]
    with open(tmp_path / "stderr.txt", "w") as err, killed_if_left(
            subprocess.Popen(args, cwd=ROOT, env=xdisplay.env, stdout=subprocess.DEVNULL, stderr=err)) as process:
        window = xdisplay.find_window(TITLE, timeout=90)
        screen = Screen(xdisplay, window, tmp_path, control)
        normal = screen.wait_for(lambda s: guide_pixels(s) > 300, 60)
        assert guide_pixels(normal) > 300 and red_band(normal) < 0.2  # live: the guide, no idle band

        (control / "unplugged").touch()  # pull the cable
        lost = screen.wait_for(lambda s: red_band(s) > 0.6, 20)
        assert red_band(lost) > 0.6, red_band(lost)
        assert lost[:200].mean() > 40  # the band lies over the last picture, not a black screen
        assert process.poll() is None  # still running
        said = (control / "idle.txt").read_text().splitlines()
        assert "Camera lost, reconnecting" in said, said[-5:]

        (control / "unplugged").unlink()  # plug it back in
        back = screen.wait_for(lambda s: red_band(s) < 0.2 and guide_pixels(s) > 300, 30)
        assert red_band(back) < 0.2 and guide_pixels(back) > 300
        drawn = int((control / "frames.txt").read_text())
        time.sleep(1.5)
        assert int((control / "frames.txt").read_text()) >= drawn + 3  # live frames flow again

        assert xdisplay.quit(window, process, timeout=30) == 0
    lines = [line for line in (tmp_path / "stderr.txt").read_text().splitlines() if line.startswith("headshot")]
    assert lines and "stopped after" in lines[-1], lines[-5:]
    if screen.stand_ins:
        warnings.warn(f"Xvfb showed a black window for {screen.stand_ins} of {screen.count} screenshots; "
                      "the pictures handed to the window were checked instead", stacklevel=1)
