"""``engines/`` is the lowest floor: no module in it imports ``realtime`` or ``calibration``, not even lazily
inside a function, nor by name through ``importlib`` or a registry's ``"module:Class"`` string."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("realtime", "calibration")
_NAMED = re.compile(rf"({'|'.join(FORBIDDEN)})(\.\w+)*(:\w+)?")


def upward_imports(source: str) -> list[str]:
    """Every import of a forbidden package in ``source``: statements anywhere, and module names given as
    strings (``importlib.import_module("realtime.x")``, ``"realtime.x:Class"``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _NAMED.fullmatch(node.value):
            names = [node.value]
        else:
            continue
        found += [f"line {node.lineno}: {name}" for name in names if name.split(".")[0].split(":")[0] in FORBIDDEN]
    return found


def test_engines_import_nothing_from_realtime_or_calibration() -> None:
    files = sorted((ROOT / "engines").rglob("*.py"))
    assert len(files) > 10  # the package is where we think it is
    offenders = {str(path.relative_to(ROOT)): hits for path in files if (hits := upward_imports(path.read_text()))}
    assert offenders == {}


@pytest.mark.parametrize(("source", "caught"), [
    ("from realtime.errors import EngineError", True),
    ("import calibration.int8 as c", True),
    ("def f():\n    from calibration.int8 import load_int8_model\n", True),
    ("import importlib\nimportlib.import_module('realtime.pipeline')", True),
    ("SPEC = 'calibration.int8:load_int8_model'", True),
    ("from engines.errors import EngineError\nimport realtimex", False),
    ('"""realtime.errors re-exports these."""', False),
])
def test_the_scan_catches_every_form(source: str, caught: bool) -> None:
    assert bool(upward_imports(source)) is caught
