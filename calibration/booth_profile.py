"""Booth profile: the camera calibration written as a TOML profile that extends a base profile.

``headshot calibrate camera`` writes ``booth.toml`` (``extends = "professional"`` plus a ``[camera]``
section) and the background plate PNG next to it; preview, booth and capture load it with ``--profile``.
Both files are written atomically (:func:`realtime.mediafiles.atomic_write`), so a crash never
leaves half a profile behind. Python reads TOML (``tomllib``) but cannot write it, and the profile is a
flat table of numbers, strings and lists, so the few lines that write it live here.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from calibration import CalibrationError
from calibration.camera import CameraCalibration
from realtime.coach.profile_schema import SECTION_KEYS, Spec
from realtime.mediafiles import atomic_write

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DEFAULT_BASE = "professional"
PLATE_SUFFIX = ".plate.png"


# --- TOML writing ------------------------------------------------------------------------------------
def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number for TOML, got {value}")
        return repr(round(value, 4))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON string escapes are valid TOML basic strings
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"expected a TOML scalar or list, got {type(value).__name__}")


def dumps_toml(data: Mapping[str, Any], header: str = "") -> str:
    """TOML text for nested mappings of scalars and lists (None values are left out: TOML has no null)."""
    lines = [f"# {line}" for line in header.splitlines()]

    def table(name: str, body: Mapping[str, Any]) -> None:
        scalars = {k: v for k, v in body.items() if v is not None and not isinstance(v, Mapping)}
        if name:
            lines.append("")
            lines.append(f"[{name}]")
        lines.extend(f"{_key(k)} = {_value(v)}" for k, v in scalars.items())
        for key, sub in body.items():
            if isinstance(sub, Mapping):
                table(f"{name}.{_key(key)}" if name else _key(key), sub)

    table("", data)
    return "\n".join(lines).lstrip("\n") + "\n"


def _key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() and key.isascii() else json.dumps(key)


# --- atomic files --------------------------------------------------------------------------------------
def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically (:func:`realtime.mediafiles.atomic_write`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text.encode("utf-8"))


def write_png_atomic(path: Path, image: np.ndarray) -> None:
    """Encode ``image`` as PNG and write it atomically (OpenCV picks the codec by extension, so encode first)."""
    ok, encoded = cv2.imencode(".png", image)
    if not ok:
        raise CalibrationError(f"could not encode the {image.shape} background plate as PNG",
                               "check the camera delivers BGR frames")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, encoded.tobytes())


# --- the profile -------------------------------------------------------------------------------------
# The [camera] table is defined once, in the coach profile schema (realtime/coach/profile_schema.py), which
# the profile loader validates it with; what is written here is checked against that definition.
CAMERA_SECTION_SPEC: Mapping[str, Spec] = SECTION_KEYS["camera"]


def camera_section(calibration: CameraCalibration, plate_name: str | None) -> dict[str, Any]:
    """The ``[camera]`` table: what the rest of the app needs from the calibration (and what it found)."""
    mode, timing = calibration.mode, calibration.timing
    section: dict[str, Any] = {
        "device": calibration.device,
        "width": mode.width,
        "height": mode.height,
        "fps": round(timing.fps, 2),
        "fps_reported": mode.fps,
        "fourcc": mode.fourcc,
        "fov_deg": None if calibration.fov_deg is None else round(calibration.fov_deg, 2),
        "fov_source": calibration.fov_source,
        "background_plate": plate_name,
        "interval_ms": round(timing.interval_ms, 2),
        "interval_jitter_ms": round(timing.jitter_ms, 2),
        "latency_ms": None if timing.latency_ms is None else round(timing.latency_ms, 1),
        "modes": ", ".join(m.label() for m in calibration.modes),
        "unlocked": ", ".join(calibration.unlocked),
    }
    section.update({c.name: c.asked for c in calibration.controls if c.locked})
    unknown = set(section) - set(CAMERA_SECTION_SPEC)
    if unknown:  # a programming error: the spec above and this table must agree
        raise ValueError(f"camera keys missing from the [camera] schema (profile_schema.py): {sorted(unknown)}")
    return section


def split_list(text: str) -> list[str]:
    """``"a, b"`` -> ``["a", "b"]`` for the comma-separated ``modes`` and ``unlocked`` values."""
    return [part.strip() for part in text.split(",") if part.strip()]


def write_booth_profile(path: Path | str, calibration: CameraCalibration, plate: np.ndarray | None = None,
                        *, extends: str = DEFAULT_BASE) -> Path:
    """Write the profile (and the plate as ``<stem>.plate.png`` beside it); returns the profile path.

    The plate path in the profile is relative to the profile's folder, so the pair can be moved together.
    """
    path = Path(path)
    if path.suffix != ".toml":
        raise CalibrationError(f"expected a .toml profile path, got {path}", "pass --out booth.toml")
    plate_name = None
    if plate is not None:
        plate_name = path.stem + PLATE_SUFFIX
        write_png_atomic(path.parent / plate_name, plate)
        calibration.background_plate = plate_name
    stamp = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    header = (f"Booth profile written by 'headshot calibrate camera' on {stamp}.\n"
              f"Bands and crops come from the '{extends}' profile; [camera] is this booth's camera.")
    text = dumps_toml({"extends": extends, "camera": camera_section(calibration, plate_name)}, header)
    write_text_atomic(path, text)
    return path


def read_camera_section(path: Path | str) -> dict[str, Any]:
    """The ``[camera]`` table of a booth profile, with ``background_plate`` resolved to an absolute path."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise CalibrationError(f"{path} is not valid TOML ({exc})", "run 'headshot calibrate camera' again") from exc
    camera = data.get("camera")
    if not isinstance(camera, dict):
        raise CalibrationError(f"{path} has no [camera] section", "run 'headshot calibrate camera --out' to add one")
    camera = dict(camera)
    if camera.get("background_plate"):
        camera["background_plate"] = str((path.parent / camera["background_plate"]).resolve())
    return camera
