"""Best-frame selection: the candidate ring buffer, the frame score, and the auto/manual pick.

Why a window and a score: the first frame that passes every check is rarely the best one (half a blink,
a twitch, a slightly turned head). Once the coach says *ready* (every check passed for the profile's
``timing.ready_hold_s``), we keep collecting for ``timing.best_frame_window_s`` and save the best frame
of that window instead.

Score (each term in [0, 1], weights in :data:`DEFAULT_WEIGHTS`, the score is their weighted sum, 0..1):

====================  ======  ===========================================================================
term                  weight  measured as
====================  ======  ===========================================================================
sharpness             0.35    eye-region sharpness (``lighting.sharpness``) / the sharpest candidate's
eyes_open             0.20    smaller eye opening / the person's open baseline (else / 2 x profile min),
                              capped at 1: a half-closed eye loses
pose                  0.20    1 - RMS of yaw, pitch, roll and gaze, each divided by its profile limit
expression            0.15    1 - |smile - profile target| / 0.5, floored at 0
evenness              0.10    ``lighting.evenness`` (darker / brighter face half)
====================  ======  ===========================================================================

Never chosen, whatever the score: a frame with a blink (``face.blinking``), motion above the profile's
``motion`` band, or eye sharpness below ``BLUR_FLOOR`` (0.7) x the candidates' median (motion blur the
landmark motion missed). Ties go to the earlier frame, so a run is deterministic.

Memory: the ring keeps references (no copies: frames are never modified after the loop) to the original
and processed images of the newest frames with a face, bounded by count (window x fps x
``RING_MARGIN``, at least ``RING_MIN_FRAMES``) and by bytes (``DEFAULT_BYTE_CAP``, 512 MiB). The matte
is not kept: its one use here, the crown, is measured when the frame enters. At 1280x720 a frame costs
2 x 2.76 MB = 5.5 MB, so 1.5 s at 30 fps (54 frames with margin) is about 300 MB; at 1920x1080 (12.4 MB)
the byte cap holds 43 frames (1.4 s).
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from realtime.coach.assessment import Assessment
from realtime.face.observation import FaceObservation, LightingObservation
from realtime.frame import FrameResult

BLUR_FLOOR = 0.7  # a candidate below this share of the window's median eye sharpness is motion-blurred
RING_MARGIN = 1.2  # the ring holds the window's frames plus this margin
RING_MIN_FRAMES = 8
DEFAULT_BYTE_CAP = 512 * 1024 * 1024
EXPRESSION_SCALE = 0.5  # smile distance from the target that scores 0

DEFAULT_WEIGHTS: dict[str, float] = {
    "sharpness": 0.35,
    "eyes_open": 0.20,
    "pose": 0.20,
    "expression": 0.15,
    "evenness": 0.10,
}


@dataclass(frozen=True)
class ScoreLimits:
    """The profile numbers the score reads (kept apart so tests can build them without a profile file)."""

    yaw_deg: float = 8.0
    pitch_deg: float = 8.0
    roll_deg: float = 6.0
    gaze: float = 0.12
    eyes_open_min: float = 0.068
    smile_target: float = 0.45
    motion_max: float = 0.5  # IED per second

    @classmethod
    def from_profile(cls, profile: Any) -> ScoreLimits:
        def limit(name: str, key: str) -> float:
            return float(profile.check(name).params[key])

        return cls(
            yaw_deg=limit("yaw", "max_abs_deg"),
            pitch_deg=limit("pitch", "max_abs_deg"),
            roll_deg=limit("roll", "max_abs_deg"),
            gaze=limit("gaze", "max"),
            eyes_open_min=limit("eyes_open", "min"),
            smile_target=float(profile.expression_target),
            motion_max=limit("motion", "max_ied_per_s"),
        )


@dataclass(frozen=True)
class Candidate:
    """What capture needs of one frame, by reference (the arrays are the loop's own, never modified)."""

    frame_id: int
    source_time: float
    image: np.ndarray
    processed: np.ndarray | None
    face: FaceObservation
    lighting: LightingObservation | None
    assessment: Assessment | None
    crown_y: float
    crown_from_matte: bool
    engine_info: dict[str, Any] = field(default_factory=dict)
    alpha: np.ndarray | None = None  # the live matte (the seed of the saved frame's final matte)

    @property
    def nbytes(self) -> int:
        extra = self.processed.nbytes if self.processed is not None and self.processed is not self.image else 0
        extra += self.alpha.nbytes if self.alpha is not None else 0
        return int(self.image.nbytes + extra)

    @property
    def all_passed(self) -> bool:
        return self.assessment is not None and self.assessment.all_passed

    @classmethod
    def from_frame(cls, frame: FrameResult) -> Candidate | None:
        """A candidate for a frame with a face (None without one); measures the crown from the matte now."""
        if frame.face is None:
            return None
        from realtime.coach.framing import find_crown

        crown_y, from_matte = find_crown(frame.face, frame.alpha)
        return cls(frame.frame_id, frame.source_time, frame.image, frame.processed, frame.face,
                   frame.lighting, frame.assessment, float(crown_y), from_matte, dict(frame.engine_info),
                   frame.alpha)


class CandidateRing:
    """The newest candidates, bounded by count and bytes; the oldest go first."""

    def __init__(self, max_frames: int, max_bytes: int = DEFAULT_BYTE_CAP) -> None:
        if max_frames < 1 or max_bytes < 1:
            raise ValueError(f"expected positive bounds, got max_frames={max_frames}, max_bytes={max_bytes}")
        self.max_frames = max_frames
        self.max_bytes = max_bytes
        self._items: deque[Candidate] = deque()
        self._bytes = 0

    @classmethod
    def for_window(cls, window_s: float, fps: float, max_bytes: int = DEFAULT_BYTE_CAP) -> CandidateRing:
        """Room for ``window_s`` seconds at ``fps`` plus ``RING_MARGIN`` (the count bound)."""
        count = max(RING_MIN_FRAMES, int(math.ceil(window_s * max(fps, 1.0) * RING_MARGIN)))
        return cls(count, max_bytes)

    def push(self, candidate: Candidate) -> None:
        self._items.append(candidate)
        self._bytes += candidate.nbytes
        while len(self._items) > self.max_frames or (self._bytes > self.max_bytes and len(self._items) > 1):
            self._bytes -= self._items.popleft().nbytes

    def clear(self) -> None:
        self._items.clear()
        self._bytes = 0

    def since(self, t: float) -> list[Candidate]:
        """Candidates whose source time is at or after ``t``, oldest first."""
        return [c for c in self._items if c.source_time >= t]

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._items)


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    score: float
    terms: dict[str, float]


