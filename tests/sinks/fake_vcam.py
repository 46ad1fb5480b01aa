"""A fake pyvirtualcam backend that records what it receives: registered by name, like the real ones.

It follows pyvirtualcam's backend interface (keyword-only constructor, ``send(1-D uint8)``, ``close``,
``device``, ``native_fourcc``). Behaviour is set per test through :class:`FakeBackendConfig`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np
import pyvirtualcam
from pyvirtualcam.util import decode_fourcc, encode_fourcc

NAME = "headshot-fake"


@dataclass
class Received:
    buffer: np.ndarray
    t: float  # time.perf_counter() at send
    fourcc: str
    width: int
    height: int


@dataclass
class FakeBackendConfig:
    formats: tuple[str, ...] = ("24BG", "raw ", "I420")  # fourccs accepted (BGR, RGB, I420)
    native: str = "I420"
    fail_opens: int = 0  # the next N constructions raise (no device)
    fail_after_sends: int | None = None  # the Nth send on one device raises (device vanished)
    device_name: str = "/dev/video42"
    received: list[Received] = field(default_factory=list)
    opened: int = 0
    closed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


CONFIG = FakeBackendConfig()


class FakeBackend:
    def __init__(self, *, width: int, height: int, fps: float, fourcc: int, device: str | None, **kw: object):
        cfg = CONFIG
        name = decode_fourcc(fourcc)
        if cfg.fail_opens > 0:
            cfg.fail_opens -= 1
            raise RuntimeError("no loopback device found")
        if name not in cfg.formats:
            raise ValueError(f"unsupported format {name!r}")
        if device is not None and device != cfg.device_name:
            raise RuntimeError(f"device {device} does not exist")
        self.width, self.height, self.fourcc = width, height, name
        self.sends = 0
        cfg.opened += 1

    def send(self, frame: np.ndarray) -> None:
        cfg = CONFIG
        self.sends += 1
        if cfg.fail_after_sends is not None and self.sends > cfg.fail_after_sends:
            raise RuntimeError("device vanished")
        with cfg.lock:
            cfg.received.append(Received(frame.copy(), time.perf_counter(), self.fourcc, self.width, self.height))

    def close(self) -> None:
        CONFIG.closed += 1

    def device(self) -> str:
        return CONFIG.device_name

    def native_fourcc(self) -> int:
        return encode_fourcc(CONFIG.native)


def install(config: FakeBackendConfig | None = None) -> FakeBackendConfig:
    """Register the fake under :data:`NAME` with a fresh config and return the config."""
    global CONFIG
    CONFIG = config or FakeBackendConfig()
    pyvirtualcam.register_backend(NAME, FakeBackend)
    return CONFIG


def uninstall() -> None:
    pyvirtualcam.camera.BACKENDS.pop(NAME, None)
