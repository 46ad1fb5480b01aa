"""Still photos of real people (``headshot eval --only photos``): pose, eyes, smile, portraits, exposure.

Every photo goes through the product's own photo path: ``FaceAnalyzer(static_images=True)`` (no
tracking, no per-person eye baseline: a still is judged on its own), ``measure_lighting`` and
``evaluate`` with the profile, as ``headshot check`` runs them (``realtime.commands.check.grade``).

Data (laid out like ``../shared/devdata``, ground truth in ``manifest.json``):

- ``pose/``: AFLW2000-3D faces. Their yaw is positive toward the viewer's left, ours toward the
  person's own left (the image's right): ours = -AFLW yaw, measured (correlation -0.99 before the
  sign flip). Pitch and roll share our signs. Faces with |yaw| > 45 are left out (the 3D fit's labels
  are noisy there and a headshot never gets there).
- ``eyes/closed``, ``eyes/open``: tight crops, padded by ``EYE_PAD`` of their side on every side with
  the analyzer's grey before detection (the mesh's detector needs margin around a face).
- ``smile/``: GENKI-4K, human smile labels. AUC of the smile score; pass/fail accuracy of the ID
  profile's expression check (a neutral face passes, a smile fails: the only profile where smiling
  decides pass or fail).
- ``segmentation/images``: the good single-person portraits listed in ``PORTRAITS`` (chosen by eye
  from a contact sheet of all 276 photos before any check was run: one person, colour, facing the
  camera, head and shoulders or chest up, face unobstructed; no sunglasses, no historic black and
  white prints). Per-check pass rates with the default profile, as ``headshot check`` grades them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from realtime.errors import ConfigError
from realtime.evaluate.photos_text import markdown
from realtime.evaluate.report import Section

EYE_PAD = 0.5
MAX_YAW_DEG = 45.0
PORTRAITS = (
    "003", "006", "009", "015", "024", "027", "030", "038", "041", "042", "044", "046", "057", "058",
    "062", "071", "073", "076", "080", "082", "084", "095", "099", "104", "110", "111", "112", "115",
    "264", "283", "288",
)
_GREY = (114, 114, 114)

Progress = Callable[[str], None]


def manifest(data_dir: Path) -> dict[str, dict[str, Any]]:
    """``file -> ground_truth`` from the data's manifest.json (ConfigError when it is missing)."""
    path = data_dir / "manifest.json"
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}", "give a data folder laid out like ../shared/devdata") from exc
    return {e["file"]: e.get("ground_truth", {}) for e in entries}


def auc(scores_pos: np.ndarray, scores_neg: np.ndarray) -> float:
    """Area under the ROC curve: chance a positive outscores a negative (ties count half)."""
    pos, neg = np.asarray(scores_pos, float)[:, None], np.asarray(scores_neg, float)[None, :]
    if pos.size == 0 or neg.size == 0:
        return float("nan")
    return float(((pos > neg).sum() + 0.5 * (pos == neg).sum()) / (pos.size * neg.size))


def pad(image: np.ndarray, fraction: float = EYE_PAD) -> np.ndarray:
    """A tight face crop with ``fraction`` of its side added on every side (the analyzer's grey)."""
    p = int(round(fraction * max(image.shape[:2])))
    return cv2.copyMakeBorder(image, p, p, p, p, cv2.BORDER_CONSTANT, value=_GREY)


class PhotoGrader:
    """The product's photo path, opened once: analyzer, optional matte, profiles."""

    def __init__(self, stack: ExitStack, *, matte: bool = True) -> None:
        from realtime.commands.check import open_matte
        from realtime.face.analyzer import FaceAnalyzer

        self.analyzer = stack.enter_context(FaceAnalyzer(static_images=True))
        self.matte = open_matte(stack)[0] if matte else None

    def face(self, image: np.ndarray) -> Any:
        return self.analyzer.analyze(image, 0.0)

    def grade(self, image: np.ndarray, profile: Any) -> dict[str, Any]:
        from realtime.commands.check import grade

        return grade(image, self.analyzer, self.matte, profile)


