"""Profiles: the bands, hold times, crops and looks for one use (professional, id, actor, or the user's own).

A profile is a TOML file. The built-in ones live in ``realtime/coach/profiles/``; ``id`` and ``actor``
extend ``professional`` and list only what differs. A user profile given by path may also say
``extends = "professional"`` (or a path) and override a few keys. Every file is checked against
``profile_schema`` (the sections) and the checks' own declarations (``registry``: each check's keys, and
how they make its band) before use, so a typo fails at load time with the file, line, key, what was
expected and what was found, never later as a silent default in the middle of a session.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from realtime.coach.band import Band, CheckSettings
from realtime.coach.check_spec import CheckRegistry, CheckSpec
from realtime.coach.profile_files import (
    PROFILE_DIR,
    builtin_profiles,
    check_known,
    flatten,
    resolve_chain,
    where,
)
from realtime.coach.profile_schema import OPTIONAL_KEYS, SECTION_KEYS
from realtime.coach.registry import CHECKS
from realtime.errors import ConfigError

__all__ = ["PROFILE_DIR", "DEFAULT_PROFILE", "Band", "CheckSettings", "Profile", "builtin_profiles", "load_profile"]

DEFAULT_PROFILE = "professional"

@dataclass(frozen=True)
class Timing:
    instruction_appear_s: float  # a check must fail this long before its instruction shows
    instruction_disappear_s: float  # ... and pass this long before it goes
    ready_hold_s: float  # every check passes this long => ready
    best_frame_window_s: float  # ready frames kept to pick the best one


@dataclass(frozen=True)
class CropSettings:
    aspect: str  # "W:H" as written, e.g. "4:5"
    aspect_ratio: float  # width / height
    min_height_fraction: float  # smallest crop, as a share of the frame height ("move closer" below)
    square_min_px: int
    vertical_min_px: tuple[int, int]
    id_size_mm: tuple[float, float]
    id_dpi: int
    id_head_fraction: tuple[float, float]  # chin-to-crown share of the ID photo height


@dataclass(frozen=True)
class BackgroundSettings:
    mode: str  # "keep" | "blur" | "studio"
    colour: tuple[int, int, int] | None  # RGB for "studio"
    blur_strength: float


@dataclass(frozen=True)
class Profile:
    """A validated profile. ``checks`` is in priority order (the guidelines table, top first)."""

    name: str
    description: str
    source: str  # file it was read from (the most derived one)
    timing: Timing
    crop: CropSettings
    checks: Mapping[str, CheckSettings]
    background: BackgroundSettings
    relight_strength: float
    retouch_enabled: bool
    retouch_strength: float
    # The optional [camera] table (written by booth calibration), as written.
    camera: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    # The checks this profile was built for (their bands are ``checks``); the coach runs these.
    registry: CheckRegistry = field(default=CHECKS, compare=False, repr=False)

    @property
    def camera_fov_deg(self) -> float | None:
        """The camera's horizontal field of view when calibration recorded it."""
        fov = self.camera.get("fov_deg")
        return float(fov) if fov is not None else None

    def check(self, name: str) -> CheckSettings:
        return self.checks[name]

    @property
    def expression_target(self) -> float:
        return float(self.checks["expression"].params["target"])


def load_profile(name_or_path: str | Path = DEFAULT_PROFILE, *, registry: CheckRegistry = CHECKS) -> Profile:
    """Load a built-in profile by name or a profile file by path, resolve ``extends``, validate it all.

    ``registry``: the checks whose ``[checks.*]`` keys the files may hold (the built-in ones unless a test
    or plug-in extends them)."""
    merged: dict[str, Any] = {}
    origin: dict[str, tuple[str, int | None]] = {}
    chain = resolve_chain(name_or_path)
    for path, raw, lines in chain:
        check_known(raw, str(path), lines, registry)
        for key, value in flatten(raw).items():
            merged[key] = value
            origin[key] = (str(path), lines.get(key))
    return _build(merged, origin, chain[-1][0], chain[-1][1].get("name"), registry)


# --------------------------------------------------------------------------------------------- building
_ASPECT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*$")
_COLOUR = re.compile(r"^#([0-9a-fA-F]{6})$")


