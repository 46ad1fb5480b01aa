"""Eyes, gaze and mouth measured from the landmarks, each relative to the face's own size.

Lengths are divided by T (eye midpoint to chin) or IED (inter-eye distance) so the numbers do not
depend on how far the person sits. Everything works on whole landmark arrays (no per-point loops).

- Eye opening: mean gap of three upper/lower eyelid pairs / IED (the eye line barely moves when the
  mouth opens or the head nods, the chin does). On the dev eye sets (CEW closed, 150 open faces) the
  95th percentile of closed eyes is 0.062 and the 5th percentile of open eyes 0.076; open eyes read
  about 0.12, closed ones about 0.03 (docs/QUALITY.md).
- Open baseline (tracking only): the 90th percentile of the mean opening over the last ``window``
  frames once ``min_samples`` are in, so someone with narrow eyes is compared with themselves; a frame
  is a blink when the opening falls below 60% of it.
- Gaze: iris centre (refined landmarks 468/473) relative to the midpoint of the eye corners, in the
  eye's own axes (corner-to-corner line, so head roll does not read as looking up) / eye width.
- Mouth open: inner-lip gap (13-14) / T.
- Talking (tracking only): the lip gap swinging open and shut again and again. A swing is a move of at
  least ``TALK_SWING`` T against the last turning point (a zigzag, so landmark jitter makes none); at
  least ``TALK_SWINGS`` swings within the last ``TALK_WINDOW_S`` seconds (two open-close cycles) is
  talking. On the dev clips (docs/QUALITY.md, clips) that marks 59-81% of the frames of the clips of
  people talking or grimacing throughout (d10, d11, d20, d6) and none of the clips of people holding a
  neutral face or a smile (d0, d19, d14), a yawn (d18) or a dancer far away (s13).
- Smile: two cues in the face's upright frame, each mapped linearly to 0..1 and averaged:
  corner lift = (lip-centre y - mean mouth-corner y) / IED, 0 at ``LIFT_NEUTRAL`` and 1 at
  ``LIFT_BROAD``; mouth width / IED, 0 at ``WIDTH_NEUTRAL`` and 1 at ``WIDTH_BROAD``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from realtime.face import landmarks as lm

BLINK_FRACTION = 0.6
TALK_SWING = 0.06  # lip gap / T: one swing of the mouth (a syllable opens it 0.1-0.2 T)
TALK_SWINGS = 4
TALK_WINDOW_S = 1.5
LIFT_NEUTRAL, LIFT_BROAD = -0.02, 0.14
WIDTH_NEUTRAL, WIDTH_BROAD = 0.80, 1.15

_RIGHT_LIDS = np.array(lm.RIGHT_LID_PAIRS)
_LEFT_LIDS = np.array(lm.LEFT_LID_PAIRS)


@dataclass(frozen=True)
class Features:
    """Per-frame measurements from one face's landmarks (see the module docstring for units)."""

    left_eye: tuple[float, float]
    right_eye: tuple[float, float]
    inter_eye_px: float
    eye_to_chin_px: float
    eye_open_left: float
    eye_open_right: float
    gaze: float
    gaze_x: float
    gaze_y: float
    mouth_open: float
    smile: float


def _eye_gaze(pts: np.ndarray, outer: int, inner: int, iris: int) -> tuple[float, float]:
    """Signed iris offset from the corner midpoint / eye width, along (+ toward image right) and across."""
    a, b = pts[outer], pts[inner]
    if a[0] > b[0]:
        a, b = b, a
    axis = b - a
    width = float(np.hypot(*axis))
    if width <= 1e-6:
        return 0.0, 0.0
    along = axis / width
    across = np.array([-along[1], along[0]])  # image "down" when the eye line is level
    offset = pts[iris] - (a + b) / 2.0
    return float(offset @ along / width), float(offset @ across / width)


def _clip01(value: float) -> float:
    return float(min(1.0, max(0.0, value)))


