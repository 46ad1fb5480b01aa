"""The booth's camera button: a small interface over the capture stage, so the booth logic stays testable.

:class:`Shots` is what the booth needs: trigger a picture, get it back for review (in memory), keep it
(write it into the session folder) or discard it (forget it), and forget everything between people.
:class:`CaptureStageShots` implements it with :class:`realtime.capture.stage.CaptureStage` in manual
mode with no output folder, so nothing is written before the person accepts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np


@dataclass(frozen=True)
class Shot:
    """A picture waiting for the person's verdict."""

    shot_id: int
    image: np.ndarray  # BGR: what the review screen shows (the processed frame at the profile's crop)
    handle: Any = None  # the capture object behind it


class Shots(Protocol):
    def trigger(self) -> None: ...

    def poll(self) -> Shot | str | None:
        """A new shot, a reason string when the trigger found nothing usable, or None (not yet)."""

    def keep(self, shot: Shot, folder: Path) -> Path:
        """Write ``shot`` under ``folder``; returns the capture's own folder."""

    def discard(self, shot: Shot) -> None: ...

    def reset(self) -> None:
        """Forget every frame and shot of the person who just left."""


def review_image(capture: Any) -> np.ndarray:
    """The processed frame cut to the crop the live guide showed (the whole frame if there was none)."""
    candidate = capture.candidate
    image = candidate.processed if candidate.processed is not None else candidate.image
    crop = candidate.assessment.crop if candidate.assessment is not None else None
    if crop is None:
        return image
    h, w = image.shape[:2]
    x0, y0, x1, y1 = (int(round(v)) for v in crop)
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    return image[y0:y1, x0:x1] if x1 - x0 > 8 and y1 - y0 > 8 else image


class CaptureStageShots:
    """:class:`Shots` over a manual-mode ``CaptureStage`` built with ``out_dir=None``."""

    def __init__(self, stage: Any) -> None:
        if getattr(stage, "out_dir", None) is not None or getattr(stage, "auto", False):
            raise ValueError("expected a manual capture stage without an output folder (auto=False, out_dir=None)")
        self.stage = stage
        self._waiting = False
        self._seen: int | None = None

    def trigger(self) -> None:
        self._waiting = True
        self.stage.trigger()

    def poll(self) -> Shot | str | None:
        capture, message = self.stage.held()
        if capture is not None and capture.capture_id != self._seen:
            self._seen = capture.capture_id
            self._waiting = False
            return Shot(capture.capture_id, review_image(capture), capture)
        if self._waiting and message:
            self._waiting = False
            return message
        return None

    def keep(self, shot: Shot, folder: Path) -> Path:
        written = Path(self.stage.write(shot.handle, out_dir=folder))
        self.discard(shot)  # on disk now: the frames need not stay in memory
        return written

    def discard(self, shot: Shot) -> None:
        self.stage.discard(shot.handle)

    def reset(self) -> None:
        self.stage.forget_person()  # frames, captures and the report's session log start over
        self._waiting = False
