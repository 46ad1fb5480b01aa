"""Frame sources: one small protocol for webcams, files and the demo.

A source is a context manager. ``read(timeout)`` returns the next :class:`SourceFrame`, or None when no
frame came in time; ``ended`` tells a finished file from a stalled camera. Live sources run a capture
thread into a :class:`~realtime.slot.LatestSlot`, so a slow consumer gets the newest frame and the
drops are counted.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from realtime.slot import LatestSlot


@dataclass(frozen=True)
class SourceFrame:
    """A frame as a source delivers it."""

    index: int  # the source's own frame number (frames dropped by a live slot leave gaps)
    image: np.ndarray  # BGR uint8 H x W x 3
    grab_time: float  # time.monotonic() when grabbed
    source_time: float  # seconds since the source started (media time for files)


class FrameSource(ABC):
    """Base for every source: context manager, ``read``, and what it reports about itself."""

    name = "source"
    state = "ok"  # "ok", "reconnecting" (camera lost), or "ended"

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def read(self, timeout: float | None = None) -> SourceFrame | None:
        """The next frame, or None when none came within ``timeout`` or the source has ended."""

    def close(self) -> None:
        """Release the device or file. Safe to call twice."""

    @property
    def ended(self) -> bool:
        return self.state == "ended"

    @property
    def dropped(self) -> int:
        """Frames the source produced that nobody read (live sources only)."""
        return 0

    @property
    def fps(self) -> float:
        return 30.0

    def describe(self) -> dict[str, object]:
        """What the source is and what it really delivers, for reports and ``doctor``."""
        return {"name": self.name, "fps": self.fps}

    def frames(self, timeout: float = 5.0) -> Iterator[SourceFrame]:
        """Iterate until the source ends (a live source that stalls longer than ``timeout`` also stops)."""
        while True:
            frame = self.read(timeout)
            if frame is None:
                return
            yield frame


class ThreadedSource(FrameSource):
    """Runs ``produce()`` on a thread into a latest-frame slot: the live behaviour of a webcam.

    Subclasses implement ``produce(stop)``, which calls ``self._publish(image, source_time)`` for each
    frame and returns when the source ends or ``stop`` is set.
    """

    def __init__(self) -> None:
        self._slot: LatestSlot[SourceFrame] = LatestSlot()
        self._stop = threading.Event()
        self._next_index = 0
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"{self.name}-capture", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.produce(self._stop)
        except BaseException as exc:  # handed to the reader, which raises it in its own thread
            self.error = exc
        finally:
            self.state = "ended"
            self._slot.close()

    @abstractmethod
    def produce(self, stop: threading.Event) -> None: ...

    def _publish(self, image: np.ndarray, source_time: float, grab_time: float | None = None) -> None:
        frame = SourceFrame(self._next_index, image, grab_time or time.monotonic(), source_time)
        self._next_index += 1
        self._slot.put(frame)

    def read(self, timeout: float | None = None) -> SourceFrame | None:
        if self._thread is None and not self._stop.is_set():
            self.start()
        frame = self._slot.get(timeout)
        if frame is None and self.error is not None:
            error, self.error = self.error, None
            raise error
        return frame

    @property
    def dropped(self) -> int:
        return self._slot.dropped

    def close(self) -> None:
        self._stop.set()
        self._slot.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5.0)
        self._thread = None
