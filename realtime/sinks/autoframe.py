"""Auto-framing for the virtual camera: a smooth pan and zoom that keeps the head where the profile wants it.

The coach's crop rectangle (``assessment.crop``) says where a headshot of this person would be. The
framer turns it into a rectangle of the output's aspect around the same centre and height, and follows
it with a critically damped spring (no overshoot, no oscillation) per component: centre x, centre y and
height. A dead zone ignores target moves smaller than a few percent of the frame, so landmark jitter
never reaches the call; after the face has been gone a while the view eases back to the whole frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from realtime.coach.assessment import Assessment

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 (x1, y1 exclusive)


@dataclass
class _Spring:
    """x'' = w^2 (goal - x) - 2 w x': critically damped, so it settles as fast as it can without overshoot."""

    x: float
    v: float = 0.0

    def step(self, goal: float, omega: float, dt: float) -> float:
        # Exact solution over dt for a critically damped spring (stable for any dt, unlike Euler steps).
        e = math.exp(-omega * dt)
        d = self.x - goal
        c = self.v + omega * d
        self.x = goal + (d + c * dt) * e
        self.v = (c - omega * (d + c * dt)) * e
        return self.x


class AutoFramer:
    """Follows the profile's crop with a smooth, jitter-free pan and zoom of aspect ``out_aspect`` (w/h).

    ``update(assessment, t, frame_size)`` returns the rectangle to cut from the frame at time ``t``
    (seconds, increasing). ``omega`` (rad/s) sets the speed (settles in about 5/omega seconds);
    ``dead_zone`` is the share of the frame height a target must move before the view follows;
    ``max_zoom`` keeps at least 1/max_zoom of the frame height so the picture never gets too soft;
    ``head_scale`` widens the headshot crop a little for a call (shoulders, some room).
    """

    def __init__(self, out_aspect: float, *, omega: float = 3.0, dead_zone: float = 0.04,
                 max_zoom: float = 2.5, head_scale: float = 1.25, lost_after_s: float = 2.0) -> None:
        if out_aspect <= 0 or omega <= 0 or max_zoom < 1 or dead_zone < 0:
            raise ValueError(f"expected positive aspect and omega, max_zoom >= 1, dead_zone >= 0; got "
                             f"{out_aspect}, {omega}, {max_zoom}, {dead_zone}")
        self.out_aspect = out_aspect
        self.omega = omega
        self.dead_zone = dead_zone
        self.max_zoom = max_zoom
        self.head_scale = head_scale
        self.lost_after_s = lost_after_s
        self._springs: tuple[_Spring, _Spring, _Spring] | None = None
        self._goal: tuple[float, float, float] | None = None
        self._last_t: float | None = None
        self._last_seen: float | None = None

    def full_view(self, frame_size: tuple[int, int]) -> tuple[float, float, float]:
        """(cx, cy, height) of the largest rectangle of the output aspect in the frame."""
        w, h = frame_size
        height = min(h, w / self.out_aspect)
        return w / 2.0, h / 2.0, height

    def target(self, crop: tuple[int, int, int, int], frame_size: tuple[int, int]) -> tuple[float, float, float]:
        """(cx, cy, height) around the crop, limited to the frame and to ``max_zoom``."""
        x0, y0, x1, y1 = crop
        _, _, full_h = self.full_view(frame_size)
        height = min(full_h, max(full_h / self.max_zoom, (y1 - y0) * self.head_scale))
        return (x0 + x1) / 2.0, (y0 + y1) / 2.0, height

    def update(self, assessment: Assessment | None, t: float, frame_size: tuple[int, int]) -> Rect:
        crop = assessment.crop if assessment is not None else None
        if crop is not None:
            self._last_seen = t
            wanted = self.target(crop, frame_size)
        elif self._last_seen is None or t - self._last_seen > self.lost_after_s:
            wanted = self.full_view(frame_size)
        else:
            wanted = self._goal or self.full_view(frame_size)
        if self._goal is None or self._outside_dead_zone(wanted, self._goal, frame_size):
            self._goal = wanted
        if self._springs is None:
            self._springs = tuple(_Spring(v) for v in self.full_view(frame_size))  # type: ignore[assignment]
        dt = 0.0 if self._last_t is None else min(0.25, max(0.0, t - self._last_t))
        self._last_t = t
        cx, cy, height = (s.step(g, self.omega, dt) for s, g in zip(self._springs, self._goal))
        return self._rect(cx, cy, height, frame_size)

    def _outside_dead_zone(self, wanted: tuple[float, float, float], goal: tuple[float, float, float],
                           frame_size: tuple[int, int]) -> bool:
        limit = self.dead_zone * frame_size[1]
        return any(abs(a - b) > limit for a, b in zip(wanted, goal))

    def _rect(self, cx: float, cy: float, height: float, frame_size: tuple[int, int]) -> Rect:
        w, h = frame_size
        _, _, full_h = self.full_view(frame_size)
        height = min(full_h, max(1.0, height))
        width = height * self.out_aspect
        x0 = min(max(0.0, cx - width / 2.0), w - width)
        y0 = min(max(0.0, cy - height / 2.0), h - height)
        return int(round(x0)), int(round(y0)), int(round(x0 + width)), int(round(y0 + height))
