"""Adding a check or a profile takes a few lines in one place, and a half-declared check fails at import.

The dummy check is declared in an extended copy of the built-in registry (``CHECKS.extended``), so nothing
global changes: the profile schema, the profile's bands, the evaluation order and the coach all follow the
registry the profile was loaded with.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from realtime.coach.check_base import graded, unmeasured
from realtime.coach.check_spec import CheckDeclarationError, CheckSpec, at_least, at_most, between
from realtime.coach.checks import evaluate_checks
from realtime.coach.coach import Coach
from realtime.coach.profile import load_profile
from realtime.coach.profile_schema import Num
from realtime.coach.registry import CHECKS, JUDGED_ON
from realtime.errors import ConfigError
from tests.coach.builders import face, lighting


def check_smile_shown(ctx, s):
    """Dummy: the smile score at least ``min``."""
    return unmeasured(s, passed=False) if ctx.face is None else graded(s, ctx.face.smile, "Smile a little more")


SMILE = CheckSpec("smile_shown", check_smile_shown, {"min": Num(0.0, 1.0)}, band=at_least("min"), close=0.05,
                  defaults={"min": 0.5}, group="Expression", words="Smiling")
WITH_SMILE = CHECKS.extended(SMILE, after="expression")


def write(tmp_path: Path, text: str, name: str = "mine.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_dummy_check_is_evaluated_in_its_place_with_its_default_band() -> None:
    profile = load_profile("professional", registry=WITH_SMILE)
    settings = profile.check("smile_shown")
    assert (settings.band.low, settings.band.high, settings.band.close) == (0.5, None, 0.05)
    results = evaluate_checks(face(smile=0.3), lighting(), None, profile)
    names = list(results)
    assert names.index("smile_shown") == names.index("expression") + 1
    assert results["smile_shown"].instruction == "Smile a little more" and results["smile_shown"].status == "fail"
    assert [n for n, r in results.items() if not r.passed] == ["smile_shown"]
    assert evaluate_checks(face(smile=0.47), lighting(), None, profile)["smile_shown"].status == "close"
    assert evaluate_checks(face(smile=0.6), lighting(), None, profile)["smile_shown"].passed


def test_the_built_in_registry_is_left_as_it_was() -> None:
    assert "smile_shown" not in CHECKS and "smile_shown" not in JUDGED_ON
    assert "smile_shown" not in load_profile("professional").checks
    assert WITH_SMILE.judged_on["smile_shown"] == "camera" and len(WITH_SMILE) == len(CHECKS) + 1


def test_the_coach_speaks_for_a_dummy_check() -> None:
    coach = Coach(load_profile("professional", registry=WITH_SMILE))
    for i in range(30):
        out = coach.assess(face(smile=0.3), lighting(), None, i / 30)
    assert out.instruction_check == "smile_shown" and out.instruction == "Smile a little more" and not out.ready


def test_a_profile_sets_the_dummy_checks_keys_and_the_schema_checks_them(tmp_path: Path) -> None:
    path = write(tmp_path, 'extends = "professional"\n[checks.smile_shown]\nmin = 0.2\nclose = 0.1\n')
    band = load_profile(path, registry=WITH_SMILE).check("smile_shown").band
    assert (band.low, band.close) == (0.2, 0.1)
    with pytest.raises(ConfigError, match="unknown key 'checks.smile_shown'"):
        load_profile(path)  # the built-in registry has no such check
    with pytest.raises(ConfigError, match=r"line 3: key 'checks.smile_shown.min': expected a number from 0 to 1"):
        load_profile(write(tmp_path, 'extends = "professional"\n[checks.smile_shown]\nmin = 2\n'), registry=WITH_SMILE)
    with pytest.raises(ConfigError) as typo:
        load_profile(write(tmp_path, 'extends = "professional"\n[checks.smile_shown]\nmni = 0.2\n'),
                     registry=WITH_SMILE)
    assert "did you mean 'checks.smile_shown.min'" in typo.value.fix


def test_a_check_without_a_default_must_be_in_the_profile() -> None:
    bare = CheckSpec("smile_bare", check_smile_shown, {"min": Num(0.0, 1.0)}, band=at_least("min"),
                     group="Expression", words="Smiling")
    with pytest.raises(ConfigError, match="missing key 'checks.smile_bare.min'"):
        load_profile("professional", registry=CHECKS.extended(bare))


def spec(**changes):
    fields = dict(name="dummy", fn=check_smile_shown, keys={"low": Num(0, 1), "high": Num(0, 1)},
                  band=between("low", "high"), group="Eyes", words="Dummy")
    return CheckSpec(**(fields | changes))


@pytest.mark.parametrize(("changes", "message"), [
    ({"band": None}, "check 'dummy': no band"),
    ({"band": at_most("max")}, "its band reads 'max', which is not one of its keys"),
    ({"band": lambda p: (None, None)}, "open at both ends, the check would always pass"),
    ({"band": lambda p: p["low"]}, r"expected \(low, high\)"),
    ({"ordered": (("low", "top"),)}, "ordered pair"),
    ({"defaults": {"low": 3.0}}, "default low = 3.0"),
    ({"judged_on": "screen"}, "judged_on"),
    ({"keys": {"close": Num(0, 1)}}, "key 'close'"),
    ({"close": -1.0}, "close: expected a number"),
    ({"words": ""}, "group and words"),
])
def test_a_half_declared_check_raises_at_declaration(changes: dict, message: str) -> None:
    with pytest.raises(CheckDeclarationError, match=message):
        spec(**changes)


def test_a_registry_refuses_a_repeated_name_or_an_unknown_group() -> None:
    with pytest.raises(CheckDeclarationError, match="'yaw' declared twice"):
        CHECKS.extended(spec(name="yaw"))
    with pytest.raises(CheckDeclarationError, match="group 'Hair'"):
        CHECKS.extended(spec(group="Hair"))


def test_a_dummy_profile_extends_professional_in_a_few_lines(tmp_path: Path) -> None:
    path = write(tmp_path, 'extends = "professional"\nname = "strict"\n[checks.yaw]\nmax_abs_deg = 3\n')
    strict, professional = load_profile(path), load_profile("professional")
    assert strict.name == "strict" and strict.check("yaw").band.as_tuple() == (-3.0, 3.0)
    turned = face(yaw_deg=5.0)
    assert not evaluate_checks(turned, lighting(), None, strict)["yaw"].passed
    assert evaluate_checks(turned, lighting(), None, professional)["yaw"].passed
    assert {n: s.band for n, s in strict.checks.items() if n != "yaw"} == {
        n: s.band for n, s in professional.checks.items() if n != "yaw"}
