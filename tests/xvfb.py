"""A real X server for window tests: Xvfb on a free display number, plus xdotool and ImageMagick helpers.

Tests that need it use the ``xvfb`` fixture (tests/sinks/conftest.py, tests/booth/conftest.py); they are
skipped with a reason only when the Xvfb binary is missing. CI installs ``xvfb xdotool imagemagick``.
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


def _free_display() -> int:
    for number in range(90, 190):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            return number
    raise RuntimeError("no free X display number between :90 and :189")


def xvfb_missing_reason() -> str | None:
    missing = [tool for tool in ("Xvfb", "xdotool", "import") if shutil.which(tool) is None]
    if "Xvfb" in missing:
        return "Xvfb is not installed (apt-get install xvfb xdotool imagemagick)"
    if missing:
        return f"{', '.join(missing)} not installed (apt-get install xdotool imagemagick)"
    return None


@contextmanager
def xvfb(screen: tuple[int, int] = SCREEN, timeout: float = 10.0) -> Iterator[XDisplay]:
    """Start ``Xvfb :N -screen 0 WxHx24`` on a free N and stop it afterwards."""
    for _ in range(3):  # another test run may grab the same number between the check and the start
        number = _free_display()
        process = subprocess.Popen(
            ["Xvfb", f":{number}", "-screen", "0", f"{screen[0]}x{screen[1]}x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        socket = Path(f"/tmp/.X11-unix/X{number}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None and not socket.exists():
            time.sleep(0.05)
        if process.poll() is None and socket.exists():
            break
        process.kill()
        process.wait()
    else:
        raise RuntimeError("Xvfb did not start")
    try:
        yield XDisplay(number, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