def _build(flat: dict[str, Any], origin: dict[str, tuple[str, int | None]], last: Path,
           name: Any, registry: CheckRegistry) -> Profile:
    def fail(key: str, expected: str, found: Any) -> ConfigError:
        file, line = origin.get(key, (str(last), None))
        return ConfigError(f"{where(file, line)}: key '{key}': expected {expected}, found {found!r}",
                           "edit that value in the profile")

    required = [f"checks.{c.name}.{k}" for c in registry.values() for k in c.keys if k not in c.defaults]
    required += [f"{s}.{k}" if s else k for s, keys in SECTION_KEYS.items() for k in keys]
    missing = [k for k in required if k not in flat and k not in OPTIONAL_KEYS]
    if missing:
        raise ConfigError(f"{last}: missing key '{missing[0]}'" + (f" and {len(missing) - 1} more" if
                          len(missing) > 1 else ""),
                          f"add it, or start the file with extends = \"{DEFAULT_PROFILE}\"")
    values = {spec.name: _check_values(spec, flat) for spec in registry.values()}
    for spec in registry.values():
        for low_key, high_key in spec.ordered:
            low, high = values[spec.name][low_key], values[spec.name][high_key]
            if low >= high:
                raise fail(f"checks.{spec.name}.{high_key}", f"a number above {low_key} ({low:g})", high)

    aspect = _ASPECT.match(flat["crop.aspect"])
    if not aspect or float(aspect.group(1)) <= 0 or float(aspect.group(2)) <= 0:
        raise fail("crop.aspect", SECTION_KEYS["crop"]["aspect"].describe(), flat["crop.aspect"])
    colour: tuple[int, int, int] | None = None
    if "background.colour" in flat:
        match = _COLOUR.match(flat["background.colour"])
        if not match:
            raise fail("background.colour", 'a colour "#rrggbb"', flat["background.colour"])
        hexa = match.group(1)
        colour = (int(hexa[0:2], 16), int(hexa[2:4], 16), int(hexa[4:6], 16))
    if flat["background.mode"] == "studio" and colour is None:
        raise fail("background.mode", 'a "colour" next to mode = "studio"', "no colour")

    checks = {spec.name: spec.settings(values[spec.name], flat.get(f"checks.{spec.name}.close"))
              for spec in registry.values()}
    return Profile(
        name=str(name) if isinstance(name, str) else last.stem,
        description=str(flat.get("description", "")),
        source=str(last),
        timing=Timing(**{k: float(flat[f"timing.{k}"]) for k in SECTION_KEYS["timing"]}),
        crop=CropSettings(
            aspect=flat["crop.aspect"],
            aspect_ratio=float(aspect.group(1)) / float(aspect.group(2)),
            min_height_fraction=float(flat["crop.min_height_fraction"]),
            square_min_px=int(flat["crop.square_min_px"]),
            vertical_min_px=(int(flat["crop.vertical_min_px"][0]), int(flat["crop.vertical_min_px"][1])),
            id_size_mm=(float(flat["crop.id_size_mm"][0]), float(flat["crop.id_size_mm"][1])),
            id_dpi=int(flat["crop.id_dpi"]),
            id_head_fraction=(float(flat["crop.id_head_fraction"][0]), float(flat["crop.id_head_fraction"][1])),
        ),
        checks=MappingProxyType(checks),
        background=BackgroundSettings(mode=flat["background.mode"], colour=colour,
                                      blur_strength=float(flat["background.blur_strength"])),
        relight_strength=float(flat["relight.strength"]),
        retouch_enabled=bool(flat["retouch.enabled"]),
        retouch_strength=float(flat["retouch.strength"]),
        camera=MappingProxyType({k.split(".", 1)[1]: v for k, v in flat.items() if k.startswith("camera.")}),
        registry=registry,
    )


def _check_values(spec: CheckSpec, flat: Mapping[str, Any]) -> dict[str, Any]:
    """One check's ``[checks.<name>]`` values as the profile chain set them, declared defaults filling gaps."""
    prefix = f"checks.{spec.name}."
    return {key: flat.get(prefix + key, spec.defaults.get(key)) for key in spec.keys}
