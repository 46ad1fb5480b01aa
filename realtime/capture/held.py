"""A capture held in memory: the chosen frame and everything needed to write it (the capture stage's unit).

Kept apart from :mod:`realtime.capture.stage` so the stage module stays small; the stage re-exports it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import numpy as np

from realtime.capture.ready import Candidate, Scored
from realtime.capture.report import SessionLog

_ids = count(1)


@dataclass
class Capture:
    """A chosen frame and everything needed to write it, held in memory until written."""

    chosen: Scored
    trigger: str  # "auto" or "manual"
    window: dict[str, Any]
    capture_id: int = field(default_factory=lambda: next(_ids))
    folder: Path | None = None
    report: dict[str, Any] | None = None
    crops: dict[str, np.ndarray] = field(default_factory=dict)
    files: dict[str, bytes] | None = None  # encoded, kept only while the capture waits to be written
    crop_error: str | None = None  # why the crops are missing (the photo itself is still saved)
    log: SessionLog | None = None  # the session's log as it stood when the capture was taken
    rendered: threading.Event | None = None  # set when the save thread has encoded it ahead of a write

    @property
    def candidate(self) -> Candidate:
        return self.chosen.candidate