def _read(path: Path) -> np.ndarray | None:
    from realtime.commands.check import read_image

    return read_image(path)


def _files(data_dir: Path, sub: str, limit: int | None) -> list[Path]:
    folder = data_dir / sub
    if not folder.is_dir():
        return []
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    return files[:limit] if limit else files


def pose_figures(grader: PhotoGrader, data_dir: Path, truth: dict[str, dict], limit: int | None) -> dict[str, Any]:
    """Per angle: MAE and signed bias (ours - label) over faces with |yaw| <= MAX_YAW_DEG."""
    errors: dict[str, list[float]] = {"pitch": [], "yaw": [], "roll": []}
    missed = excluded = 0
    for path in _files(data_dir, "pose", limit):
        label = truth.get(f"pose/{path.name}", {}).get("pose_deg")
        image = _read(path)
        if label is None or image is None:
            continue
        want = {"pitch": label["pitch"], "yaw": -label["yaw"], "roll": label["roll"]}  # AFLW yaw sign flipped
        if abs(want["yaw"]) > MAX_YAW_DEG:
            excluded += 1
            continue
        face = grader.face(image)
        if face is None:
            missed += 1
            continue
        got = {"pitch": face.pitch_deg, "yaw": face.yaw_deg, "roll": face.roll_deg}
        for angle in errors:
            errors[angle].append(got[angle] - want[angle])
    out: dict[str, Any] = {"pose.faces": len(errors["pitch"]), "pose.missed": missed,
                           "pose.excluded_yaw_over_45": excluded}
    for angle, errs in errors.items():
        e = np.array(errs) if errs else np.array([np.nan])
        out[f"pose.{angle}.bias_deg"] = round(float(e.mean()), 2)
        out[f"pose.{angle}.mae_deg"] = round(float(np.abs(e).mean()), 2)
        out[f"pose.{angle}.sd_deg"] = round(float(e.std()), 2)
    return out


def eye_figures(grader: PhotoGrader, data_dir: Path, profile: Any, limit: int | None) -> dict[str, Any]:
    """Closed-eye recall (the eyes check fails) and open-eye false alarms (it fails on open eyes)."""
    out: dict[str, Any] = {}
    openings: dict[str, list[float]] = {}
    for kind in ("closed", "open"):
        fails = found = missed = 0
        values: list[float] = []
        for path in _files(data_dir, f"eyes/{kind}", limit):
            image = _read(path)
            if image is None:
                continue
            report = grader.grade(pad(image), profile)
            if report["faces"] == 0:
                missed += 1
                continue
            found += 1
            check = report["checks"]["eyes_open"]
            fails += not check["pass"]
            values.append(float(check["value"]))
        openings[kind] = values
        rate = fails / found if found else float("nan")
        key = "eyes.closed_recall" if kind == "closed" else "eyes.open_false_alarms"
        out[key] = round(rate, 4)
        out[f"eyes.{kind}.faces"] = found
        out[f"eyes.{kind}.missed"] = missed
        if values:
            out[f"eyes.{kind}.opening_p05"] = round(float(np.percentile(values, 5)), 4)
            out[f"eyes.{kind}.opening_p50"] = round(float(np.percentile(values, 50)), 4)
            out[f"eyes.{kind}.opening_p95"] = round(float(np.percentile(values, 95)), 4)
    out["eyes.opening_auc"] = round(auc(np.array(openings["open"]), np.array(openings["closed"])), 4)
    return out


