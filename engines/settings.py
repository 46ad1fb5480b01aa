"""Runtime settings of the studio graph, packed into one float32 tensor.

The settings are an *input* of the compiled graph, not constants baked into it, so one engine (an ONNX
Runtime session or a TensorRT plan, built once and cached) serves every profile and every live change
of relight strength, light direction or background. Nothing here selects a branch: the background mode
is a one-hot triple that the graph blends with, because ONNX ``If`` would break TensorRT's fusion and
could not be switched per frame without a rebuild.

Tensor layout (``StudioSettings.to_tensor()``, float32 ``[SETTINGS_SIZE]``). Directions are unit vectors
in image coordinates: x to the image right, y down, z from the subject toward the camera. Slots marked
*derived* are computed from the dataclass fields so the graph needs no trigonometry.

====  ======================  ==================================================================
idx   name                    meaning
====  ======================  ==================================================================
0     relight_strength        effective strength 0..1 (0 when ``relight`` is off: output = input)
1     key                     key-light intensity (Lambert weight)
2     fill                    fill-light intensity, from the mirrored side, level
3     ambient                 ambient (direction-less) light
4-6   key_dir x, y, z         *derived* from key_azimuth_deg / key_elevation_deg
7-9   fill_dir x, y, z        *derived*: mirrored azimuth, elevation 0
10    exposure                target linear luminance of the person (0.2..0.8)
11    bg_keep                 one-hot background weight: keep the camera's background
12    bg_blur                 one-hot: blurred background
13    bg_studio               one-hot: studio backdrop colour / vertical gradient
14-16 studio_top B, G, R      backdrop colour at the top, 0..255
17-19 studio_bottom B, G, R   *derived*: top colour darkened by ``studio_gradient``
20    blur_strength           0 = light blur, 1 = heavy blur
21    smoothing               temporal smoothing of small matte changes, 0 (off) .. 0.95
====  ======================  ==================================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Literal

import numpy as np

from engines.errors import ConfigError

BackgroundMode = Literal["keep", "blur", "studio"]
BACKGROUND_MODES: tuple[str, ...] = ("keep", "blur", "studio")

# Tensor indices: the single source of truth the graph builder reads.
IDX_STRENGTH = 0
IDX_KEY = 1
IDX_FILL = 2
IDX_AMBIENT = 3
IDX_KEY_DIR = slice(4, 7)
IDX_FILL_DIR = slice(7, 10)
IDX_EXPOSURE = 10
IDX_BG_ONEHOT = slice(11, 14)
IDX_STUDIO_TOP = slice(14, 17)
IDX_STUDIO_BOTTOM = slice(17, 20)
IDX_BLUR = 20
IDX_SMOOTHING = 21
SETTINGS_SIZE = 22

# How far the bottom of the backdrop darkens at studio_gradient = 1 (0.55 keeps it a backdrop, not black).
_GRADIENT_DEPTH = 0.55

# (field name, low, high) for every numeric field: the bands ``validate`` enforces.
_BANDS: dict[str, tuple[float, float]] = {
    "relight_strength": (0.0, 1.0),
    "key_azimuth_deg": (-90.0, 90.0),
    "key_elevation_deg": (-30.0, 80.0),
    "key": (0.0, 2.0),
    "fill": (0.0, 2.0),
    "ambient": (0.0, 2.0),
    "exposure": (0.2, 0.8),
    "studio_gradient": (0.0, 1.0),
    "blur_strength": (0.0, 1.0),
    "smoothing": (0.0, 0.95),
}


@dataclass(frozen=True)
class StudioSettings:
    """What the studio graph does to each frame; validated on construction.

    The key light's azimuth is measured in the image (positive = light from the image's right side,
    as the camera sees it); elevation positive = light from above.
    """

    relight: bool = True
    relight_strength: float = 0.8
    key_azimuth_deg: float = 0.0
    key_elevation_deg: float = 25.0
    key: float = 0.6
    fill: float = 0.3
    ambient: float = 0.5
    exposure: float = 0.45
    background: BackgroundMode = "keep"
    studio_color_bgr: tuple[float, float, float] = (190.0, 185.0, 180.0)
    studio_gradient: float = 0.3
    blur_strength: float = 0.5
    smoothing: float = 0.6

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ``ConfigError`` naming the field, the allowed band and the value found."""
        if not isinstance(self.relight, bool):
            raise ConfigError(
                f"relight: expected true or false, found {self.relight!r}", "set relight = true or false"
            )
        for name, (low, high) in _BANDS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ConfigError(f"{name}: expected a number, found {value!r}", f"set {name} to a number")
            if not low <= value <= high:
                raise ConfigError(
                    f"{name}: expected {low:g}..{high:g}, found {value:g}",
                    f"set {name} inside {low:g}..{high:g}",
                )
        if self.background not in BACKGROUND_MODES:
            raise ConfigError(
                f"background: expected one of {', '.join(BACKGROUND_MODES)}, found {self.background!r}",
                "choose keep, blur or studio",
            )
        colour = self.studio_color_bgr
        if (
            not isinstance(colour, (tuple, list))
            or len(colour) != 3
            or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in colour)
            or not all(0.0 <= c <= 255.0 for c in colour)
        ):
            raise ConfigError(
                f"studio_color_bgr: expected three numbers 0..255 (B, G, R), found {colour!r}",
                "give the backdrop colour as [blue, green, red], each 0..255",
            )

    def to_tensor(self) -> np.ndarray:
        """The graph's ``settings`` input: float32 ``[SETTINGS_SIZE]`` in the layout of the module doc."""
        t = np.zeros(SETTINGS_SIZE, dtype=np.float32)
        t[IDX_STRENGTH] = self.relight_strength if self.relight else 0.0
        t[IDX_KEY] = self.key
        t[IDX_FILL] = self.fill
        t[IDX_AMBIENT] = self.ambient
        az, el = math.radians(self.key_azimuth_deg), math.radians(self.key_elevation_deg)
        t[IDX_KEY_DIR] = (math.sin(az) * math.cos(el), -math.sin(el), math.cos(az) * math.cos(el))
        t[IDX_FILL_DIR] = (-math.sin(az), 0.0, math.cos(az))
        t[IDX_EXPOSURE] = self.exposure
        t[IDX_BG_ONEHOT] = [1.0 if self.background == mode else 0.0 for mode in BACKGROUND_MODES]
        top = np.asarray(self.studio_color_bgr, dtype=np.float32)
        t[IDX_STUDIO_TOP] = top
        t[IDX_STUDIO_BOTTOM] = top * (1.0 - _GRADIENT_DEPTH * self.studio_gradient)
        t[IDX_BLUR] = self.blur_strength
        t[IDX_SMOOTHING] = self.smoothing
        return t

    @classmethod
    def from_mapping(cls, values: dict[str, object]) -> StudioSettings:
        """Build from a profile table (TOML), refusing unknown keys so typos are not silently ignored."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(
                f"studio settings: unknown key(s) {', '.join(unknown)}; expected some of {', '.join(sorted(known))}",
                "remove or correct the misspelt keys",
            )
        data = dict(values)
        if isinstance(data.get("studio_color_bgr"), list):
            data["studio_color_bgr"] = tuple(data["studio_color_bgr"])  # type: ignore[arg-type]
        return cls(**data)  # type: ignore[arg-type]
