"""How one coaching check is declared, and the ordered, read-only set of them the coach runs.

A ``CheckSpec`` says everything about a check in one place: its function, the keys of its
``[checks.<name>]`` profile section (type and range), how those keys make its pass band, its default
"close" margin, what it is judged on, and the checklist group and words it is shown with. The profile
schema, the profile's bands, the priority order, ``JUDGED_ON`` and the checklist groups are all read from
the declarations (``realtime/coach/registry.py``), so a check cannot be half added.

A declaration is checked when it is made (that is, at import): a check without a band, a band that reads
a key the check does not declare, or a band open at both ends (a check that always passes) raises
``CheckDeclarationError`` instead of passing silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from realtime.coach.band import Band, CheckSettings
from realtime.coach.profile_schema import CLOSE_SPEC, Choice, Flag, Num, Pair, Spec, Text

if TYPE_CHECKING:
    from realtime.coach.assessment import CheckResult
    from realtime.coach.check_base import CheckContext

CheckFn = Callable[["CheckContext", CheckSettings], "CheckResult"]
Limits = tuple[float | None, float | None]
BandFn = Callable[[Mapping[str, Any]], Limits]
JUDGED_ON_KINDS = ("camera", "delivered")
_SPEC_KINDS = (Num, Flag, Choice, Text, Pair)


class CheckDeclarationError(ValueError):
    """A check declared wrongly (no band, a band reading an undeclared key, ...): a programming error."""


# ------------------------------------------------------------------------------------ band builders
def between(low_key: str, high_key: str) -> BandFn:
    """Pass from ``low_key`` to ``high_key``."""
    return lambda p: (p[low_key], p[high_key])


def at_least(key: str) -> BandFn:
    """Pass at ``key`` or above."""
    return lambda p: (p[key], None)


def at_most(key: str) -> BandFn:
    """Pass at ``key`` or below."""
    return lambda p: (None, p[key])


def within(key: str) -> BandFn:
    """Pass from ``-key`` to ``+key`` (angles, offsets)."""
    return lambda p: (-p[key], p[key])


def fixed(low: float | None, high: float | None) -> BandFn:
    """A band that does not depend on the profile (the value is already a distance from the keys' box)."""
    return lambda p: (low, high)


# ------------------------------------------------------------------------------------ one check
def _sample(spec: Spec) -> Any:
    """A valid value for ``spec``, to try a band function on at declaration time."""
    if isinstance(spec, Num):
        return (spec.low + spec.high) / 2.0
    if isinstance(spec, Pair):
        return [spec.low, spec.high]
    if isinstance(spec, Choice):
        return spec.options[0]
    return True if isinstance(spec, Flag) else ""


class _Probe(dict):  # type: ignore[type-arg]
    """The declared keys with sample values; reading any other key is a declaration error."""

    def __init__(self, name: str, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        self.name = name

    def __missing__(self, key: str) -> Any:
        raise CheckDeclarationError(f"check '{self.name}': its band reads '{key}', which is not one of its keys "
                                    f"({', '.join(self) or 'none'}): declare it in keys=")


def _is_limit(value: Any) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


@dataclass(frozen=True)
class CheckSpec:
    """One check, declared once. ``keys``: its profile keys and their specs; ``band``: those keys' values
    -> (low, high), None for an open end; ``close``: the default "close" margin (a profile may set
    ``close``); ``defaults``: values for keys a profile may leave out; ``ordered``: key pairs that must
    satisfy low < high in a profile."""

    name: str
    fn: CheckFn
    keys: Mapping[str, Spec]
    band: BandFn | None = None
    close: float = 0.0
    group: str = ""
    words: str = ""
    judged_on: str = "camera"
    ordered: tuple[tuple[str, str], ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", MappingProxyType(dict(self.keys)))
        object.__setattr__(self, "defaults", MappingProxyType(dict(self.defaults)))
        self._validate()

    def _fail(self, problem: str) -> CheckDeclarationError:
        return CheckDeclarationError(f"check '{self.name}': {problem}")

    def _validate(self) -> None:
        if not self.name.isidentifier():
            raise CheckDeclarationError(f"check name {self.name!r}: expected a lower_case identifier")
        if not callable(self.fn):
            raise self._fail(f"fn: expected a function (ctx, settings) -> CheckResult, got {self.fn!r}")
        for key, spec in self.keys.items():
            if key == "close" or not isinstance(spec, _SPEC_KINDS):
                raise self._fail(f"key '{key}': expected a profile_schema spec (Num, Flag, ...) and a name other "
                                 f"than 'close', got {spec!r}")
        if self.band is None:
            raise self._fail("no band: give band=between(...), at_least(...), at_most(...), within(...) or fixed(...)")
        if not CLOSE_SPEC.accepts(self.close):
            raise self._fail(f"close: expected {CLOSE_SPEC.describe()}, got {self.close!r}")
        if self.judged_on not in JUDGED_ON_KINDS:
            raise self._fail(f"judged_on: expected one of {JUDGED_ON_KINDS}, got {self.judged_on!r}")
        if not self.group or not self.words:
            raise self._fail("group and words: expected the checklist group and a few words for the check")
        for pair in self.ordered:
            if any(key not in self.keys for key in pair):
                raise self._fail(f"ordered pair {pair}: both must be among its keys ({', '.join(self.keys)})")
        for key, value in self.defaults.items():
            if key not in self.keys or not self.keys[key].accepts(value):
                raise self._fail(f"default {key} = {value!r}: not a declared key, or not "
                                 f"{self.keys[key].describe() if key in self.keys else 'valid'}")
        limits = self.band(_Probe(self.name, {k: self.defaults.get(k, _sample(s)) for k, s in self.keys.items()}))
        if not (isinstance(limits, tuple) and len(limits) == 2 and all(_is_limit(v) for v in limits)):
            raise self._fail(f"band: expected (low, high) numbers or None, got {limits!r}")
        if limits == (None, None):
            raise self._fail("band: open at both ends, the check would always pass")

    def settings(self, values: Mapping[str, Any], close: float | None = None) -> CheckSettings:
        """This check's settings from a profile's ``[checks.<name>]`` values (declared defaults fill gaps)."""
        params = {key: values[key] if key in values else self.defaults[key] for key in self.keys}
        low, high = self.band(params)  # type: ignore[misc]  # never None after validation
        band = Band(None if low is None else float(low), None if high is None else float(high),
                    self.close if close is None else float(close))
        return CheckSettings(name=self.name, band=band, params=MappingProxyType(params))


# ------------------------------------------------------------------------------------ the set of checks
@dataclass(frozen=True)
class CheckRegistry(Mapping[str, CheckSpec]):
    """The checks by name, in priority order (top first), and the checklist groups they may name.
    Read-only: ``extended`` returns a new registry (a test's or a plug-in's) and leaves this one as it is."""

    specs: tuple[CheckSpec, ...]
    groups: tuple[str, ...]
    _by_name: Mapping[str, CheckSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, CheckSpec] = {}
        for spec in self.specs:
            if spec.name in by_name:
                raise CheckDeclarationError(f"check '{spec.name}' declared twice")
            if spec.group not in self.groups:
                raise CheckDeclarationError(f"check '{spec.name}': group {spec.group!r} is not one of {self.groups}")
            by_name[spec.name] = spec
        object.__setattr__(self, "_by_name", MappingProxyType(by_name))

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self.specs)

    def __getitem__(self, name: str) -> CheckSpec:
        return self._by_name[name]

    @property
    def names(self) -> tuple[str, ...]:
        """The priority order."""
        return tuple(self._by_name)

    @property
    def judged_on(self) -> dict[str, str]:
        return {spec.name: spec.judged_on for spec in self.specs}

    def extended(self, spec: CheckSpec, *, after: str | None = None) -> CheckRegistry:
        """A new registry with ``spec`` added last (lowest priority) or right after the check ``after``."""
        specs = list(self.specs)
        specs.insert(len(specs) if after is None else self.names.index(after) + 1, spec)
        return CheckRegistry(tuple(specs), self.groups)