def smile_figures(grader: PhotoGrader, data_dir: Path, truth: dict[str, dict], id_profile: Any,
                  limit: int | None) -> dict[str, Any]:
    scores: dict[int, list[float]] = {0: [], 1: []}
    right = total = missed = 0
    for path in _files(data_dir, "smile", limit):
        label = truth.get(f"smile/{path.name}", {}).get("smile")
        image = _read(path)
        if label is None or image is None:
            continue
        report = grader.grade(image, id_profile)
        if report["faces"] == 0:
            missed += 1
            continue
        scores[int(label)].append(float(report["measurements"]["smile"]))
        neutral_passes = report["checks"]["expression"]["pass"]
        right += neutral_passes == (label == 0)
        total += 1
    smiling, neutral = np.array(scores[1]), np.array(scores[0])
    out: dict[str, Any] = {
        "smile.faces": total, "smile.missed": missed,
        "smile.auc": round(auc(smiling, neutral), 4),
        "smile.id_expression_accuracy": round(right / total, 4) if total else float("nan"),
    }
    for name, values in (("smiling", smiling), ("neutral", neutral)):
        if values.size:
            out[f"smile.{name}.score_p50"] = round(float(np.median(values)), 3)
    return out


def portrait_figures(grader: PhotoGrader, data_dir: Path, profile: Any, limit: int | None) -> dict[str, Any]:
    """Per-check pass rates over ``PORTRAITS`` with ``profile``, plus the raw measurements' spread."""
    names = PORTRAITS[:limit] if limit else PORTRAITS
    passes: dict[str, int] = {}
    values: dict[str, list[float]] = {}
    graded = whole = 0
    for name in names:
        image = _read(data_dir / "segmentation" / "images" / f"{name}.jpg")
        if image is None:
            continue
        report = grader.grade(image, profile)
        graded += 1
        whole += bool(report["headshot"])
        for check, data in report["checks"].items():
            passes[check] = passes.get(check, 0) + bool(data["pass"])
        for key, value in report["measurements"].items():
            if value is not None:
                values.setdefault(key, []).append(float(value))
    out: dict[str, Any] = {"portraits.graded": graded, "portraits.headshot": whole}
    for check, count in passes.items():
        out[f"portraits.pass.{check}"] = round(count / graded, 3)
    for key in ("pitch_deg", "yaw_deg", "roll_deg", "exposure_stops", "exposure", "backlight", "eyes_open", "smile",
                "faces"):
        if values.get(key):
            v = np.array(values[key])
            out[f"portraits.{key}.p05"] = round(float(np.percentile(v, 5)), 3)
            out[f"portraits.{key}.p50"] = round(float(np.percentile(v, 50)), 3)
            out[f"portraits.{key}.p95"] = round(float(np.percentile(v, 95)), 3)
            if key.endswith("_deg"):
                out[f"portraits.{key}.abs_p90"] = round(float(np.percentile(np.abs(v), 90)), 2)
    return out


def run(data_dir: Path, *, limit: int | None = None, progress: Progress | None = None) -> Section:
    """Every photo figure over ``data_dir`` (see the module docstring)."""
    from realtime.coach.profile import DEFAULT_PROFILE, load_profile
    from realtime.evaluate.ev_sweep import ev_figures

    say = progress or (lambda _m: None)
    truth = manifest(data_dir)
    profile, id_profile = load_profile(DEFAULT_PROFILE), load_profile("id")
    figures: dict[str, Any] = {"profile": profile.name}
    with ExitStack() as stack:
        grader = PhotoGrader(stack)
        say("pose")
        figures.update(pose_figures(grader, data_dir, truth, limit))
        say("eyes")
        figures.update(eye_figures(grader, data_dir, profile, limit))
        say("smile")
        figures.update(smile_figures(grader, data_dir, truth, id_profile, limit))
        say("portraits")
        figures.update(portrait_figures(grader, data_dir, profile, limit))
        say("exposure at -1.5/0/+1.5 EV")
        figures.update(ev_figures(grader, data_dir, profile, limit))
    return Section(title="Photos: pose, eyes, smile, portraits, exposure", markdown=markdown(figures),
                   figures=figures)
