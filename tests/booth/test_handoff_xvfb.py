"""``headshot booth --share`` for real on Xvfb: START, space takes the photo, space accepts; the QR code
is decoded from a screenshot of the window (OpenCV), the three crops come over HTTP from the booth's own
server byte for byte as saved; q quits with 0 and the server is gone. The README's screenshot
(docs/images/booth-handoff.png) is this test's, saved there when HEADSHOT_DOC_SHOTS=1 is set.

Also the flag errors (one line, exit 2) without a window."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import cv2
import pytest

from realtime.booth.share import CROPS
from tests.booth.test_booth_xvfb import wait_line
from tests.xvfb import killed_if_left

HEADSHOT = [sys.executable, "-m", "realtime.cli"]
README_SHOT = Path(__file__).resolve().parents[2] / "docs" / "images" / "booth-handoff.png"


def booth_lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.startswith("headshot booth:")]


@pytest.mark.display
def test_booth_share_hands_off_the_photo_through_the_screen(xdisplay, tmp_path):
    err = tmp_path / "stderr.txt"
    out = tmp_path / "photos"
    args = [*HEADSHOT, "booth", "--source", "demo", "--out", str(out), "--start", "press",
            "--share", "--bind", "127.0.0.1:0", "--operator-pin", "246810"]
    with open(err, "w") as stream:
        with killed_if_left(subprocess.Popen(args, env=xdisplay.env, stdout=subprocess.DEVNULL,
                                             stderr=stream)) as process:
            window = xdisplay.find_window("Headshot Studio", timeout=90)
            wait_line(err, "started", process)
            sharing = next(line for line in booth_lines(err) if "sharing on" in line)
            assert "PIN" not in sharing  # a PIN given on the command line is not echoed
            base = re.search(r"sharing on (http://127\.0\.0\.1:\d+)", sharing).group(1)
            xdisplay.key(window, "space")
            wait_line(err, "state coaching", process)
            for _ in range(5):  # space in coaching; a press that captured nothing comes back to coaching
                coaching = sum("state coaching" in line for line in booth_lines(err))
                time.sleep(1.0)
                xdisplay.key(window, "space")
                wait_line(err, "state countdown", process)
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and process.poll() is None:
                    lines = booth_lines(err)
                    if "state review" in lines[-1] or sum("state coaching" in line for line in lines) > coaching:
                        break
                    time.sleep(0.2)
                if "state review" in booth_lines(err)[-1]:
                    break
            time.sleep(0.5)
            xdisplay.key(window, "space")  # accept
            wait_line(err, "state done", process)
            kept = Path(next(line for line in booth_lines(err) if " kept /" in line).split(" kept ", 1)[1])
            time.sleep(1.5)
            shot = xdisplay.window_shot(window, tmp_path / "done.png")
            url, points, _ = cv2.QRCodeDetector().detectAndDecode(shot)
            assert url.startswith(f"{base}/s/"), url
            if os.environ.get("HEADSHOT_DOC_SHOTS") == "1":
                cv2.imwrite(str(README_SHOT), shot)
            page = urllib.request.urlopen(url, timeout=10).read().decode()
            for crop in CROPS:
                assert f'href="0/{crop}.jpg"' in page
                body = urllib.request.urlopen(f"{url}0/{crop}.jpg", timeout=10).read()
                assert body == (kept / f"{crop}.jpg").read_bytes()
            assert xdisplay.quit(window, process, timeout=30) == 0
    port = int(base.rsplit(":", 1)[1])
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert kept.exists()  # not --private: the booth keeps the accepted photo


@pytest.mark.parametrize("flags, words", [
    (["--private"], "go with --share"),
    (["--share", "--bind", "0.0.0.0:8019"], "listens everywhere"),
    (["--share", "--bind", "127.0.0.1:0", "--share-minutes", "0"], "--share-minutes > 0"),
    (["--share", "--bind", "127.0.0.1:0", "--operator-pin", "12ab"], "--operator-pin of 4 to 12 digits"),
])
def test_handoff_flag_errors_are_one_line_and_exit_2(tmp_path, flags, words):
    done = subprocess.run([*HEADSHOT, "booth", "--source", "demo", "--out", str(tmp_path / "o"), *flags],
                          capture_output=True, text=True, timeout=120)
    lines = [line for line in done.stderr.splitlines() if line.startswith("headshot")]
    assert done.returncode == 2 and len(lines) == 1 and words in lines[0], done.stderr[-1500:]


def test_booth_help_lists_the_handoff_flags():
    done = subprocess.run([*HEADSHOT, "booth", "--help"], capture_output=True, text=True, timeout=60)
    for flag in ("--share", "--bind ADDR:PORT", "--share-minutes", "--private", "--operator-pin", "--print PRINTER",
                 "--print-layout"):
        assert flag in done.stdout
