"""The evaluator: measures the product on a folder of real data (``headshot eval DATA_DIR``).

Each part lives in its own module exposing ``run(data_dir, *, limit=None, progress=None) -> Section``
(see :mod:`realtime.evaluate.report`). ``PARTS`` maps part names to modules, in report order; a part
whose module is not built yet is skipped by :func:`available_parts`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from realtime.evaluate.report import Section, Stamp, write_quality

PARTS: dict[str, str] = {
    "photos": "realtime.evaluate.photos",
    "clips": "realtime.evaluate.clips",
    "matte": "realtime.evaluate.matte",
    "stills": "realtime.evaluate.stills",
}

Progress = Callable[[str], None]


class Part(Protocol):
    def run(self, data_dir: Path, *, limit: int | None = None, progress: Progress | None = None) -> Section: ...


def available_parts() -> list[str]:
    """Names of the parts whose module exists, in report order."""
    found = []
    for name, module in PARTS.items():
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                continue
            raise
        found.append(name)
    return found


def load_part(name: str) -> Part:
    """The module of one part (``KeyError`` for an unknown name)."""
    return importlib.import_module(PARTS[name])  # type: ignore[return-value]


__all__ = ["PARTS", "Part", "Progress", "Section", "Stamp", "available_parts", "load_part", "write_quality"]
