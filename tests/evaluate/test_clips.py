"""The clips evaluator: verdicts against labels (table-driven, no video), one clip made by code through
the real capture path, and one real dev clip (skipped without ../shared/devdata)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import pytest

from realtime.evaluate import clips
from realtime.evaluate.clips import ClipResult, in_window, instruction_kind

DEVDATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "devdata"


@pytest.mark.parametrize(("check", "text", "kind"), [
    ("head_size", "Move about 5 cm back", "back"),
    ("shoulders", "Step back so your shoulders show", "back"),
    ("face_found", "Move about 70 cm closer to the camera", "closer"),
    ("headroom", "Tilt the camera up a little", "tilt"),
    ("eye_line", "Sit up tall, or lower the camera a little", "tilt"),
    ("motion", "Hold still", "still"),
    ("expression", "Close your mouth", "mouth"),
    ("yaw", "Turn your head slightly to your left", "turn"),
    ("exposure", "Add light in front of you", "other"),
    (None, None, None),
])
def test_instruction_kinds(check, text, kind) -> None:
    assert instruction_kind(check, text) == kind


def _result(usable, expect, *, captured_at=None, kinds=()) -> ClipResult:
    r = ClipResult("x", usable, expect)
    for kind, n in kinds:
        text = {"back": "Move about 5 cm back", "closer": "Move about 5 cm closer", "tilt": "Tilt the camera up",
                "mouth": "Close your mouth", "turn": "Turn your head slightly to your left"}[kind]
        check = {"mouth": "expression", "turn": "yaw"}.get(kind, "head_size")
        r.instructions[(check, text)] += n
        r.kinds[kind] += n
    if captured_at is not None:
        r.captured, r.capture_s, r.in_window = True, captured_at, in_window(captured_at, usable)
    return r


@pytest.mark.parametrize(("usable", "expect", "captured_at", "kinds", "ok"), [
    ([(0.0, 2.0)], "capture", 1.0, [], True),
    ([(0.0, 2.0)], "capture", 2.2, [], True),  # within the labels' slack
    ([(0.0, 2.0)], "capture", 3.0, [], False),
    ([(0.0, 2.0)], "capture", None, [("back", 10)], False),
    ([(0.0, 2.0)], "capture in a usable window, or ask to move back / tilt the camera", None, [("back", 5)], True),
    ([(3.0, 5.5)], "capture after 3 s ..., or coach the turn", None, [("turn", 5), ("closer", 2)], True),
    ([], "no capture; move back", None, [("back", 6), ("tilt", 5)], True),
    ([], "no capture; move back", None, [("tilt", 6), ("back", 5)], False),
    ([], "no capture; move back", 1.0, [("back", 6)], False),
    ([], "no capture; hold still / move back", None, [("back", 6)], True),
    ([], "no capture; mouth / expression coaching", None, [("mouth", 6), ("closer", 1)], True),
])
def test_verdicts_follow_the_done_when(usable, expect, captured_at, kinds, ok) -> None:
    assert _result(usable, expect, captured_at=captured_at, kinds=kinds).verdict[0] is ok


def test_section_has_a_row_and_figures_per_clip() -> None:
    results = [_result([], "no capture; move back", kinds=[("back", 3)]),
               _result([(0.0, 1.0)], "capture", captured_at=0.5)]
    results[1].name = "y"
    results[0].failures = Counter({"head_size": 3})
    results[0].frames = 4
    section = clips.section(results)
    assert section.figures["clips.passed"] == 2 and section.figures["clips.x.fail.head_size"] == 0.75
    assert "| x |" in section.markdown and "| y |" in section.markdown


def _write_clip(path: Path, frames: int = 20) -> None:
    from skimage import data

    face = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 25.0, (512, 512))
    try:
        for _ in range(frames):
            writer.write(np.ascontiguousarray(face))
    finally:
        writer.release()


def test_a_clip_made_by_code_runs_through_the_capture_path(tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    _write_clip(videos / "a.mp4")
    (videos / "labels.json").write_text(json.dumps({"_about": "test", "a.mp4": {"usable": [],
                                                                                "expect": "no capture; move back"}}))
    section = clips.run(tmp_path)
    assert section.figures["clips.count"] == 1 and section.figures["clips.a.frames"] == 20
    assert "| a |" in section.markdown


def test_missing_labels_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="labels.json"):
        clips.run(tmp_path)


@pytest.mark.skipif(not (DEVDATA / "videos" / "labels.json").is_file(), reason="../shared/devdata is absent")
def test_d0_is_captured_inside_its_usable_window() -> None:
    labels = clips.load_labels(DEVDATA)
    result = clips.run_clip(DEVDATA / "videos" / "d0.mp4", labels["d0.mp4"])
    assert result.frames > 0
    assert result.verdict[0], result.verdict[1]
