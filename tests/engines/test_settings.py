"""StudioSettings: validation with typed errors, and the tensor layout the graph reads."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engines import settings as S
from engines.settings import StudioSettings
from realtime.errors import ConfigError


def test_defaults_are_valid_and_pack_to_the_documented_size() -> None:
    t = StudioSettings().to_tensor()
    assert t.dtype == np.float32 and t.shape == (S.SETTINGS_SIZE,)


@pytest.mark.parametrize("mode, onehot", [("keep", [1, 0, 0]), ("blur", [0, 1, 0]), ("studio", [0, 0, 1])])
def test_background_mode_is_one_hot(mode: str, onehot: list[float]) -> None:
    assert StudioSettings(background=mode).to_tensor()[S.IDX_BG_ONEHOT].tolist() == onehot


def test_relight_off_zeroes_the_strength_only() -> None:
    on, off = StudioSettings(relight_strength=0.7).to_tensor(), StudioSettings(relight=False).to_tensor()
    assert on[S.IDX_STRENGTH] == pytest.approx(0.7) and off[S.IDX_STRENGTH] == 0.0
    assert np.array_equal(np.delete(on, S.IDX_STRENGTH), np.delete(off, S.IDX_STRENGTH))


@pytest.mark.parametrize("azimuth, elevation", [(0, 0), (30, 20), (-45, 60), (90, -30)])
def test_light_directions_are_unit_vectors_facing_the_subject(azimuth: float, elevation: float) -> None:
    t = StudioSettings(key_azimuth_deg=azimuth, key_elevation_deg=elevation).to_tensor()
    key, fill = t[S.IDX_KEY_DIR], t[S.IDX_FILL_DIR]
    assert np.linalg.norm(key) == pytest.approx(1.0, abs=1e-6) and np.linalg.norm(fill) == pytest.approx(1.0)
    assert key[0] == pytest.approx(math.sin(math.radians(azimuth)) * math.cos(math.radians(elevation)), abs=1e-6)
    assert key[1] == pytest.approx(-math.sin(math.radians(elevation)), abs=1e-6)  # y down: light from above < 0
    assert fill[0] == pytest.approx(-math.sin(math.radians(azimuth)), abs=1e-6)  # the mirrored side


def test_studio_gradient_darkens_the_bottom_colour() -> None:
    t = StudioSettings(studio_color_bgr=(200, 100, 50), studio_gradient=1.0).to_tensor()
    assert t[S.IDX_STUDIO_TOP].tolist() == [200, 100, 50]
    assert np.all(t[S.IDX_STUDIO_BOTTOM] < t[S.IDX_STUDIO_TOP])
    flat = StudioSettings(studio_color_bgr=(200, 100, 50), studio_gradient=0.0).to_tensor()
    assert flat[S.IDX_STUDIO_BOTTOM].tolist() == [200, 100, 50]


@pytest.mark.parametrize(
    "field, value, expected",
    [
        ("relight_strength", 1.5, "0..1"),
        ("relight_strength", -0.1, "0..1"),
        ("key_azimuth_deg", 120.0, "-90..90"),
        ("exposure", 0.05, "0.2..0.8"),
        ("smoothing", 1.0, "0..0.95"),
        ("blur_strength", float("nan"), "a number"),
        ("key", "bright", "a number"),
        ("relight", "yes", "true or false"),
        ("background", "green", "keep, blur, studio"),
        ("studio_color_bgr", (0, 300, 0), "0..255"),
        ("studio_color_bgr", (1, 2), "three numbers"),
    ],
)
def test_invalid_values_raise_config_error_with_expected_and_found(field: str, value: object, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        StudioSettings(**{field: value})
    assert field in err.value.problem and expected in err.value.problem and "found" in err.value.problem
    assert err.value.fix


def test_from_mapping_accepts_profile_tables_and_refuses_typos() -> None:
    s = StudioSettings.from_mapping({"background": "studio", "studio_color_bgr": [10, 20, 30]})
    assert s.background == "studio" and s.studio_color_bgr == (10, 20, 30)
    with pytest.raises(ConfigError, match="relight_strenght"):
        StudioSettings.from_mapping({"relight_strenght": 0.5})


def test_settings_are_frozen() -> None:
    with pytest.raises(AttributeError):
        StudioSettings().relight = False  # type: ignore[misc]
