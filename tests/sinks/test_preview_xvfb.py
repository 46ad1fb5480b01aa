"""The preview for real: ``headshot preview`` in a subprocess on Xvfb, driven with xdotool, checked on
screenshots. The screenshot of the demo session is kept in the test's tmp_path (pytest keeps it) to be looked at."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

from realtime.sinks.overlay import BAND_HEIGHT, GUIDE

pytestmark = pytest.mark.display

HEADSHOT = [sys.executable, "-m", "realtime.cli"]
TITLE = "Headshot Studio"
ENGINE = importlib.util.find_spec("engines.studio") is not None  # the real engine once it has landed
ENGINE_ARGS = [] if ENGINE else ["--no-engine"]


class Preview:
    """A running ``headshot preview`` with its stderr lines collected."""

    def __init__(self, display, args: list[str], tmp_path: Path) -> None:
        self.display = display
        self.err_path = tmp_path / "stderr.txt"
        self._err = open(self.err_path, "w")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen([*HEADSHOT, "preview", *args, "--out", str(tmp_path / "out")],
                                        env=display.env, stdout=subprocess.DEVNULL, stderr=self._err)
        self.window = display.find_window(TITLE, timeout=90)

    def lines(self) -> list[str]:
        return [line for line in self.err_path.read_text().splitlines() if line.startswith("headshot preview:")]

    def wait_line(self, text: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [line for line in self.lines() if text in line]
            if found:
                return found[-1]
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"no {text!r} in stderr: {self.err_path.read_text()[-2000:]}")

    def stop(self, timeout: float = 20.0) -> int:
        """Wait for the exit code (the test asked it to quit)."""
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """Cleanup after a test, whatever happened."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._err.close()


def guide_pixels(image: np.ndarray) -> int:
    return int(np.all(np.abs(image.astype(int) - np.array(GUIDE)) < 40, axis=-1).sum())


def wait_for_guide(display, window: int, path: Path, timeout: float = 40.0) -> np.ndarray:
    deadline = time.monotonic() + timeout
    shot = display.window_shot(window, path)
    while guide_pixels(shot) < 300 and time.monotonic() < deadline:
        time.sleep(0.5)
        shot = display.window_shot(window, path)
    return shot


def test_preview_window_guides_keys_and_quit(xdisplay, tmp_path):
    preview = Preview(xdisplay, ["--source", "demo", *ENGINE_ARGS], tmp_path)
    try:
        preview.wait_line("started")
        shot = wait_for_guide(xdisplay, preview.window, tmp_path / "screen.png")
        cv2.imwrite(str(tmp_path / "preview_shot.png"), shot)  # to look at (pytest keeps tmp_path)
        height, width = shot.shape[:2]
        assert (width, height) == (1280, 720)
        assert shot.mean() > 60  # not black: the frame is drawn
        assert guide_pixels(shot) >= 300  # the crop guide and eye line, in the guide colour
        band = shot[height - BAND_HEIGHT + 12:, :]
        assert band.mean() < 110  # the dark instruction band ...
        assert (band.min(axis=-1) > 220).sum() > 800  # ... with large white text on it
        panel = shot[130:480, width - 290:width - 20]
        assert ((panel[..., 1] > 150) & (panel[..., 2] < 120) & (panel[..., 0] < 120)).sum() > 30  # green dots

        xdisplay.key(preview.window, "m")
        preview.wait_line("mirror off")
        xdisplay.key(preview.window, "b")
        line = preview.wait_line("background")
        if ENGINE:
            assert any(mode in line for mode in ("keep", "blur", "studio")), line
        else:
            assert "no engine" in line
        xdisplay.key(preview.window, "p")
        line = preview.wait_line("profile ")
        assert "professional" not in line.split("profile ", 1)[1]  # moved on to the next profile
        xdisplay.key(preview.window, "space")
        saved = preview.wait_line("saved ", timeout=30).split("saved ", 1)[1]
        assert (Path(saved) / "report.json").is_file() and Path(saved).parent == tmp_path / "out"
        xdisplay.key(preview.window, "q")
        preview.wait_line("quit")
        assert preview.stop() == 0
    finally:
        preview.kill()
    assert "stopped after" in preview.lines()[-1]


