"""The one OpenCV HighGUI window the preview and the booth draw into.

HighGUI's Qt backend aborts the whole process when it cannot reach a display, so the display is checked
before any window call and a missing one is a :class:`DisplayError` with the way out (``headshot
capture``, or ``xvfb-run``). The window is a context manager; closing it twice is harmless.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import socket
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import cv2
import numpy as np

from realtime.errors import DisplayError

log = logging.getLogger(__name__)

WINDOW_TITLE = "Headshot Studio"
NO_DISPLAY_FIX = "use `headshot capture` instead, or set up a display (e.g. `xvfb-run headshot preview ...`)"
KEY_ESC = 27

MouseCallback = Callable[[int, int, int], None]  # (event, x, y) in image pixels


def _x11_reachable(display: str) -> bool:
    """Whether an X server answers at ``display`` (":1", "localhost:10.0", "unix:0")."""
    host, _, rest = display.rpartition(":")
    number = rest.split(".")[0]
    if not number.isdigit():
        return False
    if host in ("", "unix"):
        path = Path(f"/tmp/.X11-unix/X{number}")
        if not path.exists():
            return False
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1.0)
            try:
                sock.connect(str(path))
            except OSError:
                return False
        return True
    if host.startswith("/"):  # macOS XQuartz launchd socket path
        return Path(f"{host}:{rest}").exists()
    try:
        with socket.create_connection((host, 6000 + int(number)), timeout=1.0):
            return True
    except OSError:
        return False


def _x11_refusal(display: str, env: Mapping[str, str]) -> str | None:
    """Why the X server at ``display`` refuses this client (wrong or missing XAUTHORITY), or None when it
    accepts it. Connects the way Qt's xcb plugin does (libxcb), so what Qt would abort on is caught here."""
    name = ctypes.util.find_library("xcb")
    if name is None:
        return None  # no libxcb to ask: the socket check above is all there is
    lib = ctypes.CDLL(name)
    lib.xcb_connect.restype = ctypes.c_void_p
    lib.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    lib.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    lib.xcb_disconnect.argtypes = [ctypes.c_void_p]
    saved = os.environ.get("XAUTHORITY")
    wanted = env.get("XAUTHORITY")
    if wanted is not None:
        os.environ["XAUTHORITY"] = wanted  # libxcb reads the cookie file named by the environment
    try:
        connection = lib.xcb_connect(os.fsencode(display), None)
        error = lib.xcb_connection_has_error(connection)
        lib.xcb_disconnect(connection)
    finally:
        if wanted is not None:
            if saved is None:
                os.environ.pop("XAUTHORITY", None)
            else:
                os.environ["XAUTHORITY"] = saved
    if error == 0:
        return None
    where = env.get("XAUTHORITY") or "~/.Xauthority"
    return f"the X server at DISPLAY={display} refuses this user (no valid cookie in XAUTHORITY={where})"


def check_display(env: Mapping[str, str] | None = None) -> None:
    """Raise :class:`DisplayError` unless a window can be shown (X11 or Wayland on Linux)."""
    env = os.environ if env is None else env
    if sys.platform in ("win32", "darwin"):
        return  # a desktop session always has a display there
    display, wayland = env.get("DISPLAY", ""), env.get("WAYLAND_DISPLAY", "")
    if display and _x11_reachable(display):
        refusal = _x11_refusal(display, env)
        if refusal is None:
            return
        raise DisplayError(refusal, "run as the desktop's user, or point XAUTHORITY at its cookie file "
                                    "(e.g. XAUTHORITY=/run/user/1000/gdm/Xauthority); or use `headshot capture`")
    if wayland and not display:
        # OpenCV's window is Qt with only its xcb (X11) plugin: on Wayland it needs XWayland's DISPLAY.
        raise DisplayError(f"only a Wayland display is set (WAYLAND_DISPLAY={wayland}); the preview window "
                           "needs X11", "set DISPLAY to the session's XWayland display (usually DISPLAY=:0), "
                                        "or use `headshot capture`")
    if display:
        raise DisplayError(f"no X display answers at DISPLAY={display}", NO_DISPLAY_FIX)
    raise DisplayError("no display to open the preview window on (DISPLAY and WAYLAND_DISPLAY unset)",
                       NO_DISPLAY_FIX)


class Window:
    """A resizable window that keeps the picture's aspect, shown with ``show(image) -> key``.

    ``show`` pumps HighGUI's event loop (``waitKey(1)``) and returns the key pressed (an int, or None).
    ``closed`` is True once the user closed the window with its title-bar button.
    """

    def __init__(self, title: str = WINDOW_TITLE, *, size: tuple[int, int] = (1280, 720),
                 fullscreen: bool = False) -> None:
        self.title = title
        self.size = size
        self.fullscreen = fullscreen
        self._open = False
        self._shown = False

    def __enter__(self) -> Window:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        check_display()
        flags = cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL
        try:
            cv2.namedWindow(self.title, flags)
            cv2.resizeWindow(self.title, *self.size)
            if self.fullscreen:
                cv2.setWindowProperty(self.title, cv2.WND_PROP_FULLSCREEN, cv2.WINDOW_FULLSCREEN)
        except cv2.error as exc:
            raise DisplayError(f"the window could not be created ({str(exc).strip().splitlines()[-1]})",
                               NO_DISPLAY_FIX) from exc
        self._open = True

    def on_mouse(self, callback: MouseCallback) -> None:
        """Call ``callback(event, x, y)`` for mouse and touch events, in the shown image's pixels."""
        cv2.setMouseCallback(self.title, lambda event, x, y, flags, param: callback(event, x, y))

    def show(self, image: np.ndarray) -> int | None:
        if not self._open:
            return None
        cv2.imshow(self.title, image)
        self._shown = True
        return self.pump()

    def pump(self) -> int | None:
        """Pump the window's events without a new picture; the key pressed (an int), or None."""
        if not self._open:
            return None
        key = cv2.waitKey(1)
        return None if key < 0 else key & 0xFF

    @property
    def closed(self) -> bool:
        """True when the window was closed by the user (or never opened)."""
        if not self._open:
            return True
        if not self._shown:
            return False
        try:
            return cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1
        except cv2.error:
            return True

    def close(self) -> None:
        if not self._open:
            return
        self._open = False
        try:
            cv2.destroyWindow(self.title)
            cv2.waitKey(1)
        except cv2.error as exc:  # already gone with the display: nothing left to release
            log.debug("window close: %s", exc)
