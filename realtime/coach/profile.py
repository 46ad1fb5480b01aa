"""Profiles: the bands, hold times, crops and looks for one use (professional, id, actor, or the user's own).

A profile is a TOML file. The built-in ones live in ``realtime/coach/profiles/``; ``id`` and ``actor``
extend ``professional`` and list only what differs. A user profile given by path may also say
``extends = "professional"`` (or a path) and override a few keys. Every file is checked against
``profile_schema`` before use, so a typo fails at load time with the file, line, key, what was expected
and what was found, never later as a silent default in the middle of a session.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from realtime.coach.profile_schema import (
    CHECK_KEYS,
    CHECK_ORDER,
    CLOSE_SPEC,
    OPTIONAL_KEYS,
    ORDERED_KEYS,
    SECTION_KEYS,
    Choice,
    Flag,
    Num,
    Pair,
    Spec,
    Text,
)
from realtime.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

PROFILE_DIR = Path(__file__).with_name("profiles")
DEFAULT_PROFILE = "professional"

# Default "close" margins (value units) when a profile does not set ``close`` for a check.
DEFAULT_CLOSE: dict[str, float] = {
    "one_person": 0.05, "face_found": 10.0, "head_size": 0.03, "horizontal_centring": 0.1,
    "eye_line": 0.03, "headroom": 0.03, "shoulders": 0.3, "yaw": 3.0, "pitch": 3.0, "roll": 2.0,
    "gaze": 0.04, "eyes_open": 0.01, "expression": 0.1, "exposure": 0.05, "clipping": 0.02,
    "evenness": 0.08, "backlight": 0.3, "colour_cast": 3.0, "sharpness": 0.0, "motion": 0.2,
    "background": 0.0,
}


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


def builtin_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))


def load_profile(name_or_path: str | Path = DEFAULT_PROFILE) -> Profile:
    """Load a built-in profile by name or a profile file by path, resolve ``extends``, validate it all."""
    merged: dict[str, Any] = {}
    origin: dict[str, tuple[str, int | None]] = {}
    chain = _resolve_chain(name_or_path)
    for path, raw, lines in chain:
        _check_known(raw, str(path), lines)
        for key, value in _flatten(raw).items():
            merged[key] = value
            origin[key] = (str(path), lines.get(key))
    return _build(merged, origin, chain[-1][0], chain[-1][1].get("name"))


# ---------------------------------------------------------------------------------------------- reading
def _locate(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    text = str(name_or_path)
    looks_like_path = isinstance(name_or_path, Path) or "/" in text or "\\" in text or text.endswith(".toml")
    if not looks_like_path:
        path = PROFILE_DIR / f"{text}.toml"
        if not path.is_file():
            names = builtin_profiles()
            close = difflib.get_close_matches(text, names, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ConfigError(f"no built-in profile '{text}'",
                              f"{hint}use one of {', '.join(names)}, or a path to a .toml file")
        return path
    path = Path(text).expanduser()
    if not path.is_absolute() and relative_to is not None and not path.exists():
        path = relative_to / path
    if not path.is_file():
        raise ConfigError(f"profile file not found: {path}", "check the path, or use a built-in profile name")
    return path


def _read(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read profile {path}: {exc}", "check the file exists and is UTF-8 text") from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}", "fix the syntax at that line") from exc
    return raw, _key_lines(text)


_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")


def _split_dotted(key: str) -> list[str]:
    return [part.strip().strip("\"'") for part in re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", key)]


def _key_lines(text: str) -> dict[str, int]:
    """Map every dotted key (and table header) in ``text`` to its 1-based line, for error messages."""
    lines: dict[str, int] = {}
    prefix: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            prefix = _split_dotted(header.group(1))
            lines.setdefault(".".join(prefix), number)
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault(".".join([*prefix, *_split_dotted(key.group(1))]), number)
    return lines


def _resolve_chain(name_or_path: str | Path) -> list[tuple[Path, dict[str, Any], dict[str, int]]]:
    """The files to merge, base first: follow ``extends`` until a file without it, refusing cycles."""
    chain: list[tuple[Path, dict[str, Any], dict[str, int]]] = []
    seen: list[Path] = []
    path = _locate(name_or_path)
    while True:
        resolved = path.resolve()
        if resolved in seen:
            cycle = " -> ".join(str(p) for p in [*seen, resolved])
            raise ConfigError(f"profiles extend each other in a cycle: {cycle}", "remove one 'extends'")
        seen.append(resolved)
        raw, lines = _read(path)
        chain.append((path, raw, lines))
        parent = raw.get("extends")
        if parent is None:
            break
        if not isinstance(parent, str):
            raise _type_error(str(path), lines.get("extends"), "extends", SECTION_KEYS[""]["extends"], parent)
        path = _locate(parent, relative_to=path.parent)
    chain.reverse()
    return chain


def _flatten(raw: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


# ------------------------------------------------------------------------------------------- validation
def _spec_for(dotted: str) -> Spec | None:
    parts = dotted.split(".")
    if len(parts) == 3 and parts[0] == "checks" and parts[1] in CHECK_KEYS:
        return CLOSE_SPEC if parts[2] == "close" else CHECK_KEYS[parts[1]].get(parts[2])
    if len(parts) == 1:
        return SECTION_KEYS[""].get(parts[0])
    if len(parts) == 2 and parts[0] in SECTION_KEYS:
        return SECTION_KEYS[parts[0]].get(parts[1])
    return None


def _known_here(parts: list[str]) -> list[str]:
    """Names valid at the level where ``parts`` ends, to suggest a close match."""
    if len(parts) == 1:
        return [*SECTION_KEYS[""], *(s for s in SECTION_KEYS if s), "checks"]
    if parts[0] == "checks":
        if len(parts) == 2:
            return list(CHECK_KEYS)
        return [*CHECK_KEYS.get(parts[1], {}), "close"]
    return list(SECTION_KEYS.get(parts[0], {}))


def _check_known(raw: Mapping[str, Any], file: str, lines: Mapping[str, int]) -> None:
    """Refuse unknown keys (with a close-match suggestion) and wrongly typed or out-of-range values."""
    for dotted, value in _flatten(raw).items():
        spec = _spec_for(dotted)
        if spec is None:
            parts = dotted.split(".")
            # Report the first unknown level: "checks.head_sise.low" is an unknown check, not an unknown key.
            for depth in range(1, len(parts) + 1):
                here = parts[:depth]
                known = _known_here(here)
                if here[-1] not in known or depth == len(parts):
                    break
            bad = ".".join(here)
            match = difflib.get_close_matches(here[-1], known, n=1)
            fix = f"did you mean '{'.'.join([*here[:-1], match[0]])}'?" if match else (
                f"known keys here: {', '.join(known)}")
            line = lines.get(bad) or lines.get(dotted)
            raise ConfigError(f"{_where(file, line)}: unknown key '{bad}'", fix)
        if not _matches(spec, value):
            raise _type_error(file, lines.get(dotted), dotted, spec, value)


def _matches(spec: Spec, value: Any) -> bool:
    def number(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    if isinstance(spec, Num):
        return number(value) and spec.low <= value <= spec.high
    if isinstance(spec, Flag):
        return isinstance(value, bool)
    if isinstance(spec, Choice):
        return value in spec.options
    if isinstance(spec, Pair):
        return (isinstance(value, list) and len(value) == 2 and all(number(v) for v in value)
                and all(spec.low <= v <= spec.high for v in value)
                and (not spec.ordered or value[0] <= value[1]))
    if isinstance(spec, Text):
        return isinstance(value, str)
    return False  # pragma: no cover - every Spec kind is handled above


def _where(file: str, line: int | None) -> str:
    return f"{file}, line {line}" if line else file


def _type_error(file: str, line: int | None, key: str, spec: Spec, value: Any) -> ConfigError:
    return ConfigError(f"{_where(file, line)}: key '{key}': expected {spec.describe()}, found {value!r}",
                       "edit that value in the profile")


# --------------------------------------------------------------------------------------------- building
_ASPECT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*$")
_COLOUR = re.compile(r"^#([0-9a-fA-F]{6})$")


def _build(flat: dict[str, Any], origin: dict[str, tuple[str, int | None]], last: Path,
           name: Any) -> Profile:
    def fail(key: str, expected: str, found: Any) -> ConfigError:
        file, line = origin.get(key, (str(last), None))
        return ConfigError(f"{_where(file, line)}: key '{key}': expected {expected}, found {found!r}",
                           "edit that value in the profile")

    required = [f"checks.{c}.{k}" for c, keys in CHECK_KEYS.items() for k in keys]
    required += [f"{s}.{k}" if s else k for s, keys in SECTION_KEYS.items() for k in keys]
    missing = [k for k in required if k not in flat and k not in OPTIONAL_KEYS]
    if missing:
        raise ConfigError(f"{last}: missing key '{missing[0]}'" + (f" and {len(missing) - 1} more" if
                          len(missing) > 1 else ""),
                          f"add it, or start the file with extends = \"{DEFAULT_PROFILE}\"")
    for check, low_key, high_key in ORDERED_KEYS:
        low, high = flat[f"checks.{check}.{low_key}"], flat[f"checks.{check}.{high_key}"]
        if low >= high:
            raise fail(f"checks.{check}.{high_key}", f"a number above {low_key} ({low:g})", high)

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

    checks = {name_: _check_settings(name_, flat) for name_ in CHECK_ORDER}
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
    )


def _check_settings(name: str, flat: Mapping[str, Any]) -> CheckSettings:
    """Turn one check's keys into its band: each check names its thresholds in its own words."""
    p = {k: flat[f"checks.{name}.{k}"] for k in CHECK_KEYS[name]}
    close = float(flat.get(f"checks.{name}.close", DEFAULT_CLOSE[name]))
    low: float | None = None
    high: float | None = None
    if name in ("head_size", "eye_line", "headroom", "exposure"):
        low, high = p["low"], p["high"]
    elif name == "one_person":
        high = p["max_second_face_ratio"]
    elif name == "face_found":
        low = p["min_inter_eye_px"]
    elif name == "horizontal_centring":
        low, high = -p["max_offset_ied"], p["max_offset_ied"]
    elif name == "shoulders":
        low = p["min_width_faces"]
    elif name in ("yaw", "pitch", "roll"):
        low, high = -p["max_abs_deg"], p["max_abs_deg"]
    elif name == "gaze":
        high = p["max"]
    elif name in ("eyes_open", "evenness", "sharpness"):
        low = p["min"]
    elif name == "expression":
        low, high = p["smile_low"], p["smile_high"]
    elif name == "clipping":
        high = p["max_share"]
    elif name == "backlight":
        high = p["max"]
    elif name == "colour_cast":
        high = 0.0  # value: CIELAB distance outside the natural-skin box
    elif name == "motion":
        high = p["max_ied_per_s"]
    elif name == "background":
        high = p["max_busyness"]
    band = Band(None if low is None else float(low), None if high is None else float(high), close)
    return CheckSettings(name=name, band=band, params=MappingProxyType(dict(p)))
