"""A real X server for window tests: Xvfb on a free display number, plus xdotool and ImageMagick helpers.

Tests that need it use the ``xdisplay`` fixture defined here (imported by tests/sinks/conftest.py,
tests/booth/conftest.py and tests/faults/test_preview_camera_loss.py); they are skipped with a reason only
when the Xvfb binary is missing. CI installs ``xvfb xdotool imagemagick``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest

SCREEN = (1600, 1000)


@dataclass
class XDisplay:
    """A running Xvfb: ``env`` is os.environ with DISPLAY pointing at it."""

    number: int
    process: subprocess.Popen

    @property
    def name(self) -> str:
        return f":{self.number}"

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("WAYLAND_DISPLAY", None)
        env["DISPLAY"] = self.name
        env["QT_QPA_PLATFORM"] = "xcb"
        return env

    def run(self, *args: str, timeout: float = 20.0) -> subprocess.CompletedProcess:
        return subprocess.run(list(args), env=self.env, capture_output=True, text=True, timeout=timeout)

    def quit(self, window: int, process: subprocess.Popen, timeout: float = 30.0) -> int:
        """Press q in ``window`` and wait for ``process`` (the command that opened it) to end: its exit code."""
        self.key(window, "q")
        return process.wait(timeout=timeout)

    def find_window(self, title: str, timeout: float = 60.0) -> int:
        """The id of the visible window named ``title`` (waits for it, like ``xdotool search --sync``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                done = self.run("xdotool", "search", "--sync", "--onlyvisible", "--name", f"^{title}$",
                                timeout=max(1.0, min(5.0, deadline - time.monotonic())))
            except subprocess.TimeoutExpired:
                continue
            ids = [int(line) for line in done.stdout.split() if line.strip().isdigit()]
            if ids:
                return ids[-1]
        raise TimeoutError(f"no visible window named {title!r} on {self.name} within {timeout:.0f} s")

    def geometry(self, window: int) -> tuple[int, int, int, int]:
        """(x, y, width, height) of ``window`` on the screen."""
        out = self.run("xdotool", "getwindowgeometry", "--shell", str(window)).stdout
        values = dict(line.split("=", 1) for line in out.split() if "=" in line)
        return int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"])

    def key(self, window: int, key: str) -> None:
        self.run("xdotool", "key", "--window", str(window), key)

    def click(self, window: int, x: int, y: int) -> None:
        """Click at (x, y) inside ``window`` (window pixels)."""
        self.run("xdotool", "mousemove", "--window", str(window), str(x), str(y), "click", "1")

    def close_window(self, window: int) -> None:
        """Ask ``window`` to close the way a window manager's close button does (WM_DELETE_WINDOW)."""
        send_wm_delete(self.name, window)

    def screenshot(self, path: str | Path) -> np.ndarray:
        """The whole screen as BGR (``import -window root``), also saved to ``path``."""
        done = self.run("import", "-window", "root", str(path))
        if done.returncode != 0:
            raise RuntimeError(f"import failed: {done.stderr.strip()}")
        image = cv2.imread(str(path))
        if image is None:
            raise RuntimeError(f"could not read the screenshot {path}")
        return image

    def window_shot(self, window: int, path: str | Path) -> np.ndarray:
        """The screen cut to ``window``'s rectangle."""
        x, y, w, h = self.geometry(window)
        return self.screenshot(path)[y:y + h, x:x + w]


class _ClientMessage(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]


class _XEvent(ctypes.Union):
    _fields_ = [("xclient", _ClientMessage), ("pad", ctypes.c_long * 24)]


def send_wm_delete(display_name: str, window: int) -> None:
    """Send WM_PROTOCOLS/WM_DELETE_WINDOW to ``window`` with libX11 (no window manager runs on Xvfb)."""
    x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                               ctypes.POINTER(_XEvent)]
    x11.XFlush.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = x11.XOpenDisplay(display_name.encode())
    if not display:
        raise RuntimeError(f"cannot open X display {display_name}")
    try:
        event = _XEvent()
        message = event.xclient
        message.type = 33  # ClientMessage
        message.send_event = 1
        message.display = display
        message.window = window
        message.message_type = x11.XInternAtom(display, b"WM_PROTOCOLS", 0)
        message.format = 32
        message.data[0] = x11.XInternAtom(display, b"WM_DELETE_WINDOW", 0)
        message.data[1] = 0  # CurrentTime
        event.xclient = message
        x11.XSendEvent(display, window, 0, 0, ctypes.byref(event))
        x11.XFlush(display)
    finally:
        x11.XCloseDisplay(display)


def xvfb_missing_reason() -> str | None:
    missing = [tool for tool in ("Xvfb", "xdotool", "import") if shutil.which(tool) is None]
    if "Xvfb" in missing:
        return "Xvfb is not installed (apt-get install xvfb xdotool imagemagick)"
    if missing:
        return f"{', '.join(missing)} not installed (apt-get install xdotool imagemagick)"
    return None


@contextmanager
def xvfb(screen: tuple[int, int] = SCREEN, timeout: float = 10.0) -> Iterator[XDisplay]:
    """Start ``Xvfb -screen 0 WxHx24`` and stop it afterwards. ``-displayfd`` lets the server pick a free
    display number itself and say it once it accepts connections, so a test run beside ours (or an X server
    started between a check and our start) can never hand us its display."""
    process = subprocess.Popen(
        ["Xvfb", "-displayfd", "1", "-screen", "0", f"{screen[0]}x{screen[1]}x24", "-nolisten", "tcp"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.isdigit():
            raise RuntimeError(f"Xvfb did not start (it said {line!r}, exit code {process.poll()})")
        number = int(line)
        deadline = time.monotonic() + timeout
        while not Path(f"/tmp/.X11-unix/X{number}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        yield XDisplay(number, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


@contextmanager
def killed_if_left(process: subprocess.Popen) -> Iterator[subprocess.Popen]:
    """``process`` (a window command on the display), killed on the way out if it still runs: a failed
    check must not leave a window behind."""
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def xdisplay() -> Iterator[XDisplay]:
    """A real Xvfb display for a module's window tests; skipped with a reason when Xvfb is missing. Used
    from tests/sinks/conftest.py, tests/booth/conftest.py and the camera-loss fault test."""
    reason = xvfb_missing_reason()
    if reason:
        pytest.skip(reason)
    with xvfb() as display:
        yield display