def _clip01(value: float) -> float:
    return float(min(1.0, max(0.0, value)))


def score_terms(candidate: Candidate, limits: ScoreLimits, sharpest: float) -> dict[str, float]:
    """The five score terms of one candidate, each 0..1 (see the module docstring)."""
    face, light = candidate.face, candidate.lighting
    sharp = light.sharpness if light is not None else 0.0
    opening = min(face.eye_open_left, face.eye_open_right)
    reference = face.eye_open_baseline or 2.0 * limits.eyes_open_min
    deviations = (face.yaw_deg / limits.yaw_deg, face.pitch_deg / limits.pitch_deg,
                  face.roll_deg / limits.roll_deg, face.gaze / limits.gaze)
    rms = math.sqrt(sum(d * d for d in deviations) / len(deviations))
    return {
        "sharpness": _clip01(sharp / sharpest) if sharpest > 0 else 0.0,
        "eyes_open": _clip01(opening / reference) if reference > 0 else 0.0,
        "pose": _clip01(1.0 - rms),
        "expression": _clip01(1.0 - abs(face.smile - limits.smile_target) / EXPRESSION_SCALE),
        "evenness": _clip01(light.evenness) if light is not None else 0.0,
    }


def rejection(candidate: Candidate, limits: ScoreLimits, median_sharpness: float) -> str | None:
    """Why a candidate may never be chosen ("blink", "motion", "blur"), or None."""
    if candidate.face.blinking:
        return "blink"
    if candidate.face.motion_ied_per_s > limits.motion_max:
        return "motion"
    sharp = candidate.lighting.sharpness if candidate.lighting is not None else 0.0
    if median_sharpness > 0 and sharp < BLUR_FLOOR * median_sharpness:
        return "blur"
    return None


def rank(candidates: Sequence[Candidate], limits: ScoreLimits,
         weights: dict[str, float] | None = None, *, strict: bool = True) -> list[Scored]:
    """Score the candidates that may be chosen, best first (ties: earlier frame first).

    ``strict=False`` scores every candidate, rejected or not: a manual trigger must still return a
    picture when the last moment held nothing better.
    """
    weights = weights or DEFAULT_WEIGHTS
    if not candidates:
        return []
    sharpness = [c.lighting.sharpness if c.lighting is not None else 0.0 for c in candidates]
    median = statistics.median(sharpness)
    allowed = [c for c in candidates if not strict or rejection(c, limits, median) is None]
    sharpest = max((c.lighting.sharpness for c in allowed if c.lighting is not None), default=0.0)
    scored = []
    for c in allowed:
        terms = score_terms(c, limits, sharpest)
        scored.append(Scored(c, sum(weights[k] * terms[k] for k in weights), terms))
    scored.sort(key=lambda s: (-s.score, s.candidate.frame_id))
    return scored


def best(candidates: Iterable[Candidate], limits: ScoreLimits,
         weights: dict[str, float] | None = None, *, strict: bool = True) -> Scored | None:
    ranked = rank(list(candidates), limits, weights, strict=strict)
    return ranked[0] if ranked else None
