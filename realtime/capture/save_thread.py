"""One worker thread that runs a capture stage's saves in order, off the live loop (a one-thread executor).

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
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

log = logging.getLogger(__name__)


class SaveThread:
    """One worker (a single-thread executor: saves run in order) and the saves not yet done; a context
    manager (``close()`` is safe twice)."""

    def __init__(self, name: str = "capture-save") -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._pending: set[Future[Any]] = set()  # submitted and not finished
        self._lock = threading.Lock()
        self._closed = False
        self.failures = 0  # saves that raised (logged with their traceback)

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the worker, after everything submitted before."""
        with self._lock:
            if self._closed:
                raise RuntimeError("expected an open SaveThread, got one already closed")
            future = self._pool.submit(fn, *args)
            self._pending.add(future)
        future.add_done_callback(self._finished)  # runs at once if the save is already done

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every submitted save is done; False if ``timeout`` (seconds) passed first."""
        with self._lock:
            pending = list(self._pending)
        return not wait(pending, timeout).not_done

    @property
    def busy(self) -> int:
        """Saves queued or running now."""
        return len(self._pending)

    def close(self) -> None:
        """Finish every submitted save, then stop the worker."""
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=True)

    def __enter__(self) -> SaveThread:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _finished(self, future: Future[Any]) -> None:
        error = future.exception()
        with self._lock:
            self._pending.discard(future)
            if error is not None:  # a failed save is logged and counted; the next one still runs
                self.failures += 1
        if error is not None:
            log.error("a capture save failed", exc_info=error)
