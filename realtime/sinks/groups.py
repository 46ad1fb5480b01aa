"""The coach's 21 checks in six groups a person understands, and their words.

The window's checklist shows one row per group (Framing, Face the camera, Eyes, Expression, Light,
Background) and opens a group's detail on a key; the console summarises a capture in the same words
("Framing good, facing the camera, eyes open, slight smile, light even"). The instruction itself is the
coach's sentence, never reworded here: this module only names and groups what the checks measured.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from realtime.coach.registry import CHECKS, GROUP_TITLES

# (group title, the checks in it, in the coach's order): each check names its group and words where it is
# declared (``realtime/coach/registry.py``). A check name not declared there (a newer coach) lands in "Framing".
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (title, tuple(name for name, spec in CHECKS.items() if spec.group == title)) for title in GROUP_TITLES)

# What each check is about, in plain words (the detail rows of a group).
CHECK_WORDS = {name: spec.words for name, spec in CHECKS.items()}

# A group that passes, said in the capture summary.
GOOD_WORDS = {
    "Framing": "framing good",
    "Face the camera": "facing the camera",
    "Eyes": "eyes open and sharp",
    "Light": "light even",
    "Background": "background clean",
}


def check_words(name: str) -> str:
    return CHECK_WORDS.get(name, name.replace("_", " ").capitalize())


def group_of(name: str) -> str:
    for title, names in GROUPS:
        if name in names:
            return title
    return "Framing"


@dataclass(frozen=True)
class GroupState:
    """One row of the checklist: the group's title, its worst status and the checks in it."""

    title: str
    status: str  # "pass" | "close" | "fail" | "unknown" (nothing in it could be measured)
    checks: tuple[Any, ...]  # the CheckResults in this group, in the coach's order
    failing: tuple[str, ...]  # names of the checks that fail on this frame

    @property
    def passed(self) -> bool:
        return self.status == "pass"


def group_checks(checks: Mapping[str, Any]) -> list[GroupState]:
    """The six group rows for a frame's ``Assessment.checks`` (CheckResult objects), in order."""
    members: dict[str, list[Any]] = {title: [] for title in GROUP_TITLES}
    for name, check in checks.items():
        members[group_of(name)].append(check)
    rows = []
    for title in GROUP_TITLES:
        inside = members[title]
        measured = [c for c in inside if getattr(c, "measured", True)]
        failing = tuple(c.name for c in inside if not c.passed)
        if not measured and not failing:
            status = "unknown"
        elif any(c.status == "fail" and not c.passed for c in inside):
            status = "fail"
        elif failing:
            status = "close"
        else:
            status = "pass"
        rows.append(GroupState(title, status, tuple(inside), failing))
    return rows


def failing_groups(checks: Mapping[str, Any]) -> list[str]:
    """Titles of the groups with a failing check (for "taken, but: Framing, Light")."""
    return [row.title for row in group_checks(checks) if row.failing]


def expression_words(smile: float | None) -> str:
    """The smile score (0 neutral .. 1 broad smile) in words."""
    if smile is None:
        return "expression unknown"
    if smile < 0.15:
        return "neutral expression"
    if smile < 0.6:
        return "slight smile"
    return "smile"


def summary_words(report_checks: Mapping[str, Mapping[str, Any]]) -> str:
    """A capture's checks (``report.json``'s ``checks``: name -> {value, pass, ...}) in one sentence:
    "Framing good, facing the camera, eyes open and sharp, slight smile, light even, background clean".
    A group with a failing check names it instead ("light: Light even on both sides not yet")."""
    parts = []
    for title, names in GROUPS:
        present = [n for n in names if n in report_checks]
        if not present:
            continue
        failing = [n for n in present if not report_checks[n].get("pass", False)]
        if failing:
            parts.append(f"{title.lower()}: {check_words(failing[0]).lower()} not yet")
        elif title == "Expression":
            parts.append(expression_words(report_checks["expression"].get("value")))
        else:
            parts.append(GOOD_WORDS[title])
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


def ready_progress(assessment: Any) -> float:
    """0..1 towards a capture: the share of the six groups that pass, 1.0 once the coach says ready."""
    if assessment is None or not assessment.checks:
        return 0.0
    if assessment.ready:
        return 1.0
    rows = group_checks(assessment.checks)
    return sum(row.passed for row in rows) / len(rows)
