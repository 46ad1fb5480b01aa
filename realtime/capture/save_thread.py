"""One worker thread that runs a capture stage's saves in order, off the live loop.

Why: a capture's save step makes the final matte (about half a second for a 720p frame on two cores,
:mod:`realtime.capture.live_matte`) and encodes PNGs; run in the loop's thread it would freeze the preview
and the virtual camera for that long. The stage hands each save to :meth:`SaveThread.submit`; what the
save decides (written, or kept in memory because the disk refused) it records itself, as before.
:meth:`flush` waits until every handed-over save is done (before a command reads what was saved); a save
that raises is logged and counted, never lost silently, and the worker goes on with the next.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class SaveThread:
    """A single daemon worker over a queue of calls; a context manager (``close()`` is safe twice)."""

    def __init__(self, name: str = "capture-save") -> None:
        self._name = name
        self._jobs: deque[tuple[Callable[..., Any], tuple[Any, ...]]] = deque()
        self._busy = 0  # jobs queued or running
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.failures = 0  # saves that raised (logged with their traceback)

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the worker, after everything submitted before."""
        with self._cond:
            if self._closed:
                raise RuntimeError("expected an open SaveThread, got one already closed")
            self._jobs.append((fn, args))
            self._busy += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every submitted save is done; False if ``timeout`` (seconds) passed first."""
        with self._cond:
            return self._cond.wait_for(lambda: self._busy == 0, timeout)

    @property
    def busy(self) -> int:
        """Saves queued or running now."""
        return self._busy

    def close(self) -> None:
        """Finish every submitted save, then stop the worker."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> SaveThread:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._jobs or self._closed)
                if not self._jobs:
                    return  # closed and drained
                fn, args = self._jobs.popleft()
            try:
                fn(*args)
            except Exception:  # noqa: BLE001  a failed save is logged and counted; the next one still runs
                self.failures += 1
                log.exception("a capture save failed")
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()
