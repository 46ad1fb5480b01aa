"""A fake V4L2 webcam for calibration tests: real modes, controls (some refuse), demo frames, timestamps."""

from __future__ import annotations

import time

import cv2
import numpy as np

from realtime.sources.demo import DemoRenderer

RENDER_SIZE = (160, 90)


class FakeWebcam:
    """Accepts only ``modes`` (snapping anything else to the first), paces frames at the mode's fps and
    stamps each with a buffer time ``latency_s`` before ``read`` returns, as V4L2 does."""

    def __init__(
        self,
        renderer: DemoRenderer,
        *,
        modes: tuple[tuple[int, int, float], ...] = ((640, 480, 30.0), (320, 240, 60.0), (320, 240, 30.0)),
        refuses: tuple[int, ...] = (cv2.CAP_PROP_AUTOFOCUS, cv2.CAP_PROP_FOCUS),
        ignores: tuple[int, ...] = (),
        latency_s: float | None = 0.02,
        frame_source=None,
    ) -> None:
        self.renderer = renderer
        self.modes = modes
        self.refuses = refuses
        self.ignores = ignores  # set() says yes but nothing changes (some UVC cameras do this)
        self.latency_s = latency_s
        self.frame_source = frame_source  # optional callable(index) -> BGR image at any size
        self.mode = modes[0]
        self.asked: dict[int, float] = {}
        self.controls: dict[int, float] = {
            cv2.CAP_PROP_AUTO_EXPOSURE: 3.0, cv2.CAP_PROP_EXPOSURE: 156.0,
            cv2.CAP_PROP_AUTO_WB: 1.0, cv2.CAP_PROP_WB_TEMPERATURE: 4600.0,
            cv2.CAP_PROP_AUTOFOCUS: 1.0, cv2.CAP_PROP_FOCUS: 30.0,
        }
        self.opened = True
        self.index = 0
        self.next_due = time.monotonic()
        self.stamp_ms = 0.0
        self.released = 0

    # the Capture protocol (cv2.VideoCapture's names)
    def isOpened(self) -> bool:  # noqa: N802
        return self.opened

    def set(self, prop: int, value: float) -> bool:
        self.asked[prop] = value
        if prop in (cv2.CAP_PROP_FRAME_WIDTH, cv2.CAP_PROP_FRAME_HEIGHT, cv2.CAP_PROP_FPS):
            width = int(self.asked.get(cv2.CAP_PROP_FRAME_WIDTH, self.mode[0]))
            height = int(self.asked.get(cv2.CAP_PROP_FRAME_HEIGHT, self.mode[1]))
            fps = self.asked.get(cv2.CAP_PROP_FPS, self.mode[2])
            same = [m for m in self.modes if m[:2] == (width, height)]
            self.mode = min(same, key=lambda m: abs(m[2] - fps)) if same else self.modes[0]
            return True
        if prop == cv2.CAP_PROP_FOURCC:
            return True
        if prop in self.refuses:
            return False
        if prop not in self.ignores and prop in self.controls:
            self.controls[prop] = float(value)
        return prop in self.controls

    def get(self, prop: int) -> float:
        if prop == cv2.CAP_PROP_FRAME_WIDTH:
            return float(self.mode[0])
        if prop == cv2.CAP_PROP_FRAME_HEIGHT:
            return float(self.mode[1])
        if prop == cv2.CAP_PROP_FPS:
            return float(self.mode[2])
        if prop == cv2.CAP_PROP_FOURCC:
            return float(cv2.VideoWriter_fourcc(*"MJPG"))
        if prop == cv2.CAP_PROP_POS_MSEC:
            return self.stamp_ms
        return self.controls.get(prop, -1.0)

    def read(self) -> tuple[bool, np.ndarray | None]:
        if not self.opened:
            return False, None
        now = time.monotonic()
        if self.next_due > now:
            time.sleep(self.next_due - now)
        self.next_due = max(self.next_due, now) + 1.0 / self.mode[2]
        if self.frame_source is not None:
            image = self.frame_source(self.index)
        else:
            image = self.renderer.render(self.index / 30.0 % 12.0, self.index)
        self.index += 1
        width, height = self.mode[:2]
        if image.shape[:2] != (height, width):
            image = cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)
        returned = time.monotonic()
        self.stamp_ms = -1.0 if self.latency_s is None else (returned - self.latency_s) * 1000.0
        return True, image

    def release(self) -> None:
        self.opened = False
        self.released += 1
