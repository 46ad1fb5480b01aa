"""``report.json`` of a capture, the session's instruction log, and the "why nothing was captured" summary.

The report is what a person (or a support ticket) needs to trust or question a capture: which frame,
when, its score and terms, every check with value, band, pass and instruction (the same shape as
``headshot check --json``), what the coach said and when, the files, the engine, the profile, the
source and the package versions.
"""

from __future__ import annotations

import importlib.metadata
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from realtime.capture.crops import CropPlan
from realtime.capture.ready import DEFAULT_WEIGHTS, Scored
from realtime.coach.assessment import Assessment

REPORT_VERSION = 1
MAX_INSTRUCTIONS = 200  # instructions kept per session log (the newest)
PACKAGES = {
    "headshot-studio": "headshot-studio",
    "mediapipe": "mediapipe",
    "onnxruntime": "onnxruntime",
    "opencv": "opencv-contrib-python",
    "numpy": "numpy",
    "pillow": "pillow",
}


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that shape a capture (None when one is missing)."""
    versions: dict[str, str | None] = {}
    for label, dist in PACKAGES.items():
        try:
            versions[label] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[label] = None
    return versions


@dataclass
class SessionLog:
    """What the coach said over a session and which checks failed how often (for reports and timeouts)."""

    # The newest MAX_INSTRUCTIONS only: a preview left running all day changes instruction thousands of
    # times, and every capture's report carries this list.
    instructions: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=MAX_INSTRUCTIONS))
    instructions_dropped: int = 0  # older instructions no longer in ``instructions``
    failures: Counter[str] = field(default_factory=Counter)
    fix_for: dict[str, str] = field(default_factory=dict)  # the last instruction each check gave
    frames: int = 0
    _said: str | None = None

    def add(self, time_s: float, assessment: Assessment | None) -> None:
        self.frames += 1
        if assessment is None:
            return
        for name, check in assessment.checks.items():
            if not check.passed:
                self.failures[name] += 1
                if check.instruction:
                    self.fix_for[name] = check.instruction
        if assessment.instruction != self._said:
            self._said = assessment.instruction
            if assessment.instruction is not None:
                if len(self.instructions) == self.instructions.maxlen:
                    self.instructions_dropped += 1
                self.instructions.append({"time_s": round(time_s, 3), "check": assessment.instruction_check,
                                          "instruction": assessment.instruction})

    def most_failed(self) -> tuple[str, int, str | None] | None:
        """(check, failing frames, its instruction) for the check that failed on the most frames."""
        if not self.failures:
            return None
        # Counter.most_common keeps insertion order among ties: the coach's priority order.
        name, count = self.failures.most_common(1)[0]
        return name, count, self.fix_for.get(name)

    def timeout_summary(self) -> dict[str, Any]:
        worst = self.most_failed()
        return {
            "captured": False,
            "frames": self.frames,
            "most_failed": None if worst is None else {"check": worst[0], "frames": worst[1],
                                                       "instruction": worst[2]},
            "failures": dict(self.failures.most_common()),
        }


def engine_section(info: dict[str, Any]) -> dict[str, Any]:
    """The engine's own description with ``backend`` and ``precision`` always present."""
    section = {"backend": info.get("backend"), "precision": info.get("precision")}
    section.update({k: v for k, v in info.items() if isinstance(v, (str, int, float, bool, type(None)))})
    return section


def build_report(
    *,
    chosen: Scored,
    trigger: str,
    profile: Any,
    files: dict[str, str],
    crops: dict[str, CropPlan],
    log: SessionLog,
    source: dict[str, Any],
    retouch: dict[str, Any],
    window: dict[str, Any],
    created: datetime,
) -> dict[str, Any]:
    c = chosen.candidate
    checks = c.assessment.checks if c.assessment is not None else {}
    crown, chin = c.crown_y, c.face.chin[1]
    return {
        "report_version": REPORT_VERSION,
        "captured": True,
        "trigger": trigger,
        "created": created.isoformat(timespec="seconds"),
        "frame_index": c.frame_id,
        "time_s": round(c.source_time, 4),
        "score": round(chosen.score, 4),
        "score_terms": {k: round(v, 4) for k, v in chosen.terms.items()},
        "score_weights": dict(DEFAULT_WEIGHTS),
        "all_passed": c.all_passed,
        "checks": {name: check.as_json() for name, check in checks.items()},
        "instructions": list(log.instructions),
        "instructions_dropped": log.instructions_dropped,
        "files": dict(files),
        "crops": {name: {**plan.as_json(), "head_fraction": round(plan.head_fraction(crown, chin), 4)}
                  for name, plan in crops.items()},
        "crown": {"y": round(crown, 1), "from_matte": c.crown_from_matte},
        "image_size": [int(c.image.shape[1]), int(c.image.shape[0])],
        "engine": engine_section(c.engine_info),
        "profile": {"name": profile.name, "source": profile.source},
        "retouch": retouch,
        "window": window,
        "source": source,
        "versions": package_versions(),
    }


def summary(report: dict[str, Any], folder: str) -> dict[str, Any]:
    """The short version the CLI prints: where, when, score, and each check's value and verdict in the
    coach's order (the registry's; no second list of "key" checks to fall out of step)."""
    from realtime.coach.registry import CHECK_ORDER

    checks = report.get("checks", {})
    return {
        "folder": folder,
        "report": f"{folder}/report.json",
        "trigger": report["trigger"],
        "frame_index": report["frame_index"],
        "time_s": report["time_s"],
        "score": report["score"],
        "all_passed": report["all_passed"],
        "checks": {name: {"value": checks[name]["value"], "pass": checks[name]["pass"]}
                   for name in CHECK_ORDER if name in checks},
        "upscaled": [name for name, crop in report["crops"].items() if crop["upscaled"]],
    }
