"""Image and video files handed to OpenCV by a route that survives any file name.

OpenCV converts a Python ``str`` path to UTF-8 inside its bindings; a name that is not valid UTF-8 (a
Latin-1 ``café.png`` copied from an old camera card arrives as ``'caf\\udce9.png'``) crashes the process
with a segmentation fault, no message. So stills are read as bytes and decoded (``cv2.imdecode``, which
also refuses a truncated JPEG that ``cv2.imread`` fills with grey) and written by encoding in memory and
an atomic write; videos are opened through a symbolic link with a plain name in a private temporary
folder when their own name is not UTF-8.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np

from realtime.errors import SinkError

# The one table of file kinds by suffix (lower case). Images are what OpenCV decodes; photos add what
# Pillow reads through pillow-heif (``check`` and still mode); videos are what OpenCV's FFmpeg opens.
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"})
PHOTO_SUFFIXES = IMAGE_SUFFIXES | frozenset({".heic", ".heif"})
VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv"})

_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_NOT_WRITABLE = {errno.EROFS, errno.EACCES, errno.EPERM}


def opencv_can_take(path: str | os.PathLike[str]) -> bool:
    """True when OpenCV can be given this name as is (it encodes to UTF-8)."""
    try:
        os.fspath(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_image(path: str | os.PathLike[str], flags: int = cv2.IMREAD_COLOR) -> np.ndarray | None:
    """The decoded image, or None when the file cannot be read or is not a whole image (any name)."""
    try:
        data = np.fromfile(os.fspath(path), dtype=np.uint8)
    except (OSError, ValueError):
        return None
    if data.size == 0:
        return None
    image = cv2.imdecode(data, flags)
    if image is None or image.shape[0] < 1 or image.shape[1] < 1:
        return None
    return image


def encode_image(path: str | os.PathLike[str], image: np.ndarray) -> bytes:
    """``image`` encoded in the format ``path``'s extension names (as ``cv2.imwrite`` would)."""
    suffix = Path(os.fspath(path)).suffix.lower()
    try:
        ok, buffer = cv2.imencode(suffix, image)
    except cv2.error as exc:
        raise SinkError(f"cannot encode an image as {suffix or 'no extension'} for {path}: {exc.msg.strip()}",
                        "use a .png or .jpg name") from exc
    if not ok:
        raise SinkError(f"cannot encode an image as {suffix} for {path}", "use a .png or .jpg name")
    return buffer.tobytes()


def write_error(exc: OSError, path: str | os.PathLike[str]) -> SinkError:
    """A SinkError naming what went wrong writing ``path`` (full disk, read-only, other) and the fix."""
    if exc.errno in _NO_SPACE:
        return SinkError(f"no space left writing {path} (nothing was changed there)",
                         "free some disk space or give another output path")
    if exc.errno in _NOT_WRITABLE:
        return SinkError(f"cannot write {path} ({os.strerror(exc.errno)})", "give an output path you can write to")
    return SinkError(f"could not write {path}: {exc.strerror or exc}", "check the folder, free space and permissions")


def write_file(path: Path, data: bytes) -> None:
    """Write atomically next to ``path`` (the old file stays whole until the new one is), typed errors."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, data)
    except OSError as exc:
        raise write_error(exc, path) from exc


# --- atomic writes: the one helper (capture folders, stills, profiles, plates, reports, print sheets) ---
def fsync_dir(path: Path) -> None:
    """Make a rename or new entry in ``path`` durable (no-op where folders cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on folders; the data itself was fsynced
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that the file is either the old one, absent, or complete."""
    path = Path(path)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
    # os.open with 0o666 (not mkstemp's 0o600): the finished file gets the user's umask like any other.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    fsync_dir(path.parent)


def atomic_replace(done: Path, path: Path) -> None:
    """Move a finished file written next to ``path`` over it, durably (its data, then the folder entry)."""
    fd = os.open(done, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(done, path)
    fsync_dir(path.parent)


@contextmanager
def opencv_path(path: Path) -> Iterator[str]:
    """A name OpenCV can open for ``path`` (a file or a folder): the path itself when it is UTF-8, else a
    symbolic link with a plain name in a private temporary folder, removed afterwards."""
    if opencv_can_take(path):
        yield os.fspath(path)
        return
    private = tempfile.mkdtemp(prefix="headshot-link-")
    try:
        link = os.path.join(private, "link" + (path.suffix if opencv_can_take(path.suffix) else ""))
        os.symlink(os.fsencode(os.path.abspath(path)), os.fsencode(link))
        yield link
    finally:
        shutil.rmtree(private, ignore_errors=True)


def same_file(a: Path, b: Path) -> bool:
    """True when two paths name one file (same resolved path, or the same inode through a link)."""
    try:
        if a.resolve() == b.resolve():
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def count_video_frames(path: Path) -> int:
    """Frames a decoder can read from ``path`` (0 when it does not open: a file cut short, no index)."""
    with opencv_path(path) as name:
        capture = cv2.VideoCapture(name)
        try:
            if not capture.isOpened():
                return 0
            count = 0
            while capture.grab():
                count += 1
            return count
        finally:
            capture.release()
