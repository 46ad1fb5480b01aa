"""Profiles: the built-ins load, inheritance works, and every kind of mistake names file, line, key,
what was expected and what was found."""

from __future__ import annotations

from pathlib import Path

import pytest

from realtime.coach.profile import builtin_profiles, load_profile
from realtime.coach.registry import CHECK_ORDER
from realtime.errors import ConfigError


def write(tmp_path: Path, text: str, name: str = "mine.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_builtin_profiles_load_with_every_check() -> None:
    assert builtin_profiles() == ["actor", "id", "professional"]
    for name in builtin_profiles():
        profile = load_profile(name)
        assert profile.name == name
        assert tuple(profile.checks) == CHECK_ORDER


@pytest.mark.parametrize(("name", "aspect", "retouch", "background", "head_size"), [
    ("professional", 0.8, True, "blur", (0.30, 0.40)),
    ("id", 35 / 45, False, "studio", (0.70, 0.80)),  # chin to crown: the ID rule (measure = "chin_to_crown")
    ("actor", 0.8, True, "blur", (0.30, 0.40)),
])
def test_builtin_profile_values(name, aspect, retouch, background, head_size) -> None:
    profile = load_profile(name)
    assert profile.crop.aspect_ratio == pytest.approx(aspect)
    assert profile.retouch_enabled is retouch
    assert profile.background.mode == background
    assert profile.check("head_size").band.as_tuple() == head_size
    assert profile.timing.instruction_appear_s == pytest.approx(0.4)
    assert profile.timing.ready_hold_s == pytest.approx(0.7)
    assert profile.timing.best_frame_window_s == pytest.approx(1.5)
    assert profile.crop.id_size_mm == (35.0, 45.0) and profile.crop.id_dpi == 600
    assert profile.crop.id_head_fraction == (0.70, 0.80)


def test_symmetric_bands_and_expression_target() -> None:
    pro, id_ = load_profile("professional"), load_profile("id")
    assert pro.check("yaw").band.as_tuple() == (-8.0, 8.0)
    assert id_.check("yaw").band.as_tuple() == (-5.0, 5.0)
    assert pro.check("horizontal_centring").band.as_tuple() == (-0.25, 0.25)
    assert id_.expression_target == 0.0 and pro.expression_target > 0.0
    assert id_.background.colour == (0xF2, 0xF2, 0xF2)


def test_user_profile_extends_a_builtin_and_overrides_one_key(tmp_path: Path) -> None:
    path = write(tmp_path, 'extends = "id"\nname = "passport"\n[checks.yaw]\nmax_abs_deg = 3\n')
    profile = load_profile(path)
    assert profile.name == "passport"
    assert profile.check("yaw").band.as_tuple() == (-3.0, 3.0)
    assert profile.check("pitch").band.as_tuple() == (-8.0, 8.0)  # inherited from id
    assert profile.crop.aspect == "35:45"  # inherited from id, which inherits the rest from professional


def test_user_profile_extends_another_file_by_relative_path(tmp_path: Path) -> None:
    write(tmp_path, 'extends = "professional"\n[relight]\nstrength = 0.9\n', "base.toml")
    path = write(tmp_path, 'extends = "base.toml"\n[retouch]\nenabled = false\n')
    profile = load_profile(path)
    assert profile.relight_strength == pytest.approx(0.9) and profile.retouch_enabled is False
    assert profile.name == "mine"  # no name: the file's stem


def test_dotted_keys_are_accepted(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, 'extends = "professional"\nchecks.roll.max_abs_deg = 4\n'))
    assert profile.check("roll").band.high == 4.0


