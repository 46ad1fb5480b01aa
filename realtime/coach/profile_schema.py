"""What a profile file may contain: every section, key, type and allowed range.

Kept apart from the loader so the schema reads as one table. A key spec says what type a value must be
and the range it must fall in (``accepts``); the loader turns a mismatch into a ConfigError naming file,
line and key. The ``[checks.*]`` keys are not here: each check declares its own keys with these specs in
``realtime/coach/registry.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class Num:
    """A number (int or float, never bool) in ``[low, high]``."""

    low: float
    high: float

    def describe(self) -> str:
        return f"a number from {self.low:g} to {self.high:g}"

    def accepts(self, value: Any) -> bool:
        return _number(value) and self.low <= value <= self.high


@dataclass(frozen=True)
class Flag:
    """A boolean."""

    def describe(self) -> str:
        return "true or false"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, bool)


@dataclass(frozen=True)
class Choice:
    """One of a fixed set of strings."""

    options: tuple[str, ...]

    def describe(self) -> str:
        return "one of " + ", ".join(f'"{o}"' for o in self.options)

    def accepts(self, value: Any) -> bool:
        return value in self.options


@dataclass(frozen=True)
class Text:
    """Any string; ``pattern`` is a hint shown in errors and checked by the loader's own parser."""

    hint: str = "a string"

    def describe(self) -> str:
        return self.hint

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str)


@dataclass(frozen=True)
class Pair:
    """Two numbers ``[a, b]`` each in ``[low, high]``, with ``a <= b`` when ``ordered``."""

    low: float
    high: float
    ordered: bool = True

    def describe(self) -> str:
        return f"two numbers [a, b] from {self.low:g} to {self.high:g}"

    def accepts(self, value: Any) -> bool:
        return (isinstance(value, list) and len(value) == 2 and all(_number(v) for v in value)
                and all(self.low <= v <= self.high for v in value) and (not self.ordered or value[0] <= value[1]))


Spec = Num | Flag | Choice | Text | Pair

# Every check also takes ``close``: how far outside the band a value still counts as "close" (amber).
# The checks' own keys are declared with each check in ``realtime/coach/registry.py``.
CLOSE_SPEC = Num(0.0, 1e9)

# Where a [camera] fov_deg came from (calibration/booth_profile.py writes the [camera] table from this schema).
FOV_SOURCES = ("given", "target", "chessboard", "unknown")

SECTION_KEYS: dict[str, dict[str, Spec]] = {
    "": {
        "name": Text("a profile name"),
        "description": Text(),
        "extends": Text("a built-in profile name or a path to a .toml file"),
    },
    "timing": {
        "instruction_appear_s": Num(0.0, 10.0),
        "instruction_disappear_s": Num(0.0, 10.0),
        "ready_hold_s": Num(0.0, 10.0),
        "best_frame_window_s": Num(0.0, 30.0),
    },
    "crop": {
        "aspect": Text('an aspect "W:H" such as "4:5", "1:1" or "35:45"'),
        "min_height_fraction": Num(0.05, 1.0),
        "square_min_px": Num(1.0, 20000.0),
        "vertical_min_px": Pair(1.0, 20000.0, ordered=False),
        "id_size_mm": Pair(1.0, 500.0, ordered=False),
        "id_dpi": Num(50.0, 2400.0),
        "id_head_fraction": Pair(0.1, 1.0),
    },
    "background": {
        "mode": Choice(("keep", "blur", "studio")),
        "colour": Text('a colour "#rrggbb"'),
        "blur_strength": Num(0.0, 1.0),
    },
    "relight": {"strength": Num(0.0, 1.0)},
    # What booth calibration (calibration/booth_profile.py) learned about the camera; every key optional.
    # The coach uses fov_deg for distance estimates ("move about 20 cm closer").
    "camera": {
        "device": Text("a camera: an index like 0 or a path like /dev/video0"),
        "width": Num(16.0, 16384.0),
        "height": Num(16.0, 16384.0),
        "fps": Num(0.0, 1000.0),
        "fps_reported": Num(0.0, 1000.0),
        "fourcc": Text("a FourCC such as MJPG"),
        "fov_deg": Num(1.0, 170.0),
        "fov_source": Choice(FOV_SOURCES),
        "background_plate": Text("a PNG path, relative to the profile"),
        "interval_ms": Num(0.0, 10000.0),
        "interval_jitter_ms": Num(0.0, 10000.0),
        "latency_ms": Num(0.0, 10000.0),
        "modes": Text("modes the camera delivers, e.g. \"1280x720@30, 640x480@30\""),
        "unlocked": Text("controls that could not be locked, comma-separated"),
        "auto_exposure": Num(0.0, 3.0),
        "exposure": Num(-100000.0, 100000.0),
        "auto_wb": Num(0.0, 1.0),
        "wb_temperature": Num(0.0, 20000.0),
        "autofocus": Num(0.0, 1.0),
        "focus": Num(-100000.0, 100000.0),
    },
    "retouch": {"enabled": Flag(), "strength": Num(0.0, 1.0)},
}

# Keys that may be left out of a complete profile.
OPTIONAL_KEYS: frozenset[str] = frozenset(
    {"name", "description", "extends", "background.colour"} | {f"camera.{key}" for key in SECTION_KEYS["camera"]}
)
