"""Live clips: does ``headshot capture --source CLIP`` take a usable photo, or coach what a good coach would?

For every clip listed in ``DATA_DIR/videos/labels.json`` this runs the real capture path (the same
source, pipeline, coach and capture stage as ``headshot capture --source CLIP`` with the default profile:
every frame in order, not paced) and records: captured or not, at which media time, whether that time
lies inside a labelled usable window, the instruction shown on the most frames (and the next ones), the
per-check failure rate, and how calm the coach was (instruction changes, returns to an instruction
dropped less than 2 s before). Each clip gets a pass/fail line against issue #13's "Done when":

- a clip with a usable window and ``expect`` "capture ...": captured inside a window, or (when ``expect``
  names an alternative after "or") the top instruction is that alternative;
- a clip without a usable moment: nothing captured and the top instruction is one of the coaching
  words in ``expect`` ("move back", "move closer", "hold still", "mouth / expression").

Labels are approximate (judged by eye from 1-fps contact sheets), so a capture up to ``WINDOW_SLACK_S``
outside a window's edge still counts as inside it; the report says so.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from realtime.evaluate.report import Section

WINDOW_SLACK_S = 0.25  # labels are by eye at 1 fps: this much past a window's edge still counts
RETURN_S = 2.0  # an instruction that comes back this soon after it was replaced is a flip-flop
SAMPLED = ("head_size", "eye_line", "headroom", "distance_cm", "exposure", "backlight", "yaw_deg", "pitch_deg")
TOP_SHARE = 0.15  # an instruction shown on at least this share of the instruction frames is "top"

# Coaching words in labels.json's ``expect`` -> the instruction kinds that satisfy them.
EXPECT_KINDS: dict[str, tuple[str, ...]] = {
    "move back": ("back",),
    "move closer": ("closer",),
    "hold still": ("still",),
    "mouth": ("mouth",),
    "expression": ("mouth",),
    "tilt the camera": ("tilt",),
    "coach the turn": ("turn",),
}


def instruction_kind(check: str | None, text: str | None) -> str | None:
    """What an instruction asks for, in the label's words: back, closer, tilt, still, mouth, turn, other."""
    if not text:
        return None
    low = text.lower()
    if "closer" in low:
        return "closer"
    if " back" in low or low.startswith("step back"):
        return "back"
    if "tilt the camera" in low or "camera" in low and check in ("eye_line", "headroom"):
        return "tilt"
    if "hold still" in low:
        return "still"
    if check == "expression":
        return "mouth"
    if check in ("yaw", "gaze"):
        return "turn"
    return "other"


@dataclass
class ClipResult:
    name: str
    usable: list[tuple[float, float]]
    expect: str
    frames: int = 0
    duration_s: float = 0.0
    captured: bool = False
    capture_s: float | None = None
    in_window: bool | None = None
    capture_folder: str | None = None
    instructions: Counter[tuple[str, str]] = field(default_factory=Counter)  # (check, text) -> frames shown
    kinds: Counter[str] = field(default_factory=Counter)  # instruction kind -> frames shown
    first_instruction: str | None = None
    failures: Counter[str] = field(default_factory=Counter)  # check -> frames it failed
    changes: int = 0  # times the shown instruction changed to another one
    returns: int = 0  # an instruction came back within RETURN_S of being replaced
    ready_frames: int = 0
    samples: list[tuple[float, dict[str, float]]] = field(default_factory=list)  # (t, framing measurements)

    @property
    def top(self) -> list[tuple[str, str, int]]:
        """Instructions shown on at least ``TOP_SHARE`` of the instruction frames, most shown first."""
        total = sum(self.instructions.values())
        ranked = self.instructions.most_common()
        return [(c, t, n) for (c, t), n in ranked if total and n >= TOP_SHARE * total][:3] or [
            (c, t, n) for (c, t), n in ranked[:1]]

    @property
    def top_kind(self) -> str | None:
        """The kind of instruction shown on the most frames ("Move about 5 cm back" and "Step back so your
        shoulders show" are both "back": the amount in the words does not split the count)."""
        return self.kinds.most_common(1)[0][0] if self.kinds else None

    def expected_kinds(self) -> set[str]:
        words = self.expect.lower()
        coaching = words.split(";", 1)[1] if ";" in words else words.split(" or ", 1)[1] if " or " in words else ""
        return {kind for key, kinds in EXPECT_KINDS.items() if key in coaching for kind in kinds}

    @property
    def verdict(self) -> tuple[bool, str]:
        """Pass/fail against the issue's "Done when", and why."""
        kinds = self.expected_kinds()
        top = self.top_kind
        if self.usable:
            if self.captured and self.in_window:
                return True, f"captured at {self.capture_s:.2f} s, inside a usable window"
            if kinds and top in kinds:
                return True, f"coached '{top}' as the label allows" + (
                    f" (captured at {self.capture_s:.2f} s, outside the windows)" if self.captured else "")
            if self.captured:
                return False, f"captured at {self.capture_s:.2f} s, outside every usable window"
            alternative = " or " + "/".join(sorted(kinds)) if kinds else ""
            return False, f"not captured; top instruction '{top}' (expected a capture{alternative})"
        if self.captured:
            return False, f"captured at {self.capture_s:.2f} s but the clip has no usable moment"
        if top in kinds:
            return True, f"no capture; top instruction '{top}' as expected"
        return False, f"no capture, but top instruction '{top}' (expected {'/'.join(sorted(kinds)) or '?'})"

    def figures(self) -> dict[str, float | int | str]:
        ok, _ = self.verdict
        p = f"clips.{self.name}."
        out: dict[str, float | int | str] = {
            p + "captured": int(self.captured),
            p + "capture_s": -1.0 if self.capture_s is None else round(self.capture_s, 3),
            p + "in_window": int(bool(self.in_window)), p + "top_kind": self.top_kind or "none",
            p + "top_instruction": self.top[0][1] if self.top else "none", p + "pass": int(ok),
            p + "changes": self.changes, p + "returns_2s": self.returns, p + "frames": self.frames,
        }
        for check, n in self.failures.items():
            out[p + f"fail.{check}"] = round(n / max(self.frames, 1), 4)
        return out