# (case id, file text, message fragments, fix fragment)
ERROR_CASES = [
    ("unknown_key_suggests", 'extends = "professional"\n\n[checks.head_size]\nlow = 0.3\nhgh = 0.5\n',
     ["mine.toml, line 5", "unknown key 'checks.head_size.hgh'"], "did you mean 'checks.head_size.high'?"),
    ("unknown_check_suggests", 'extends = "professional"\n[checks.head_sise]\nlow = 0.3\n',
     ["line 2", "unknown key 'checks.head_sise'"], "did you mean 'checks.head_size'?"),
    ("unknown_section", 'extends = "professional"\n[relite]\nstrength = 0.3\n',
     ["line 2", "unknown key 'relite'"], "did you mean 'relight'?"),
    ("wrong_type", 'extends = "professional"\n[checks.yaw]\nmax_abs_deg = "eight"\n',
     ["line 3", "key 'checks.yaw.max_abs_deg'", "expected a number from 0 to 90", "found 'eight'"], "edit"),
    ("out_of_range", 'extends = "professional"\n[checks.head_size]\nhigh = 1.5\n',
     ["line 3", "key 'checks.head_size.high'", "expected a number from 0.05 to 1", "found 1.5"], "edit"),
    ("bool_is_not_a_number", 'extends = "professional"\n[relight]\nstrength = true\n',
     ["line 3", "key 'relight.strength'", "found True"], "edit"),
    ("low_not_below_high", 'extends = "professional"\n[checks.exposure]\nlow = 0.8\nhigh = 0.6\n',
     ["line 4", "key 'checks.exposure.high'", "expected a number above low (0.8)", "found 0.6"], "edit"),
    ("bad_choice", 'extends = "professional"\n[background]\nmode = "replace"\n',
     ["line 3", "key 'background.mode'", 'one of "keep", "blur", "studio"', "found 'replace'"], "edit"),
    ("bad_aspect", 'extends = "professional"\n[crop]\naspect = "wide"\n',
     ["line 3", "key 'crop.aspect'", 'an aspect "W:H"', "found 'wide'"], "edit"),
    ("bad_colour", 'extends = "professional"\n[background]\ncolour = "grey"\n',
     ["line 3", "key 'background.colour'", '"#rrggbb"', "found 'grey'"], "edit"),
    ("bad_pair", 'extends = "professional"\n[crop]\nid_head_fraction = [0.8, 0.7]\n',
     ["line 3", "key 'crop.id_head_fraction'", "two numbers"], "edit"),
    ("missing_keys_without_extends", '[relight]\nstrength = 0.3\n',
     ["mine.toml: missing key", "more"], 'extends = "professional"'),
    ("syntax", 'extends = "professional"\n[checks.yaw\nmax_abs_deg = 3\n',
     ["mine.toml: not valid TOML", "line 2"], "fix the syntax"),
    ("unknown_builtin_in_extends", 'extends = "profesional"\n',
     ["no built-in profile 'profesional'"], "did you mean 'professional'?"),
]


@pytest.mark.parametrize(("text", "fragments", "fix"), [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES])
def test_validation_errors_name_file_line_key_expected_found(tmp_path: Path, text, fragments, fix) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_profile(path)
    message = info.value.one_line()
    for fragment in fragments:
        assert fragment in message
    assert fix in (info.value.fix or "")
    assert info.value.exit_code == 2


def test_missing_file_and_unknown_name() -> None:
    with pytest.raises(ConfigError, match="profile file not found"):
        load_profile("/nonexistent/profile.toml")
    with pytest.raises(ConfigError, match="no built-in profile 'ids'") as info:
        load_profile("ids")
    assert "did you mean 'id'?" in (info.value.fix or "")


def test_extends_cycle_is_refused(tmp_path: Path) -> None:
    write(tmp_path, 'extends = "b.toml"\n', "a.toml")
    write(tmp_path, 'extends = "a.toml"\n', "b.toml")
    with pytest.raises(ConfigError, match="cycle"):
        load_profile(tmp_path / "a.toml")


def test_error_in_the_base_file_points_at_the_base(tmp_path: Path) -> None:
    write(tmp_path, 'extends = "professional"\n[checks.gaze]\nmax = -1\n', "base.toml")
    path = write(tmp_path, 'extends = "base.toml"\n')
    with pytest.raises(ConfigError, match=r"base\.toml, line 3: key 'checks.gaze.max'"):
        load_profile(path)


def test_studio_background_needs_a_colour(tmp_path: Path) -> None:
    text = "\n".join(line for line in (Path(load_profile("professional").source).read_text().splitlines())
                     if not line.startswith("colour"))
    text = text.replace('mode = "blur"', 'mode = "studio"')
    with pytest.raises(ConfigError, match="key 'background.mode'.*colour"):
        load_profile(write(tmp_path, text))
