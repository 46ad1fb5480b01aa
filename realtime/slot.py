"""A latest-frame slot: the producer never waits, the consumer always gets the newest item.

A live loop must not fall behind the camera: a deep queue would show the person what they did seconds
ago. The slot keeps one item; putting a new one over an unread one drops the old and counts the drop.
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class LatestSlot(Generic[T]):
    """One-item mailbox with a drop counter and a close flag."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: T | None = None
        self._fresh = False
        self._closed = False
        self.dropped = 0
        self.put_count = 0

    def put(self, item: T) -> None:
        with self._cond:
            if self._fresh:
                self.dropped += 1
            self._item = item
            self._fresh = True
            self.put_count += 1
            self._cond.notify_all()

    def get(self, timeout: float | None = None) -> T | None:
        """Wait for an item not read before; None on timeout or once closed and drained."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._fresh or self._closed, timeout=timeout):
                return None
            if not self._fresh:
                return None
            self._fresh = False
            return self._item

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed
