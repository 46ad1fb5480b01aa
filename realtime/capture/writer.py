"""Atomic output: image encoding with colour space and DPI, files that are complete or absent, and one
new capture folder per capture that never replaces an earlier one.

Why so careful: a booth runs unattended and can lose power at any moment; a half-written PNG or a
report that points at missing files is worse than no capture. So:

* every image is encoded in memory first (an encoder error touches no file);
* every file is written as a temporary file in the same folder, flushed, fsynced, then ``os.replace``-d
  onto its name, and the folder is fsynced (:func:`realtime.mediafiles.atomic_write`, the one helper);
* a capture is assembled in a hidden temporary folder (``.partial-*``) under ``--out`` and renamed to
  its final name only when every file is in: readers never see a capture folder without its report.
  The final name is ``headshot-YYYYMMDD-HHMMSS-NN`` (NN counts up from 01), reserved with an exclusive
  ``os.mkdir`` (so two booths writing to one folder cannot collide) and then replaced by the complete
  folder in one ``rename``. A crash leaves at most a hidden ``.partial-*`` folder or an empty reserved
  one, never a half capture; the next write under the same ``--out`` removes such leftovers once they
  are an hour old (a write takes well under a second, and another booth may be writing right now);
* a full disk or a read-only folder raises :class:`~realtime.errors.SinkError` with the fix; the
  temporary folder is removed and the caller still holds the capture in memory to retry elsewhere.

Colour and DPI: OpenCV cannot write either, so Pillow encodes. PNGs carry an ``sRGB`` chunk (with the
matching ``gAMA``) and ``pHYs`` (DPI); JPEGs carry JFIF density (DPI) and an embedded sRGB ICC profile
(JPEG has no sRGB flag of its own).
"""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import os
import secrets
import shutil
import time
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, PngImagePlugin

from realtime.errors import SinkError
from realtime.mediafiles import atomic_write, fsync_dir

log = logging.getLogger(__name__)

JPEG_QUALITY = 95
# The one disk-full policy (capture stage, booth, ``headshot capture``): what the disk refused stays in
# memory, is said once, and is written again every RETRY_AFTER_S; where nobody can be asked (no
# terminal), RETRIES_UNATTENDED more tries before the error ends the run.
RETRY_AFTER_S = 2.0
RETRIES_UNATTENDED = 3
FOLDER_PREFIX = "headshot"
PARTIAL_PREFIX = ".partial-"
MAX_COUNTER = 999
STALE_AFTER_S = 3600.0  # crash leftovers older than this are removed by the next write
_SRGB_GAMA = (45455).to_bytes(4, "big")  # gAMA for sRGB: 1/2.2 x 100000
_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_NOT_WRITABLE = {errno.EROFS, errno.EACCES, errno.EPERM}


@lru_cache(maxsize=1)
def _srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _pil_rgb(image_bgr: np.ndarray) -> Image.Image:
    if image_bgr.ndim != 3 or image_bgr.shape[2] != 3 or image_bgr.dtype != np.uint8:
        raise ValueError(f"expected a BGR uint8 image (H, W, 3), got {image_bgr.dtype} {image_bgr.shape}")
    return Image.fromarray(np.ascontiguousarray(image_bgr[:, :, ::-1]), "RGB")


def encode_png(image_bgr: np.ndarray, dpi: int) -> bytes:
    """Lossless PNG bytes tagged sRGB (perceptual intent) with ``dpi`` in pHYs."""
    info = PngImagePlugin.PngInfo()
    info.add(b"sRGB", b"\x00")
    info.add(b"gAMA", _SRGB_GAMA)
    buffer = io.BytesIO()
    _pil_rgb(image_bgr).save(buffer, "PNG", pnginfo=info, dpi=(dpi, dpi), compress_level=4)
    return buffer.getvalue()


def encode_jpeg(image_bgr: np.ndarray, dpi: int, quality: int = JPEG_QUALITY) -> bytes:
    """JPEG bytes (no chroma subsampling) with JFIF density ``dpi`` and an embedded sRGB profile."""
    buffer = io.BytesIO()
    _pil_rgb(image_bgr).save(buffer, "JPEG", quality=quality, subsampling=0, dpi=(dpi, dpi),
                             icc_profile=_srgb_icc(), optimize=True)
    return buffer.getvalue()


def sink_error(exc: OSError, out_dir: Path) -> SinkError:
    """A SinkError that says what went wrong writing under ``out_dir`` and how to fix it."""
    if exc.errno in _NO_SPACE:
        return SinkError(f"no space left writing the capture under {out_dir}",
                         "free some disk space or pass another --out folder, then capture again")
    if exc.errno in _NOT_WRITABLE:
        return SinkError(f"cannot write the capture under {out_dir} ({os.strerror(exc.errno)})",
                         "pass an --out folder you can write to")
    return SinkError(f"could not write the capture under {out_dir}: {exc}",
                     "check the folder, free space and permissions, or pass another --out")


def _make_partial(out_dir: Path) -> Path:
    """A new hidden temporary folder (mode from the umask, unlike mkdtemp's 0o700)."""
    while True:
        partial = out_dir / f"{PARTIAL_PREFIX}{secrets.token_hex(6)}"
        try:
            os.mkdir(partial)
        except FileExistsError:
            continue
        return partial


def sweep_crash_leftovers(out_dir: Path, *, older_than_s: float = STALE_AFTER_S,
                          now: float | None = None) -> list[Path]:
    """Remove what a crash mid-write left under ``out_dir``: hidden ``.partial-*`` folders and empty
    reserved capture folders last changed more than ``older_than_s`` ago. Returns what was removed.

    Complete captures are never touched: a reserved folder is removed only while it is empty
    (``os.rmdir`` refuses otherwise), and partial folders are never visible captures.
    """
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        entries = list(os.scandir(out_dir))
    except OSError:
        return removed
    for entry in entries:
        partial = entry.name.startswith(PARTIAL_PREFIX)
        if not (partial or entry.name.startswith(f"{FOLDER_PREFIX}-")):
            continue
        try:
            if not entry.is_dir(follow_symlinks=False):
                continue
            if now - entry.stat(follow_symlinks=False).st_mtime < older_than_s:
                continue
            if partial:
                shutil.rmtree(entry.path)
            else:
                os.rmdir(entry.path)  # only an empty reserved folder: OSError when it holds a capture
        except OSError:
            continue
        removed.append(Path(entry.path))
    if removed:
        log.info("removed %d unfinished capture folder(s) left by an interrupted write under %s", len(removed),
                 out_dir)
    return removed


def _reserve(out_dir: Path, when: datetime) -> Path:
    stamp = when.strftime("%Y%m%d-%H%M%S")
    for counter in range(1, MAX_COUNTER + 1):
        candidate = out_dir / f"{FOLDER_PREFIX}-{stamp}-{counter:02d}"
        try:
            os.mkdir(candidate)
        except FileExistsError:
            continue
        return candidate
    raise SinkError(f"{MAX_COUNTER} captures already named {FOLDER_PREFIX}-{stamp}-* in {out_dir}",
                    "pass another --out folder")


def write_folder(out_dir: Path, files: Mapping[str, bytes], when: datetime | None = None) -> Path:
    """Write ``files`` (name -> bytes, written in order) into a new capture folder under ``out_dir``.

    Returns the folder. Raises SinkError (nothing left behind) when the disk is full or not writable.
    """
    out_dir = Path(out_dir)
    for name in files:
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise ValueError(f"expected plain file names, got {name!r}")
    partial: Path | None = None
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        sweep_crash_leftovers(out_dir)
        partial = _make_partial(out_dir)
        for name, data in files.items():
            atomic_write(partial / name, data)
        fsync_dir(partial)
        final = _reserve(out_dir, when or datetime.now())
        try:
            os.rename(partial, final)  # replaces the empty reserved folder in one step
        except BaseException:
            with contextlib.suppress(OSError):
                os.rmdir(final)
            raise
        partial = None
        fsync_dir(out_dir)
        return final
    except OSError as exc:
        raise sink_error(exc, out_dir) from exc
    finally:
        if partial is not None:
            shutil.rmtree(partial, ignore_errors=True)
