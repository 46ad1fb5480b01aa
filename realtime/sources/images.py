"""Still images as a source: one frame per file, from a file, a folder or a glob."""

from __future__ import annotations

import glob
import logging
import time
from pathlib import Path

from realtime.errors import SourceError
from realtime.mediafiles import IMAGE_SUFFIXES, read_image
from realtime.sources.base import FrameSource, SourceFrame

log = logging.getLogger(__name__)



def list_images(spec: str | Path) -> list[Path]:
    """The image files a spec names: a file, the images in a folder (sorted), or a glob's matches."""
    path = Path(spec)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise SourceError(f"folder {path} has no images", f"put {', '.join(sorted(IMAGE_SUFFIXES))} files in it")
        return files
    if path.is_file():
        return [path]
    if glob.has_magic(str(spec)):
        files = sorted(Path(p) for p in glob.glob(str(spec)) if Path(p).suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise SourceError(f"no image matches {spec}", "check the pattern (quote it so the shell leaves it)")
        return files
    raise SourceError(f"{spec} does not exist", "check the path given to --source")


class ImageSource(FrameSource):
    """Each image once, in order; unreadable files are skipped, counted and logged."""

    name = "images"

    def __init__(self, spec: str | Path, *, fps: float = 1.0) -> None:
        self.files = list_images(spec)
        self._fps = fps
        self._position = 0
        self._index = 0
        self.skipped: list[Path] = []

    def read(self, timeout: float | None = None) -> SourceFrame | None:
        while self._position < len(self.files):
            path = self.files[self._position]
            self._position += 1
            image = read_image(path)  # bytes + imdecode: any file name; a truncated JPEG is refused
            if image is None:
                if len(self.files) == 1:
                    raise SourceError(f"image {path} could not be read (not an image, or cut short)",
                                      "check the file is a whole, valid image")
                log.warning("skipping unreadable image %s", path)
                self.skipped.append(path)
                continue
            frame = SourceFrame(self._index, image, time.monotonic(), self._index / self._fps)
            self._index += 1
            return frame
        self.state = "ended"
        return None

    @property
    def fps(self) -> float:
        return self._fps

    def describe(self) -> dict[str, object]:
        return {"name": self.name, "files": len(self.files), "skipped": [str(p) for p in self.skipped]}
