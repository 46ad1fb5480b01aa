"""Webcam source: OpenCV V4L2 capture on a thread that keeps only the newest frame, with reconnect.

The camera is asked for MJPG at the requested size and fps (USB webcams only reach 30 fps at 720p in
MJPG) and what it actually delivers is reported. With no size asked for, the camera's modes are probed
through OpenCV (each 16:9 size is asked for and the answer read back) and the largest 16:9 mode that
runs at 25 fps or more is used: the crops then get the camera's real pixels. When the device
disappears the thread reopens it with backoff; the loop sees ``state == "reconnecting"`` and keeps
drawing. A camera that never opens is a :class:`SourceError` within a few seconds, naming the device
and what to check.
"""

from __future__ import annotations

import logging
import platform
import re
import threading
import time
from collections.abc import Callable
from typing import Protocol

import cv2
import numpy as np

from realtime.errors import ConfigError, SourceError
from realtime.sources.base import ThreadedSource
from realtime.sources.health import FrameHealth

log = logging.getLogger(__name__)

OPEN_TIMEOUT_S = 4.0  # a camera that gives no frame in this time is reported, not waited on
FAILED_READS_BEFORE_LOST = 15  # about half a second of failed grabs at 30 fps
BACKOFF_S = (0.25, 0.5, 1.0, 2.0, 4.0)
MIN_LIVE_FPS = 25.0  # the default mode must run at least this fast
DEFAULT_FPS = 30.0
# 16:9 sizes webcams offer, largest first (probed when no --camera-size is given).
SIZES_16_9 = ((3840, 2160), (2560, 1440), (1920, 1080), (1600, 900), (1280, 720), (1024, 576), (960, 540),
              (848, 480), (640, 360))
_CAMERA_SPEC = re.compile(r"(?:camera:)?(\d+)|(/dev/video\d+)")


def camera_device(spec: str) -> int | str | None:
    """``0``/``camera:0`` -> 0, ``/dev/video2`` -> that path, anything else -> None: the one reading of a
    camera in ``--source`` (open_source, capture's live test, calibration)."""
    match = _CAMERA_SPEC.fullmatch(str(spec).strip())
    if not match:
        return None
    return int(match.group(1)) if match.group(1) else match.group(2)


_SIZE = re.compile(r"^\s*(\d+)\s*[xX]\s*(\d+)\s*$")


class Capture(Protocol):
    """The part of ``cv2.VideoCapture`` a camera source uses (fakes in tests implement the same)."""

    def isOpened(self) -> bool: ...  # noqa: N802 (OpenCV's name)
    def read(self) -> tuple[bool, np.ndarray | None]: ...
    def set(self, prop: int, value: float) -> bool: ...
    def get(self, prop: int) -> float: ...
    def release(self) -> None: ...


CaptureFactory = Callable[["int | str"], Capture]


def open_v4l2(device: int | str) -> Capture:
    """Open a real webcam with OpenCV (V4L2 on Linux, the platform default elsewhere)."""
    api = cv2.CAP_V4L2 if platform.system() == "Linux" else cv2.CAP_ANY
    return cv2.VideoCapture(device, api)


Mode = tuple[int, int, float]  # width, height, fps


def parse_camera_size(text: str | None) -> tuple[int, int] | None:
    """``--camera-size`` ("1920x1080") as (width, height); None when not given."""
    if text is None:
        return None
    match = _SIZE.match(text)
    if not match or int(match.group(1)) < 16 or int(match.group(2)) < 16:
        raise ConfigError(f"expected --camera-size like 1920x1080, got {text!r}",
                          "pass WIDTHxHEIGHT; 'headshot doctor' lists the camera's modes")
    return int(match.group(1)), int(match.group(2))


def probe_modes(capture: Capture, sizes: tuple[tuple[int, int], ...] = SIZES_16_9,
                fps: float = DEFAULT_FPS) -> list[Mode]:
    """The modes the camera accepts among ``sizes``, as it reports them back (largest first).

    V4L2 snaps a size it does not have to one it has, so only answers equal to the question count.
    """
    capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*"MJPG"))
    modes: list[Mode] = []
    for width, height in sizes:
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        capture.set(cv2.CAP_PROP_FPS, fps)
        got = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        if got == (width, height):
            modes.append((width, height, float(capture.get(cv2.CAP_PROP_FPS))))
    return modes


def choose_mode(modes: list[Mode], min_fps: float = MIN_LIVE_FPS) -> Mode | None:
    """The largest 16:9 mode that runs at ``min_fps`` or more (else the fastest 16:9 one, else None)."""
    wide = [m for m in modes if abs(m[0] / m[1] - 16 / 9) < 0.02]
    fast = [m for m in wide if m[2] <= 0 or m[2] >= min_fps - 0.5]  # 0: the driver did not say
    if fast:
        return max(fast, key=lambda m: (m[0] * m[1], m[2]))
    return max(wide, key=lambda m: (m[2], m[0] * m[1])) if wide else None


def device_path(device: int | str) -> str:
    return f"/dev/video{device}" if isinstance(device, int) else str(device)


