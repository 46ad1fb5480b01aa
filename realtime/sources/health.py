"""Telling good webcam frames from corrupt, black and frozen ones.

A failing camera rarely stops cleanly: drivers hand out empty buffers, all-black frames while the
sensor restarts, or the same buffer again and again. Such frames are skipped and counted, and a camera
that has sent only repeats for a few seconds is reported as frozen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

BLACK_MEAN = 3.0  # 8-bit levels: a covered or restarting sensor, not a dark room (noise lifts those)
BLACK_MAX = 16
FROZEN_AFTER_S = 3.0


@dataclass
class FrameHealth:
    """Classifies each frame as "ok", "corrupt", "black" or "frozen" and keeps the counts."""

    frozen_after_s: float = FROZEN_AFTER_S
    counts: dict[str, int] = field(default_factory=lambda: {"corrupt": 0, "black": 0, "frozen": 0})
    _last_signature: bytes | None = None
    _last_change: float | None = None

    def classify(self, image: np.ndarray | None, now: float) -> str:
        if not (isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] == 3 and image.size
                and image.dtype == np.uint8):
            return self._count("corrupt")
        thumb = image[:: max(1, image.shape[0] // 18), :: max(1, image.shape[1] // 32)]
        if thumb.mean() < BLACK_MEAN and thumb.max() < BLACK_MAX:
            return self._count("black")
        signature = thumb.tobytes()
        if signature == self._last_signature:  # a live sensor never repeats a frame bit for bit
            return self._count("frozen")
        self._last_signature = signature
        self._last_change = now
        return "ok"

    def frozen_for(self, now: float) -> float:
        """Seconds since the last frame that differed from the one before (0 before any frame)."""
        return 0.0 if self._last_change is None else now - self._last_change

    def is_frozen(self, now: float) -> bool:
        return self._last_change is not None and self.frozen_for(now) >= self.frozen_after_s

    def _count(self, kind: str) -> str:
        self.counts[kind] += 1
        return kind
