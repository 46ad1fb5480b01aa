"""Video file source: paced like a camera for live use, or every frame as fast as possible for processing."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import cv2

from realtime.errors import SourceError
from realtime.mediafiles import opencv_path
from realtime.sources.base import FrameSource, SourceFrame, ThreadedSource


def _open(path: Path) -> cv2.VideoCapture:
    if not path.is_file():
        raise SourceError(f"video {path} does not exist", "check the path given to --source")
    with opencv_path(path) as name:  # a name that is not UTF-8 goes through a plain-named link
        capture = cv2.VideoCapture(name)
    if not capture.isOpened():
        capture.release()
        raise SourceError(f"video {path} could not be decoded", "convert it to MP4 (H.264) or check the file")
    return capture


class VideoFileSource(FrameSource):
    """Every frame of a video, in order, as fast as the consumer reads (processing, bench, tests)."""

    name = "video"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._capture = _open(self.path)
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self._fps = fps if fps and fps > 0 else 30.0
        self._index = 0
        self.bad_frames = 0

    def read(self, timeout: float | None = None) -> SourceFrame | None:
        if self.state == "ended":
            return None
        ok, image = self._capture.read()
        if not ok or image is None:
            self.state = "ended"  # end of the video is a clean finish
            return None
        frame = SourceFrame(self._index, image, time.monotonic(), self._index / self._fps)
        self._index += 1
        return frame

    @property
    def fps(self) -> float:
        return self._fps

    def describe(self) -> dict[str, object]:
        return {"name": self.name, "path": str(self.path), "fps": self._fps,
                "frames": int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT))}

    def close(self) -> None:
        self._capture.release()


class PacedVideoSource(ThreadedSource):
    """A video played in real time into a latest-frame slot, so a slow consumer drops frames like a camera."""

    name = "video"

    def __init__(self, path: str | Path, *, loop: bool = False) -> None:
        super().__init__()
        self._file = VideoFileSource(path)
        self.loop = loop

    def produce(self, stop: threading.Event) -> None:
        start = time.monotonic()
        offset = 0.0
        while not stop.is_set():
            frame = self._file.read()
            if frame is None:
                if not self.loop:
                    return
                offset += self._file._index / self._file.fps
                self._file.close()
                self._file = VideoFileSource(self._file.path)
                continue
            media_time = offset + frame.source_time
            stop.wait(max(0.0, start + media_time - time.monotonic()))
            self._publish(frame.image, media_time)

    @property
    def fps(self) -> float:
        return self._file.fps

    def describe(self) -> dict[str, object]:
        return {**self._file.describe(), "paced": True, "dropped": self.dropped}

    def close(self) -> None:
        super().close()
        self._file.close()
