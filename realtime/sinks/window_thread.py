"""The preview window on a thread of its own, so that waiting for the display never slows the loop.

``cv2.imshow`` + ``waitKey`` cost the loop's thread 3 ms a frame on a quiet machine and 10-15 ms under
Xvfb on a loaded one (issue #16): the picture is painted and the X server answered inside ``waitKey``.
:class:`ThreadedWindow` drives a :class:`~realtime.sinks.window.Window` from one thread, which makes every
HighGUI call (open, show, key polling, close: Qt wants them all on one thread): ``show`` hands over the
newest picture and returns at once with a key pressed since the last call, if any. When the display is
slower than the loop, pictures not yet shown are replaced by newer ones (counted in :attr:`replaced`), so
the window shows the newest frame at the display's own pace.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

PUMP_S = 0.03  # with no new picture, keys and window events are still polled this often
CLOSE_WAIT_S = 5.0  # how long close() waits for the thread to close the window


class _Shown(Protocol):
    """What is driven on the thread: a :class:`~realtime.sinks.window.Window` (or a test double)."""

    def open(self) -> None: ...

    def show(self, image: np.ndarray) -> int | None: ...

    def pump(self) -> int | None: ...

    @property
    def closed(self) -> bool: ...

    def close(self) -> None: ...


class ThreadedWindow:
    """``window`` opened, shown and closed on its own thread; a context manager (``close()`` is safe twice).

    ``show(image)`` keeps a reference to ``image`` until it is shown: the caller must not draw on it again
    (the overlay makes a new canvas every frame). A failure to open (no display) is raised by ``open`` in
    the caller's thread, with its own type.
    """

    def __init__(self, window: _Shown) -> None:
        self.window = window
        self.shown = 0  # pictures put on screen
        self.replaced = 0  # pictures replaced by a newer one before the display took them
        self._image: np.ndarray | None = None
        self._wake = threading.Condition()
        self._keys: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._ready = threading.Event()
        self._stopping = False
        self._closed = False
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> ThreadedWindow:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="display", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self._thread.join()
            raise self._error

    def show(self, image: np.ndarray) -> int | None:
        """Hand ``image`` to the display thread; the next key pressed (an int), or None."""
        with self._wake:
            if self._image is not None:
                self.replaced += 1
            self._image = image
            self._wake.notify()
        try:
            return self._keys.get_nowait()
        except queue.Empty:
            return None

    @property
    def closed(self) -> bool:
        """True once the user closed the window (or it failed, or was never opened)."""
        return self._closed or self._thread is None or not self._thread.is_alive()

    def close(self) -> None:
        """Stop the thread, which closes the window; safe to call twice."""
        if self._thread is None:
            return
        with self._wake:
            self._stopping = True
            self._wake.notify()
        self._thread.join(CLOSE_WAIT_S)
        if self._thread.is_alive():
            log.warning("display thread did not end within %.0f s", CLOSE_WAIT_S)

    def _run(self) -> None:
        try:
            self.window.open()
        except BaseException as exc:  # handed to open() in the caller's thread, raised there
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            while True:
                with self._wake:
                    if self._image is None and not self._stopping:
                        self._wake.wait(PUMP_S)
                    if self._stopping:
                        return
                    image, self._image = self._image, None
                # No events pumped before the first picture: a close that came then would be undone by the
                # first imshow (which shows the window again), as it is when the loop shows the window itself.
                if image is not None:
                    key = self.window.show(image)
                else:
                    key = self.window.pump() if self.shown else None
                if key is not None:
                    self._keys.put(key)
                if self.window.closed:
                    self._closed = True
                if image is not None:
                    self.shown += 1  # last: a caller that sees the count sees the key and the close too
        except Exception:
            log.exception("the preview window failed")
            self._closed = True
        finally:
            self.window.close()
