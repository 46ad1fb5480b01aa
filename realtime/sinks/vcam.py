"""The virtual camera sink: the processed frame (never the overlays) to a video call through pyvirtualcam.

Why a sender thread: a call wants frames at the device's steady rate, whatever the loop does. ``send``
only drops the newest frame into a :class:`~realtime.slot.LatestSlot`; the thread takes the newest one,
converts it once (size, even width, pixel format), sends it, and sleeps to the next frame time
(``Camera.sleep_until_next_frame``). No backlog can build up, and when the source stalls the thread
repeats the last converted frame, so the call shows a still picture instead of freezing or dropping.

The first open happens on the caller's thread and raises :class:`SinkError` with how to create a device.
A device that fails later (unplugged module, consumer gone) is reopened with backoff on the thread; the
loop and the preview never see it.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import pyvirtualcam
from pyvirtualcam import PixelFormat

from realtime.errors import ConfigError, SinkError
from realtime.frame import FrameResult
from realtime.sinks.autoframe import AutoFramer
from realtime.slot import LatestSlot

log = logging.getLogger(__name__)

# Tried in this order: BGR needs no conversion from OpenCV frames; RGB and I420 need one cvtColor.
FORMATS: tuple[PixelFormat, ...] = (PixelFormat.BGR, PixelFormat.RGB, PixelFormat.I420)
_CONVERSIONS = {PixelFormat.BGR: None, PixelFormat.RGB: cv2.COLOR_BGR2RGB, PixelFormat.I420: cv2.COLOR_BGR2YUV_I420}
RETRY_S = (0.5, 1.0, 2.0, 4.0, 8.0)  # waits between reopen attempts after the device failed


def no_device_fix() -> str:
    if sys.platform.startswith("linux"):
        return ('create one with `sudo modprobe v4l2loopback exclusive_caps=1 card_label="Headshot Studio"` '
                "(package v4l2loopback-dkms), then pass --device /dev/videoN")
    return "install OBS Studio and start its virtual camera once (Tools > Start Virtual Camera), then retry"


def even_size(width: int, height: int) -> tuple[int, int]:
    """Round both sides down to even numbers: Chrome rejects odd widths, I420 needs even sides."""
    if width < 2 or height < 2:
        raise ConfigError(f"expected a virtual camera size of at least 2x2, got {width}x{height}",
                          "pass --size like 1280x720")
    return width - width % 2, height - height % 2


def fit_to(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` at exactly ``size`` (w, h): a one-pixel trim for odd sides, else centre-crop and resize."""
    w, h = size
    ih, iw = image.shape[:2]
    if (iw, ih) == (w, h):
        return image
    if 0 <= iw - w <= 1 and 0 <= ih - h <= 1:
        return image[:h, :w]
    aspect = w / h
    if iw / ih > aspect:  # too wide: crop the sides
        cw = max(1, int(round(ih * aspect)))
        x0 = (iw - cw) // 2
        image = image[:, x0:x0 + cw]
    else:
        ch = max(1, int(round(iw / aspect)))
        y0 = (ih - ch) // 2
        image = image[y0:y0 + ch]
    interpolation = cv2.INTER_AREA if image.shape[1] > w else cv2.INTER_LINEAR
    return cv2.resize(image, (w, h), interpolation=interpolation)


def convert(image: np.ndarray, fmt: PixelFormat) -> np.ndarray:
    """BGR -> the camera's input format, once, as a C-contiguous buffer pyvirtualcam can send as is."""
    code = _CONVERSIONS[fmt]
    out = image if code is None else cv2.cvtColor(image, code)
    return np.ascontiguousarray(out)


def open_camera(size: tuple[int, int], fps: float, *, device: str | None = None, backend: str | None = None,
                formats: Sequence[PixelFormat] = FORMATS) -> pyvirtualcam.Camera:
    """Open the virtual camera in the first pixel format the backend takes; SinkError with the fix if none."""
    if backend is not None and backend not in pyvirtualcam.camera.BACKENDS:
        known = ", ".join(sorted(pyvirtualcam.camera.BACKENDS)) or "none on this system"
        raise ConfigError(f"unknown virtual camera backend {backend!r}", f"use one of: {known}")
    errors: list[str] = []
    for fmt in formats:
        try:
            return pyvirtualcam.Camera(size[0], size[1], fps, fmt=fmt, device=device, backend=backend)
        except (RuntimeError, ValueError) as exc:
            errors.append(short_error(exc))
    where = f"device {device}" if device else "any virtual camera device"
    said = "; ".join(dict.fromkeys(errors))  # every format usually fails for the same reason: say it once
    raise SinkError(f"could not open {where} at {size[0]}x{size[1]} ({said})", no_device_fix())


def short_error(exc: BaseException, limit: int = 160) -> str:
    """pyvirtualcam's error, first line only (its backends list every device they tried), at most ``limit``."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else "no backend"
    return text if len(text) <= limit else text[:limit - 3] + "..."


@dataclass
class VcamStats:
    """What the sender did: frames in from the loop, sent, repeats of a stalled frame, reopen attempts."""

    received: int = 0
    sent: int = 0
    repeated: int = 0
    failures: int = 0
    reopened: int = 0


class VirtualCameraSink:
    """Sends ``frame.output`` to a virtual camera at ``fps``, paced, latest frame only.

    ``size`` None takes the first frame's size (rounded down to even). ``framer`` (an
    :class:`~realtime.sinks.autoframe.AutoFramer`) pans and zooms to the head before sizing.
    """

    name = "vcam"

    def __init__(self, *, size: tuple[int, int] | None = None, fps: float = 30.0, device: str | None = None,
                 backend: str | None = None, framer: AutoFramer | None = None,
                 retry_s: Sequence[float] = RETRY_S, opener: Callable[..., pyvirtualcam.Camera] = open_camera,
                 required: bool = True) -> None:
        if fps <= 0:
            raise ConfigError(f"expected a positive virtual camera fps, got {fps}", "pass --fps like 30")
        self.size = even_size(*size) if size is not None else None
        self.fps = float(fps)
        self.device = device
        self.backend = backend
        self.framer = framer
        self.retry_s = tuple(retry_s) or RETRY_S
        self._opener = opener
        self.required = required  # False: a device busy or missing at the first open is retried, not raised
        self._slot: LatestSlot[np.ndarray] = LatestSlot()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._camera: pyvirtualcam.Camera | None = None
        self.fmt: PixelFormat | None = None
        self.device_name: str | None = None
        self.stats = VcamStats()

    def __enter__(self) -> VirtualCameraSink:
        if self.size is not None:
            self.open(self.size)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- loop side ---------------------------------------------------------------------------------------
    def open(self, size: tuple[int, int]) -> None:
        """Open the device now (raising SinkError) and start the sender."""
        if self._thread is not None:
            return
        self.size = even_size(*size)
        try:
            self._camera = self._open(self.size)
        except SinkError as exc:
            if self.required:
                raise
            self.stats.failures += 1  # the sender thread reopens it with backoff; the caller goes on
            log.warning("virtual camera unavailable (%s); retrying in the background", exc.problem)
        self._thread = threading.Thread(target=self._run, name="vcam-sender", daemon=True)
        self._thread.start()

    def send(self, frame: FrameResult) -> None:
        image = frame.output
        if self.framer is not None:
            x0, y0, x1, y1 = self.framer.update(frame.assessment, frame.source_time, frame.size)
            image = image[y0:y1, x0:x1]
        if self._thread is None:
            self.open(self.size or (image.shape[1], image.shape[0]))
        self.stats.received += 1
        self._slot.put(image)

    def idle(self, source_state: str) -> None:
        """Nothing to do: the sender repeats the last frame while the source is stalled."""

    def close(self) -> None:
        self._stop.set()
        self._slot.close()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None
        self._close_camera()

    # --- sender thread --------------------------------------------------------------------------------------
    def _open(self, size: tuple[int, int]) -> pyvirtualcam.Camera:
        camera = self._opener(size, self.fps, device=self.device, backend=self.backend)
        self.fmt = camera.fmt
        self.device_name = camera.device
        log.info("virtual camera %s (%s) %dx%d at %.1f fps, input %s", camera.device, camera.backend,
                 size[0], size[1], self.fps, camera.fmt)
        return camera

    def _close_camera(self) -> None:
        camera, self._camera = self._camera, None
        if camera is not None:
            try:
                camera.close()
            except Exception as exc:  # a device that failed may fail to close too: it is gone either way
                log.debug("virtual camera close: %s", exc)

    def _run(self) -> None:
        size = self.size or (2, 2)  # set by open() before the thread starts
        fitted: np.ndarray | None = None  # the newest frame at the output size, BGR
        buffer: np.ndarray | None = None  # the same converted for the camera's format (sent, repeated)
        buffer_fmt: PixelFormat | None = None
        attempt = 0
        retry_at = 0.0
        while not self._stop.is_set():
            image = self._slot.get(timeout=0.0 if fitted is not None else 1.0 / self.fps)
            if image is not None:
                fitted, buffer = fit_to(image, size), None
            if fitted is None:
                continue
            if self._camera is None:
                if time.monotonic() < retry_at:
                    self._stop.wait(min(1.0 / self.fps, retry_at - time.monotonic()))
                    continue
                try:
                    self._camera = self._open(size)
                    self.stats.reopened += 1
                    attempt = 0
                except (SinkError, ConfigError) as exc:
                    retry_at = time.monotonic() + self.retry_s[min(attempt, len(self.retry_s) - 1)]
                    attempt += 1
                    # Said once when it first failed (open()); each retry only in -v's log.
                    log.debug("virtual camera still unavailable, retrying: %s", exc.problem)
                    continue
            if buffer is None or buffer_fmt != self._camera.fmt:
                buffer_fmt = self._camera.fmt
                buffer = convert(fitted, buffer_fmt)
            try:
                self._camera.send(buffer)
            except Exception as exc:  # any backend failure: reopen later, the loop and preview go on
                self.stats.failures += 1
                log.warning("virtual camera failed (%s); reopening with backoff", exc)
                self._close_camera()
                retry_at = time.monotonic() + self.retry_s[min(attempt, len(self.retry_s) - 1)]
                attempt += 1
                continue
            self.stats.sent += 1
            if image is None:
                self.stats.repeated += 1
            self._camera.sleep_until_next_frame()
