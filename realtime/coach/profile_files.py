"""Reading profile files: TOML parsing, where each key sits (for error messages), ``extends`` chains,
and the per-key check of names, types and ranges against ``profile_schema``.

Kept apart from ``profile`` (which assembles the validated ``Profile``) so each stays short.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from realtime.coach.profile_schema import CLOSE_SPEC, SECTION_KEYS, Spec
from realtime.errors import ConfigError

if TYPE_CHECKING:
    from realtime.coach.check_spec import CheckRegistry

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

PROFILE_DIR = Path(__file__).with_name("profiles")


def builtin_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))


def locate(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
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
    except RecursionError:
        raw = None  # brackets nested thousands deep: refused below like any too-deep nesting
    if raw is None or _too_deep(raw):
        raise ConfigError(f"{path}: tables or arrays nested more than {MAX_NESTING} deep",
                          "a profile has top-level keys, [section] and [checks.NAME] tables only")
    return raw, _key_lines(text)


MAX_NESTING = 8  # a profile needs 3 ([checks.NAME] key); deeper is not a profile (and would recurse)


def _too_deep(value: Any) -> bool:
    """True when dicts or lists nest deeper than MAX_NESTING (checked without recursion)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_NESTING:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return False


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


def resolve_chain(name_or_path: str | Path) -> list[tuple[Path, dict[str, Any], dict[str, int]]]:
    """The files to merge, base first: follow ``extends`` until a file without it, refusing cycles."""
    chain: list[tuple[Path, dict[str, Any], dict[str, int]]] = []
    seen: list[Path] = []
    path = locate(name_or_path)
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
            raise type_error(str(path), lines.get("extends"), "extends", SECTION_KEYS[""]["extends"], parent)
        path = locate(parent, relative_to=path.parent)
    chain.reverse()
    return chain


def flatten(raw: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


def _spec_for(dotted: str, checks: CheckRegistry) -> Spec | None:
    parts = dotted.split(".")
    if len(parts) == 3 and parts[0] == "checks" and parts[1] in checks:
        return CLOSE_SPEC if parts[2] == "close" else checks[parts[1]].keys.get(parts[2])
    if len(parts) == 1:
        return SECTION_KEYS[""].get(parts[0])
    if len(parts) == 2 and parts[0] in SECTION_KEYS:
        return SECTION_KEYS[parts[0]].get(parts[1])
    return None


def _known_here(parts: list[str], checks: CheckRegistry) -> list[str]:
    """Names valid at the level where ``parts`` ends, to suggest a close match."""
    if len(parts) == 1:
        return [*SECTION_KEYS[""], *(s for s in SECTION_KEYS if s), "checks"]
    if parts[0] == "checks":
        if len(parts) == 2:
            return list(checks.names)
        return [*(checks[parts[1]].keys if parts[1] in checks else ()), "close"]
    return list(SECTION_KEYS.get(parts[0], {}))


def check_known(raw: Mapping[str, Any], file: str, lines: Mapping[str, int], checks: CheckRegistry) -> None:
    """Refuse unknown keys (with a close-match suggestion) and wrongly typed or out-of-range values;
    ``checks`` declares the ``[checks.*]`` keys."""
    for dotted, value in flatten(raw).items():
        spec = _spec_for(dotted, checks)
        if spec is None:
            parts = dotted.split(".")
            # Report the first unknown level: "checks.head_sise.low" is an unknown check, not an unknown key.
            for depth in range(1, len(parts) + 1):
                here = parts[:depth]
                known = _known_here(here, checks)
                if here[-1] not in known or depth == len(parts):
                    break
            bad = ".".join(here)
            if here[-1] in known and depth == len(parts):  # a section's name given a value: crop = 5
                raise ConfigError(f"{where(file, lines.get(bad))}: '{bad}' is a section (a table of keys), "
                                  f"found {value!r}", f"write [{bad}] on its own line with its keys below it")
            match = difflib.get_close_matches(here[-1], known, n=1)
            fix = f"did you mean '{'.'.join([*here[:-1], match[0]])}'?" if match else (
                f"known keys here: {', '.join(known)}")
            line = lines.get(bad) or lines.get(dotted)
            raise ConfigError(f"{where(file, line)}: unknown key '{bad}'", fix)
        if not spec.accepts(value):
            raise type_error(file, lines.get(dotted), dotted, spec, value)


def where(file: str, line: int | None) -> str:
    return f"{file}, line {line}" if line else file


def type_error(file: str, line: int | None, key: str, spec: Spec, value: Any) -> ConfigError:
    return ConfigError(f"{where(file, line)}: key '{key}': expected {spec.describe()}, found {value!r}",
                       "edit that value in the profile")
