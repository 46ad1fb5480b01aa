"""Evaluator sections and the docs/QUALITY.md writer.

Each part of the evaluator (photos, clips, matte) returns one :class:`Section`. ``headshot eval --write``
puts every section between two HTML comment markers named after its part, so a later run of one part
(``--only clips``) replaces that part's section and keeps the others as they were: engineers can rerun
their own part without erasing someone else's figures. Each section carries the date and git commit it
was measured at, because the parts are rerun at different times.
"""

from __future__ import annotations

import datetime as _dt
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

Figure = float | int | str

HEADER = (
    "# Quality on real people\n\n"
    "Written by `headshot eval DATA_DIR --write docs/QUALITY.md`; each part is rerun on its own "
    "(`--only photos|clips|matte`) and replaces only its own section. Do not edit between the markers "
    "by hand: the next run overwrites it.\n"
)
_BEGIN = "<!-- eval:{name} begin -->"
_END = "<!-- eval:{name} end -->"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Section:
    """One part's result: a markdown body (tables plus why each band is what it is) and flat figures.

    ``figures`` is flat and machine readable (``{"pose.pitch.bias_deg": 0.4, ...}``): tests and
    ``headshot eval --json`` use it; the markdown is for people.
    """

    title: str
    markdown: str
    figures: dict[str, Figure] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise ValueError("section title is empty: give the part a title")
        for key, value in self.figures.items():
            if not isinstance(key, str) or not isinstance(value, (int, float, str)) or isinstance(value, bool):
                raise ValueError(f"figure {key!r}: expected str key and int/float/str value, got {value!r}")


@dataclass(frozen=True)
class Stamp:
    """When and at which commit a section was measured."""

    date: str
    commit: str

    @classmethod
    def now(cls, repo: Path | None = None) -> Stamp:
        return cls(date=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                   commit=git_commit(repo))


def git_commit(repo: Path | None = None) -> str:
    """Short commit of the working tree (``+dirty`` when files differ), or ``unknown`` outside git."""
    cwd = repo or Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(["git", "rev-parse", "--short=10", "HEAD"], cwd=cwd, capture_output=True,
                              text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
                               capture_output=True, text=True, check=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}+dirty" if dirty else head


def render_section(name: str, section: Section, stamp: Stamp) -> str:
    """The marked block for one part: markers, title, stamp line, body."""
    if not _NAME.match(name):
        raise ValueError(f"part name {name!r}: expected lowercase letters, digits and _")
    body = section.markdown.strip("\n")
    return (f"{_BEGIN.format(name=name)}\n## {section.title}\n\n"
            f"_Measured {stamp.date} at commit `{stamp.commit}`._\n\n{body}\n{_END.format(name=name)}\n")


def merge(existing: str, blocks: Mapping[str, str]) -> str:
    """``existing`` QUALITY.md text with each named block replaced in place (or appended, in order)."""
    text = existing if existing.strip() else HEADER
    for name, block in blocks.items():
        pattern = re.compile(re.escape(_BEGIN.format(name=name)) + r".*?" + re.escape(_END.format(name=name))
                             + r"\n?", re.DOTALL)
        if pattern.search(text):
            text = pattern.sub(lambda _m, b=block: b, text, count=1)
        else:
            text = text.rstrip("\n") + "\n\n" + block
    return text


def write_quality(path: Path, sections: Mapping[str, Section], stamp: Stamp | None = None) -> str:
    """Replace the given parts' sections in ``path`` (created when absent), atomically; return the text."""
    from realtime.mediafiles import atomic_write

    path = Path(path)
    stamp = stamp or Stamp.now()
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    text = merge(existing, {name: render_section(name, s, stamp) for name, s in sections.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text.encode("utf-8"))
    return text