def measure(landmarks_px: np.ndarray) -> Features:
    """Measure eyes, gaze and mouth from (478, >=2) landmarks in pixels."""
    pts = np.asarray(landmarks_px[:, :2], dtype=np.float64)
    right_eye = (pts[lm.RIGHT_EYE_OUTER] + pts[lm.RIGHT_EYE_INNER]) / 2.0
    left_eye = (pts[lm.LEFT_EYE_OUTER] + pts[lm.LEFT_EYE_INNER]) / 2.0
    eye_mid = (left_eye + right_eye) / 2.0
    ied = max(float(np.hypot(*(left_eye - right_eye))), 1e-6)
    t = max(float(np.hypot(*(pts[lm.CHIN] - eye_mid))), 1e-6)

    def opening(pairs: np.ndarray) -> float:
        return float(np.linalg.norm(pts[pairs[:, 0]] - pts[pairs[:, 1]], axis=1).mean() / ied)

    gaze_r = _eye_gaze(pts, lm.RIGHT_EYE_OUTER, lm.RIGHT_EYE_INNER, lm.RIGHT_IRIS_CENTRE)
    gaze_l = _eye_gaze(pts, lm.LEFT_EYE_OUTER, lm.LEFT_EYE_INNER, lm.LEFT_IRIS_CENTRE)

    # Upright face frame: x along the eye line (toward image right), y perpendicular (down the face).
    ex = (left_eye - right_eye) / ied
    ey = np.array([-ex[1], ex[0]])
    corners = pts[[lm.MOUTH_RIGHT_CORNER, lm.MOUTH_LEFT_CORNER]]
    lip_centre = (pts[lm.UPPER_LIP_INNER] + pts[lm.LOWER_LIP_INNER]) / 2.0
    lift = float((lip_centre - corners.mean(axis=0)) @ ey / ied)
    width = float(abs((corners[1] - corners[0]) @ ex) / ied)
    smile = 0.5 * _clip01((lift - LIFT_NEUTRAL) / (LIFT_BROAD - LIFT_NEUTRAL)) + 0.5 * _clip01(
        (width - WIDTH_NEUTRAL) / (WIDTH_BROAD - WIDTH_NEUTRAL)
    )
    return Features(
        left_eye=(float(left_eye[0]), float(left_eye[1])),
        right_eye=(float(right_eye[0]), float(right_eye[1])),
        inter_eye_px=ied,
        eye_to_chin_px=t,
        eye_open_left=opening(_LEFT_LIDS),
        eye_open_right=opening(_RIGHT_LIDS),
        gaze=max(float(np.hypot(*gaze_r)), float(np.hypot(*gaze_l))),
        gaze_x=(gaze_r[0] + gaze_l[0]) / 2.0,
        gaze_y=(gaze_r[1] + gaze_l[1]) / 2.0,
        mouth_open=float(np.hypot(*(pts[lm.UPPER_LIP_INNER] - pts[lm.LOWER_LIP_INNER])) / t),
        smile=smile,
    )


class EyeBaseline:
    """Running open-eye level of the person in front of the camera (tracking mode only)."""

    def __init__(self, *, window: int = 90, min_samples: int = 15, percentile: float = 90.0) -> None:
        self._values: deque[float] = deque(maxlen=window)
        self._min_samples = min_samples
        self._percentile = percentile

    def reset(self) -> None:
        """Forget the level, e.g. when the face was lost and someone else may sit down."""
        self._values.clear()

    def update(self, opening: float) -> float | None:
        """Add this frame's mean opening; return the baseline, or None while too few frames are in."""
        self._values.append(opening)
        if len(self._values) < self._min_samples:
            return None
        return float(np.percentile(np.fromiter(self._values, dtype=np.float64), self._percentile))

    @staticmethod
    def is_blink(opening: float, baseline: float | None) -> bool:
        return baseline is not None and opening < BLINK_FRACTION * baseline


class MouthActivity:
    """Whether the person is talking: swings of the lip gap over the last ``TALK_WINDOW_S`` (tracking only)."""

    def __init__(self) -> None:
        self._swings: deque[float] = deque()  # times at which a swing completed
        self.reset()

    def reset(self) -> None:
        """Forget the history (the face was lost)."""
        self._swings.clear()
        # the extremes since the last turn (the high while opening, the low while closing); +1 opening,
        # -1 closing, 0 not known yet
        self._low: float | None = None
        self._high: float | None = None
        self._direction = 0

    def update(self, mouth_open: float, t_s: float) -> bool:
        """Add this frame's lip gap at ``t_s``; return True while the person is talking."""
        if self._low is None or self._high is None:
            self._low = self._high = mouth_open
        if self._direction >= 0:
            self._high = max(self._high, mouth_open)
            if self._high - mouth_open >= TALK_SWING:  # shut again by a swing: now closing
                self._swings.append(t_s)
                self._direction, self._low = -1, mouth_open
        if self._direction <= 0:
            self._low = min(self._low, mouth_open)
            if mouth_open - self._low >= TALK_SWING:  # opened by a swing: now opening
                self._swings.append(t_s)
                self._direction, self._high = 1, mouth_open
        while self._swings and self._swings[0] <= t_s - TALK_WINDOW_S:
            self._swings.popleft()
        return len(self._swings) >= TALK_SWINGS
