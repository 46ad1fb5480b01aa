"""The one result that flows through the loop, stage by stage: source -> engine -> face -> coach -> capture -> sinks.

The capture stage's outcome rides on it too (``capture``), and a stage that wants the session over says so
with ``stop_requested``: the loop decides, nobody reaches back into it.

Each stage fills its own fields and records its time; no stage reaches back to change an earlier one's.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from realtime.coach.assessment import Assessment
    from realtime.face.observation import FaceObservation, LightingObservation


@dataclass(frozen=True)
class CaptureOutcome:
    """The newest capture as the preview and booth show it: its picture (the thumbnail) and where it went."""

    image: np.ndarray  # BGR: the profile-aspect crop when there is one, else the frame
    path: str | None = None  # the capture folder; None while it is not on disk (see ``note``)
    capture_id: int = 0  # changes with every new capture; the preview's flash starts when it does
    report: dict[str, Any] = field(default_factory=dict)
    note: str | None = None  # e.g. "not saved yet: no space left ...", shown by the preview


@dataclass
class FrameResult:
    """One frame and everything the stages learned about it.

    ``image`` is the frame as grabbed (BGR uint8, H x W x 3) and is never drawn on; ``processed`` is the
    engine's output (relit, background as chosen), the frame that captures and the virtual camera use.
    """

    frame_id: int
    grab_time: float  # time.monotonic() when the frame was grabbed
    source_time: float  # seconds since the source started (media time for files)
    image: np.ndarray
    alpha: np.ndarray | None = None  # float32 H x W in [0, 1], 1 = person
    processed: np.ndarray | None = None  # BGR uint8 H x W x 3
    face: FaceObservation | None = None
    lighting: LightingObservation | None = None
    assessment: Assessment | None = None
    engine_info: dict[str, Any] = field(default_factory=dict)
    timings_ms: dict[str, float] = field(default_factory=dict)
    capture: CaptureOutcome | None = None  # capture stage: the newest capture so far (None before one)
    stop_requested: bool = False  # a stage asks the loop to end after this frame (a capture taken, time up)

    def __post_init__(self) -> None:
        if not isinstance(self.image, np.ndarray) or self.image.ndim != 3 or self.image.shape[2] != 3:
            shape = getattr(self.image, "shape", type(self.image).__name__)
            raise ValueError(f"expected a BGR image of shape (H, W, 3), got {shape}")
        if self.image.dtype != np.uint8:
            raise ValueError(f"expected a uint8 image, got {self.image.dtype}")

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the frame."""
        return int(self.image.shape[1]), int(self.image.shape[0])

    @property
    def output(self) -> np.ndarray:
        """The frame to show or send: the processed one when the engine ran, else the original."""
        return self.processed if self.processed is not None else self.image

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        """Record how long ``stage`` took on this frame, in milliseconds."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings_ms[stage] = (time.perf_counter() - start) * 1000.0