class _Recorder:
    """Loop sink: counts instructions, failures and instruction changes per frame (the coach's output)."""

    name = "eval-recorder"

    def __init__(self, result: ClipResult) -> None:
        self.r = result
        self._shown: str | None = None
        self._dropped: dict[str, float] = {}  # text -> when it was last replaced

    def send(self, frame: Any) -> None:
        r, a = self.r, frame.assessment
        r.frames += 1
        r.duration_s = max(r.duration_s, frame.source_time)
        if a is None:
            return
        r.ready_frames += int(a.ready)
        r.samples.append((frame.source_time, {k: a.info[k] for k in SAMPLED if k in a.info}))
        for name, check in a.checks.items():
            if not check.passed_on_frame:  # the frame's own verdict, not the coach's steady one
                r.failures[name] += 1
        text = a.instruction
        if text:
            r.instructions[(a.instruction_check or "?", text)] += 1
            kind = instruction_kind(a.instruction_check, text)
            if kind:
                r.kinds[kind] += 1
            if r.first_instruction is None:
                r.first_instruction = text
        if text != self._shown:
            if self._shown is not None and text is not None:
                r.changes += 1
            if text is not None and frame.source_time - self._dropped.get(text, -1e9) < RETURN_S:
                r.returns += 1
            if self._shown is not None:
                self._dropped[self._shown] = frame.source_time
            self._shown = text

    def idle(self, source_state: str) -> None:
        pass


def load_labels(data_dir: Path) -> dict[str, dict[str, Any]]:
    path = Path(data_dir) / "videos" / "labels.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: expected DATA_DIR/videos/labels.json (see devdata README)")
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in raw.items() if not k.startswith("_")}


def in_window(t: float, usable: list[tuple[float, float]], slack: float = WINDOW_SLACK_S) -> bool:
    return any(a - slack <= t <= b + slack for a, b in usable)


def run_clip(path: Path, label: dict[str, Any], *, profile: str = "professional",
             background: str | None = None, out_dir: Path | None = None) -> ClipResult:
    """One clip through the real capture path (as ``headshot capture --source CLIP``, file not paced)."""
    from realtime.capture.stage import CaptureStage
    from realtime.loop import Loop
    from realtime.pipeline import PipelineOptions, open_pipeline
    from realtime.sources import open_source

    result = ClipResult(path.name.rsplit(".", 1)[0], [tuple(w) for w in label.get("usable", [])],
                        str(label.get("expect", "")))
    options = PipelineOptions(profile=profile, background=background, mirrored=False)
    stop = threading.Event()
    with ExitStack() as stack:
        source = stack.enter_context(open_source(str(path), live=False))
        pipeline = open_pipeline(options, stack)
        stage = CaptureStage(pipeline.profile, out_dir=out_dir, fps=source.fps, auto=True, once=True,
                             stop=stop, source_info=source.describe())
        Loop(source, [*pipeline.stages, stage], [_Recorder(result)], stop=stop).run()
        if not stage.captures:
            stage.finish()
    if stage.captures:
        capture = stage.captures[0]
        result.captured = True
        result.capture_s = float(capture.candidate.source_time)
        result.in_window = in_window(result.capture_s, result.usable)
        result.capture_folder = str(capture.folder) if capture.folder else None
    return result


def run(data_dir: Path, *, limit: int | None = None, progress: Any = None,
        out_dir: Path | None = None, background: str | None = None) -> Section:
    """Every labelled clip (the first ``limit``), as a :class:`Section` for docs/QUALITY.md."""
    labels = load_labels(Path(data_dir))
    names = sorted(labels, key=lambda n: (not labels[n].get("usable"), n))[:limit]
    results = []
    for name in names:
        if progress is not None:
            progress(f"clips: {name}")
        results.append(run_clip(Path(data_dir) / "videos" / name, labels[name], background=background,
                                out_dir=out_dir / name.rsplit(".", 1)[0] if out_dir else None))
    return section(results)


def section(results: list[ClipResult]) -> Section:
    from realtime.evaluate.clips_text import NOTES, render

    figures: dict[str, float | int | str] = {}
    for r in results:
        figures.update(r.figures())
    passed = sum(r.verdict[0] for r in results)
    figures.update({"clips.count": len(results), "clips.passed": passed,
                    "clips.returns_2s": sum(r.returns for r in results)})
    return Section(title="Live clips: capture and coaching", markdown=render(results, NOTES), figures=figures)
