"""The markdown of the clips section: the per-clip table, the failure table, and why the bands are what they are."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from realtime.evaluate.clips import ClipResult

SHOWN_CHECKS = ("face_found", "head_size", "horizontal_centring", "eye_line", "headroom", "shoulders", "yaw",
                "pitch", "gaze", "eyes_open", "expression", "exposure", "evenness", "backlight", "sharpness",
                "motion", "background")

WHY = """
How to read it: every clip runs through `headshot capture --source CLIP` with the default profile (every
frame, not paced). *In window* allows 0.25 s past a labelled window's edge (labels are by eye, 1 fps).
*Top instruction* is the one shown on the most frames; *calm* counts instruction changes and returns of
an instruction within 2 s of being replaced (0 is the goal). The failure table gives the share of frames
on which each check failed (not the instructions shown: hysteresis and priority pick one of them).
"""


def _fmt_window(usable: list[tuple[float, float]]) -> str:
    return ", ".join(f"{a:g}-{b:g}" for a, b in usable) or "none"


def render(results: list[ClipResult], notes: str = "") -> str:
    passed = sum(r.verdict[0] for r in results)
    lines = [f"**{passed} of {len(results)} clips meet the issue's \"Done when\".**", "", WHY.strip(), "",
             "| clip | usable (s) | captured | at (s) | in window | top instruction (share of frames shown) "
             "| changes / 2-s returns | expect | verdict |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        total = sum(r.instructions.values())
        top = "; ".join(f"{t} ({n / max(total, 1):.0%})" for _, t, n in r.top) or "none"
        ok, why = r.verdict
        lines.append(
            f"| {r.name} | {_fmt_window(r.usable)} | {'yes' if r.captured else 'no'} | "
            f"{'' if r.capture_s is None else f'{r.capture_s:.2f}'} | "
            f"{'' if r.in_window is None else ('yes' if r.in_window else 'no')} | {top} | "
            f"{r.changes} / {r.returns} | {r.expect} | {'PASS' if ok else 'FAIL'}: {why} |")
    lines += ["", "Share of frames on which each check failed:", "",
              "| clip | frames | " + " | ".join(SHOWN_CHECKS) + " |",
              "|---|---|" + "---|" * len(SHOWN_CHECKS)]
    for r in results:
        cells = [f"{r.failures.get(c, 0) / max(r.frames, 1):.0%}" if r.failures.get(c) else "" for c in SHOWN_CHECKS]
        lines.append(f"| {r.name} | {r.frames} | " + " | ".join(cells) + " |")
    if notes.strip():
        lines += ["", notes.strip()]
    return "\n".join(lines) + "\n"
