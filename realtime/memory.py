"""Memory behaviour for a process that runs all day (the kiosk, the preview, the virtual camera).

Why: every frame allocates a few large buffers (a 1280x720 BGR frame is 2.7 MB; the engine's output,
the matte, the overlay canvas). glibc serves blocks above its mmap threshold (128 kB at start) with
mmap and returns them to the system on free, but its *dynamic* threshold rises to the size of the
largest block freed, so after the first frames these buffers come from the heap instead, where they
fragment it: the 10-minute soak (docs/RELIABILITY.md) measured resident memory creeping by ~30 MB over
five minutes before levelling off, and flat (+3 MB) with the threshold pinned at 1 MB, ~80 MB lower.
Pinning it (``mallopt(M_MMAP_THRESHOLD)``, which also turns the dynamic adjustment off) is the same as
starting with ``MALLOC_MMAP_THRESHOLD_=1048576``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number
FRAME_MMAP_THRESHOLD = 1 << 20  # 1 MiB: frames and mattes are mmapped; small objects stay on the heap


def pin_mmap_threshold(threshold: int = FRAME_MMAP_THRESHOLD) -> bool:
    """Pin glibc's mmap threshold (Linux only; elsewhere, or with another libc, a no-op returning False)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return False
    mallopt = getattr(libc, "mallopt", None)  # musl has none
    if mallopt is None:
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    done = bool(mallopt(M_MMAP_THRESHOLD, threshold))
    log.debug("mmap threshold pinned at %d bytes: %s", threshold, done)
    return done
