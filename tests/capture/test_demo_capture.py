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
    assert sizes["square"][0] == sizes["square"][1] >= 800
    assert sizes["vertical"][0] * 5 == sizes["vertical"][1] * 4 and sizes["vertical"][1] >= 1350
    assert sizes["id"] == (827, 1063)
    assert 0.70 <= report["crops"]["id"]["head_fraction"] <= 0.80


def test_two_runs_choose_the_same_frame(cli_run, stage_run) -> None:
    _, summary, _ = cli_run
    assert len(stage_run.captures) == 1
    chosen = stage_run.captures[0]
    assert chosen.candidate.frame_id == summary["frame_index"]
    assert chosen.chosen.score == pytest.approx(summary["score"], abs=1e-4)
