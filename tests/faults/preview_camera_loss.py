"""Runs the real ``headshot preview`` with a webcam whose cable a test can pull (used by
test_preview_camera_loss.py, in a subprocess on Xvfb, so a window-system failure cannot take pytest down).

    python -m tests.faults.preview_camera_loss CONTROL_DIR [preview flags...]

The camera is a :class:`~realtime.sources.camera.CameraSource` (the real reconnect logic) over a fake
device that shows the demo session and is unplugged while ``CONTROL_DIR/unplugged`` exists. It is added
with the public ``register_source`` under the scheme ``flakycam``, then the CLI's ``main`` runs as
``headshot preview --source flakycam:0 ...``. Each idle message the overlay draws is also written to
``CONTROL_DIR/idle.txt`` (a spy around the real drawing function), for the test to read the words, and
the number of frames the preview drew so far to ``CONTROL_DIR/frames.txt``; while ``CONTROL_DIR/snap``
exists, the next picture handed to the window is saved as ``CONTROL_DIR/shown.png``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from realtime.cli import main
from realtime.sinks import overlay
from realtime.sinks.preview import PreviewSink
from realtime.sinks.window import Window
from realtime.sources import register_source
from realtime.sources.camera import CameraSource


class DemoCable:
    """A fake webcam device: the demo session at 30 fps, unplugged while the control file exists."""

    def __init__(self, control: Path) -> None:
        from realtime.sources.demo import DemoRenderer

        self.control = control
        self.renderer = DemoRenderer()
        self.duration = self.renderer.script[-1].t
        self.start = time.monotonic()
        self.index = 0

    @property
    def plugged(self) -> bool:
        return not (self.control / "unplugged").exists()

    def open(self, device: int | str) -> _Capture:
        return _Capture(self)


class _Capture:
    def __init__(self, cable: DemoCable) -> None:
        self.cable = cable
        self.opened = cable.plugged

    def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
        return self.opened

    def read(self) -> tuple[bool, np.ndarray | None]:
        time.sleep(1 / 30)
        if not (self.opened and self.cable.plugged):
            return False, None
        cable = self.cable
        cable.index += 1
        t = (time.monotonic() - cable.start) % cable.duration
        return True, cable.renderer.render(t, cable.index)

    def set(self, prop: int, value: float) -> bool:
        return True

    def get(self, prop: int) -> float:
        import cv2

        return {cv2.CAP_PROP_FRAME_WIDTH: 1280.0, cv2.CAP_PROP_FRAME_HEIGHT: 720.0, cv2.CAP_PROP_FPS: 30.0}.get(
            prop, 0.0)

    def release(self) -> None:
        self.opened = False


def run(control: Path, argv: list[str]) -> int:
    cable = DemoCable(control)
    register_source("flakycam", lambda rest, live: CameraSource(rest, open_capture=cable.open,
                                                                backoff_s=(0.1, 0.2), open_timeout_s=10.0))
    real_draw_idle = overlay.draw_idle

    def spy(canvas: np.ndarray, text: str) -> None:
        with open(control / "idle.txt", "a") as log:
            log.write(text + "\n")
        real_draw_idle(canvas, text)

    overlay.draw_idle = spy
    real_send = PreviewSink.send
    sent = [0]

    def count(self: PreviewSink, frame: object) -> None:  # frames the preview drew, for "frames flow again"
        real_send(self, frame)
        sent[0] += 1
        tmp = control / "frames.tmp"
        tmp.write_text(str(sent[0]))
        os.replace(tmp, control / "frames.txt")  # the test never reads a half-written number

    PreviewSink.send = count  # type: ignore[method-assign]
    real_show = Window.show

    def show(self: Window, image: np.ndarray) -> int | None:  # on request, what the window was given
        if (control / "snap").exists():
            cv2.imwrite(str(control / "shown.tmp.png"), image)
            os.replace(control / "shown.tmp.png", control / "shown.png")
            (control / "snap").unlink()
        return real_show(self, image)

    Window.show = show  # type: ignore[method-assign]
    return main(["preview", "--source", "flakycam:0", *argv])


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1]), sys.argv[2:]))
