"""Displays a window cannot use: a real X server (Xvfb with ``-auth``) that refuses a client without its
cookie, and a Wayland-only session. Before the probe, Qt aborted the process (SIGABRT, exit 134); now
each is one line and exit 5, before the camera or the models are opened."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from realtime.sinks.window import check_display

ROOT = Path(__file__).parents[2]

pytestmark = pytest.mark.skipif(shutil.which("Xvfb") is None or shutil.which("xauth") is None,
                                reason="needs Xvfb and xauth (apt-get install xvfb xauth)")


@pytest.fixture
def guarded_x(tmp_path):
    """An Xvfb that only accepts clients presenting its cookie: (display, the right cookie file)."""
    cookie = tmp_path / "server.auth"
    for number in range(300, 400):
        if os.path.exists(f"/tmp/.X11-unix/X{number}") or os.path.exists(f"/tmp/.X{number}-lock"):
            continue
        subprocess.run(["xauth", "-f", str(cookie), "add", f":{number}", ".", secrets.token_hex(16)], check=True,
                       capture_output=True)
        server = subprocess.Popen(["Xvfb", f":{number}", "-auth", str(cookie), "-screen", "0", "640x480x24",
                                   "-nolisten", "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and server.poll() is None and not os.path.exists(f"/tmp/.X11-unix/X{number}"):
            time.sleep(0.1)
        if server.poll() is None:
            try:
                yield f":{number}", cookie
            finally:
                server.terminate()
                server.wait(timeout=10)
            return
    pytest.skip("no free X display number")


def _preview(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "realtime.cli", "preview", "--source", "demo", "--seconds", "1"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY",
                                                             "QT_QPA_PLATFORM")}
    env.update(values)
    return env


def test_an_x_server_that_refuses_the_client_is_exit_5_not_a_qt_abort(guarded_x, tmp_path) -> None:
    display, cookie = guarded_x
    wrong = tmp_path / "wrong.auth"
    wrong.write_bytes(b"")
    done = _preview(_env(DISPLAY=display, XAUTHORITY=str(wrong)))
    lines = [line for line in done.stderr.splitlines() if line.startswith("headshot")]
    assert done.returncode == 5, done.stderr[-1500:]
    assert len(lines) == 1 and "refuses this user" in lines[0] and "XAUTHORITY" in lines[0], lines
    # with the right cookie the same server is accepted (the probe does not refuse everything)
    check_display({"DISPLAY": display, "XAUTHORITY": str(cookie)})


def test_wayland_only_is_exit_5_naming_xwayland(tmp_path) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as compositor:
        compositor.bind(str(runtime / "wayland-0"))  # a Wayland socket exists, as in a Wayland session
        compositor.listen(1)
        done = _preview(_env(WAYLAND_DISPLAY="wayland-0", XDG_RUNTIME_DIR=str(runtime)))
    lines = [line for line in done.stderr.splitlines() if line.startswith("headshot")]
    assert done.returncode == 5, done.stderr[-1500:]
    assert len(lines) == 1 and "only a Wayland display" in lines[0] and "DISPLAY" in lines[0], lines
