"""``headshot capture --source demo`` end to end (the real pipeline on the scripted session), run twice:
once through the CLI, once through the stage directly, to check the capture time and determinism."""

from __future__ import annotations

import contextlib
import io
import json
import threading
from contextlib import ExitStack
from pathlib import Path

import pytest
from PIL import Image

from realtime.capture.crops import SMALL_PX, good_for
from realtime.capture.stage import CaptureStage
from realtime.cli import main
from realtime.loop import Loop
from realtime.pipeline import PipelineOptions, open_pipeline
from realtime.sources import open_source
from realtime.sources.demo_script import DEMO_SCRIPT, hold_phase

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("caps")
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(["capture", "--source", "demo", "--out", str(out), "--json"])
    return code, json.loads(buffer.getvalue()), out


@pytest.fixture(scope="module")
def stage_run():
    stop = threading.Event()
    with ExitStack() as stack:
        source = stack.enter_context(open_source("demo", live=False))
        pipeline = open_pipeline(PipelineOptions(mirrored=False), stack)
        capture = CaptureStage(pipeline.profile, fps=source.fps, stop=stop)
        Loop(source, [*pipeline.stages, capture], stop=stop).run()
    return capture


def phase_at(t: float) -> str:
    current = DEMO_SCRIPT[0].phase
    for key in DEMO_SCRIPT:
        if key.t <= t:
            current = key.phase
    return current


def test_cli_captures_in_the_hold_phase(cli_run) -> None:
    code, summary, out = cli_run
    assert code == 0
    start, end = hold_phase()
    assert start <= summary["time_s"] < end
    assert phase_at(summary["time_s"]) == "hold"  # never misframed, tilted or side-lit
    folder = Path(summary["folder"])
    assert folder.parent == out and Path(summary["report"]).is_file()


def test_every_check_passes_on_the_chosen_frame(cli_run) -> None:
    _, summary, _ = cli_run
    report = json.loads(Path(summary["report"]).read_text())
    failing = [name for name, check in report["checks"].items() if not check["pass"]]
    assert failing == [] and report["all_passed"] is True
    assert report["trigger"] == "auto" and report["captured"] is True
    assert report["window"]["start_s"] >= hold_phase()[0] - 0.5  # the window opened as the person settled
    assert report["source"]["name"] == "demo" and report["engine"]["backend"]


def test_the_capture_folder_is_complete(cli_run) -> None:
    _, summary, out = cli_run
    folder = Path(summary["folder"])
    report = json.loads((folder / "report.json").read_text())
    assert sorted(p.name for p in out.iterdir()) == [folder.name]  # nothing else, no temporary leftovers
    for name in report["files"].values():
        assert (folder / name).is_file(), name
    sizes = {}
    for crop in ("square", "vertical", "id"):
        with Image.open(folder / report["files"][crop]) as im:
            sizes[crop] = im.size
    # Native size, never invented pixels (#15: only --upscale resizes up): each crop is saved at the size
    # of its box in the 1280x720 frame, and the report says that size and what it is good for.
    crops = report["crops"]
    for crop, minimum in (("square", (800, 800)), ("vertical", (1080, 1350))):
        plan = crops[crop]
        assert plan["upscaled"] is False and summary["upscaled"] == []
        assert tuple(plan["size"]) == tuple(plan["native_px"]) == sizes[crop], crop
        box = plan["box"]
        assert (box[2] - box[0], box[3] - box[1]) == sizes[crop], crop
        assert plan["purpose"] == good_for(crop, sizes[crop], minimum)
        assert f"{sizes[crop][0]}x{sizes[crop][1]} px" in plan["purpose"] and "--upscale" in plan["purpose"]
    assert sizes["square"][0] == sizes["square"][1] >= SMALL_PX  # a framed 720p face: more than a thumbnail
    assert sizes["square"][0] <= 720  # the frame has 720 rows: nothing was resized up to the 800 px ideal
    assert abs(sizes["vertical"][0] * 5 - sizes["vertical"][1] * 4) <= 5  # 4:5 to the pixel
    assert sizes["vertical"][1] == sizes["square"][1]
    # The ID photo: native pixels below 827x1063, so it prints at less than 600 dpi and says so.
    width, height = sizes["id"]
    assert tuple(crops["id"]["size"]) == tuple(crops["id"]["native_px"]) == (width, height)
    assert abs(width * 45 - height * 35) <= 45 and height < 1063
    assert crops["id"]["dpi"] == round(height / (45 / 25.4))
    assert crops["id"]["purpose"].startswith(f"ID photo 35x45 mm, prints at {crops['id']['dpi']} dpi")
    assert 0.70 <= crops["id"]["head_fraction"] <= 0.80


def test_two_runs_choose_the_same_frame(cli_run, stage_run) -> None:
    _, summary, _ = cli_run
    assert len(stage_run.captures) == 1
    chosen = stage_run.captures[0]
    assert chosen.candidate.frame_id == summary["frame_index"]
    assert chosen.chosen.score == pytest.approx(summary["score"], abs=1e-4)
