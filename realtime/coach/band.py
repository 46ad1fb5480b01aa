"""A check's pass band and its settings from a profile: the two small values every check function reads.

Kept apart from ``profile`` (the loader) so the checks and their declarations (``registry``) can use them
without importing the loader, which itself reads the declarations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Band:
    """A pass band ``[low, high]`` (None = open end) and the margin outside it still called "close"."""

    low: float | None
    high: float | None
    close: float = 0.0

    def contains(self, value: float) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def distance(self, value: float) -> float:
        """How far ``value`` lies outside the band (0 inside)."""
        if self.low is not None and value < self.low:
            return self.low - value
        if self.high is not None and value > self.high:
            return value - self.high
        return 0.0

    def status(self, value: float) -> str:
        """"pass" inside, "close" within ``close`` of an edge, else "fail"."""
        d = self.distance(value)
        if d == 0.0:
            return "pass"
        return "close" if d <= self.close else "fail"

    def as_tuple(self) -> tuple[float | None, float | None]:
        return (self.low, self.high)


@dataclass(frozen=True)
class CheckSettings:
    """One check's band and its extra parameters (``params`` holds every key of its profile section)."""

    name: str
    band: Band
    params: Mapping[str, Any]