@pytest.fixture(scope="module")
def still_video(tmp_path_factory) -> Path:
    """Ten seconds of one off-centre, asymmetric frame (the astronaut on the left of a plain wall)."""
    path = tmp_path_factory.mktemp("video") / "still.avi"
    wall = np.full((720, 1280, 3), (176, 182, 188), np.uint8)
    person = cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), (620, 620))
    wall[100:720, 150:770] = person[:620]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (1280, 720))
    for _ in range(150):
        writer.write(wall)
    writer.release()
    return path


def test_mirror_key_flips_the_picture(xdisplay, tmp_path, still_video):
    preview = Preview(xdisplay, ["--source", str(still_video), *ENGINE_ARGS], tmp_path)
    try:
        preview.wait_line("started")
        mirrored = wait_for_guide(xdisplay, preview.window, tmp_path / "a.png")  # a processed frame is shown
        xdisplay.key(preview.window, "m")
        preview.wait_line("mirror off")
        time.sleep(2.5)  # past the toast
        plain = wait_for_guide(xdisplay, preview.window, tmp_path / "b.png")
        xdisplay.key(preview.window, "q")
        assert preview.stop() == 0
    finally:
        preview.kill()
    # Compare the middle of the picture, symmetric about its centre (x 490: the panel and band are beside it).
    a = mirrored[60:540, 170:810].astype(np.int16)
    b = plain[60:540, 170:810].astype(np.int16)
    flipped_diff = np.abs(a[:, ::-1] - b).mean()
    same_diff = np.abs(a - b).mean()
    assert flipped_diff < 0.5 * same_diff, (flipped_diff, same_diff)
    # The person sits left of centre in the file: on the right in the mirror, on the left without it.
    left, right = plain[200:500, 100:350], plain[200:500, 630:880]
    assert np.abs(left.astype(int) - (176, 182, 188)).mean() > np.abs(right.astype(int) - (176, 182, 188)).mean()


def test_closing_the_window_quits_cleanly(xdisplay, tmp_path):
    preview = Preview(xdisplay, ["--source", "demo", *ENGINE_ARGS], tmp_path)
    try:
        preview.wait_line("started")
        xdisplay.close_window(preview.window)
        preview.wait_line("window closed")
        assert preview.stop() == 0
    finally:
        preview.kill()


def test_no_display_is_one_line_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    done = subprocess.run([*HEADSHOT, "preview", "--source", "demo"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 5
    lines = [line for line in done.stderr.splitlines() if line.startswith("headshot")]
    assert len(lines) == 1
    assert "headshot capture" in lines[0] and "xvfb-run" in lines[0]


VCAM_SCRIPT = """
import json, sys
import numpy as np
from tests.sinks import fake_vcam
config = fake_vcam.install()
from realtime.cli import main
rc = main(sys.argv[2:])
frames = [r.buffer.reshape(r.height, r.width, 3) for r in config.received]
guide = [int(np.all(np.abs(f.astype(int) - (255, 255, 0)) < 40, axis=-1).sum()) for f in frames]
json.dump({"rc": rc, "count": len(frames), "sizes": sorted({(r.width, r.height) for r in config.received}),
           "guide": guide, "mean": [float(f.mean()) for f in frames]}, open(sys.argv[1], "w"))
"""


def test_preview_with_vcam_sends_frames_without_overlays(xdisplay, tmp_path):
    """``preview --vcam``: the window shows the guides while the virtual camera gets the clean frame."""
    import json

    result = tmp_path / "vcam.json"
    args = ["preview", "--source", "demo", "--vcam", "--vcam-backend", "headshot-fake", "--seconds", "6",
            "--out", str(tmp_path / "out"), *ENGINE_ARGS]
    done = subprocess.run([sys.executable, "-c", VCAM_SCRIPT, str(result), *args], env=xdisplay.env,
                          capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(result.read_text())
    assert got["rc"] == 0 and got["count"] >= 5
    assert got["sizes"] == [[1280, 720]]
    assert max(got["guide"]) < 50  # the cyan crop guide is drawn only in the window
    assert min(got["mean"]) > 60