class CameraSource(ThreadedSource):
    """A live webcam. ``device`` is an index (0) or a path (/dev/video2)."""

    name = "camera"

    def __init__(
        self,
        device: int | str,
        *,
        size: tuple[int, int] | None = None,
        fps: float | None = None,
        open_capture: CaptureFactory = open_v4l2,
        open_timeout_s: float = OPEN_TIMEOUT_S,
        backoff_s: tuple[float, ...] = BACKOFF_S,
    ) -> None:
        super().__init__()
        self.device = device
        self.requested_size = size  # None: the largest 16:9 mode at 25 fps or more, probed at open
        self.requested_fps = fps or DEFAULT_FPS
        self._fps_given = fps is not None
        self.modes: list[Mode] = []
        self._open_capture = open_capture
        self._backoff_s = backoff_s
        self.reconnects = 0
        self.health = FrameHealth()
        self.actual: dict[str, object] = {}
        self._start = time.monotonic()
        self._capture = self._open_once()
        first = self._first_frame(open_timeout_s)
        self._publish(first, 0.0)
        self.start()

    # --- opening -------------------------------------------------------------------------------
    def _open_once(self) -> Capture:
        capture = self._open_capture(self.device)
        if not capture.isOpened():
            capture.release()
            raise SourceError(
                f"camera {device_path(self.device)} could not be opened",
                "check it is plugged in, not used by another app and that you may read it "
                "(group 'video'); run 'headshot doctor' to list cameras",
            )
        self._configure(capture)
        return capture

    def _configure(self, capture: Capture) -> None:
        if self.requested_size is None:  # first open: pick the mode once, reconnects ask for the same
            self.modes = probe_modes(capture, fps=self.requested_fps)
            chosen = choose_mode(self.modes)
            if chosen is not None:
                self.requested_size = chosen[:2]
                if not self._fps_given and chosen[2] > 0:
                    self.requested_fps = chosen[2]
            log.info("camera %s modes %s: using %s", device_path(self.device), self.modes, chosen)
        capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*"MJPG"))
        if self.requested_size:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.requested_size[0])
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.requested_size[1])
        capture.set(cv2.CAP_PROP_FPS, self.requested_fps)
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the driver's own queue: newest frame, least latency
        fourcc = int(capture.get(cv2.CAP_PROP_FOURCC))
        self.actual = {
            "width": int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            "height": int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            "fps": float(capture.get(cv2.CAP_PROP_FPS)),
            "fourcc": "".join(chr((fourcc >> (8 * i)) & 0xFF) for i in range(4)) if fourcc else "",
        }
        log.info("camera %s delivers %s (asked %s at %s fps)", device_path(self.device), self.actual,
                 self.requested_size, self.requested_fps)

    def _first_frame(self, timeout_s: float) -> np.ndarray:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            ok, image = self._capture.read()
            if ok and _usable(image):
                return image
            time.sleep(0.02)
        self._capture.release()
        raise SourceError(
            f"camera {device_path(self.device)} opened but sent no frame in {timeout_s:.0f} s",
            "close other apps using it, try another --camera-size, or run 'headshot doctor'",
        )

    # --- the capture thread --------------------------------------------------------------------
    def produce(self, stop: threading.Event) -> None:
        failures = 0
        while not stop.is_set():
            ok, image = self._capture.read()
            grabbed = time.monotonic()
            if ok:
                kind = self.health.classify(image, grabbed)
                if kind == "ok":
                    failures = 0
                    self.state = "ok"
                    self._publish(image, grabbed - self._start, grabbed)
                    continue
                # corrupt, black or repeated frames are skipped and counted; a long repeat is "frozen"
                if self.health.is_frozen(grabbed):
                    if self.state != "frozen":
                        log.warning("camera %s is frozen: the same frame for %.0f s", device_path(self.device),
                                     self.health.frozen_for(grabbed))
                    self.state = "frozen"
                continue
            failures += 1
            if failures >= FAILED_READS_BEFORE_LOST:
                self._reconnect(stop)
                failures = 0
            else:
                time.sleep(0.01)

    def _reconnect(self, stop: threading.Event) -> None:
        self.state = "reconnecting"
        log.warning("camera %s lost, reconnecting", device_path(self.device))
        self._capture.release()
        attempt = 0
        while not stop.is_set():
            stop.wait(self._backoff_s[min(attempt, len(self._backoff_s) - 1)])
            attempt += 1
            try:
                capture = self._open_once()
            except SourceError:
                continue
            self._capture = capture
            self.reconnects += 1
            log.warning("camera %s back after %d attempts", device_path(self.device), attempt)
            return

    @property
    def fps(self) -> float:
        actual = float(self.actual.get("fps") or 0.0)
        return actual if actual > 0 else self.requested_fps

    def describe(self) -> dict[str, object]:
        return {"name": self.name, "device": device_path(self.device), "requested_size": self.requested_size,
                "requested_fps": self.requested_fps, **self.actual, "dropped": self.dropped,
                "reconnects": self.reconnects, "skipped": dict(self.health.counts)}

    def close(self) -> None:
        super().close()
        self._capture.release()


def _usable(image: np.ndarray | None) -> bool:
    """A frame worth passing on: a non-empty 3-channel uint8 image."""
    return (
        isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] == 3 and image.size > 0
        and image.dtype == np.uint8
    )
