"""A source over frames already in memory: scripted sessions for tests, the bench and fault fakes."""

from __future__ import annotations

import time

import numpy as np

from realtime.sources.base import FrameSource, SourceFrame


class FrameListSource(FrameSource):
    """Plays ``images`` in order at ``fps`` media time, as fast as read (like a video file); then ends."""

    name = "frames"

    def __init__(self, images: list[np.ndarray], fps: float = 30.0) -> None:
        self._images = images
        self._fps = fps
        self._index = 0

    def read(self, timeout: float | None = None) -> SourceFrame | None:
        if self._index >= len(self._images):
            self.state = "ended"
            return None
        i = self._index
        self._index += 1
        return SourceFrame(i, self._images[i], time.monotonic(), i / self._fps)

    @property
    def fps(self) -> float:
        return self._fps

    def describe(self) -> dict[str, object]:
        return {"name": self.name, "frames": len(self._images), "fps": self._fps}
