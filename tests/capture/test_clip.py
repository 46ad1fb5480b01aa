"""A clip made by code from the real photo, through the real pipeline (engine, face, coach, capture):
a still, well-placed person with a blink (frames 30-32) and a motion blur (45-47) inside the ready
stretch. Neither the auto capture nor a manual trigger right after each defect may choose them."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field

import pytest

from realtime.capture.ready import Candidate, rejection
from realtime.capture.stage import CaptureStage
from realtime.frame import FrameResult
from realtime.loop import Loop
from realtime.pipeline import PipelineOptions, open_pipeline
from realtime.sources.frames import FrameListSource
from tests.capture.clip import ready_clip

FRAMES = 80
BLINK = range(30, 33)
BLUR = range(45, 48)
TRIGGERS = (34, 49)  # the booth button pressed right after the blink, and right after the blur


@dataclass
class Recorder:
    """A stage before capture: remembers what each frame measured, and presses the button on cue."""

    capture: CaptureStage
    name: str = "recorder"
    frames: dict[int, FrameResult] = field(default_factory=dict)

    def __call__(self, frame: FrameResult) -> None:
        self.frames[frame.frame_id] = frame
        if frame.frame_id in TRIGGERS:
            self.capture.trigger()


@pytest.fixture(scope="module")
def run(demo_renderer, placed):
    still = [demo_renderer.render(10.0, i) for i in range(FRAMES)]
    images = ready_clip(still, placed.face, blink=BLINK, blur=BLUR)
    with ExitStack() as stack:
        pipeline = open_pipeline(PipelineOptions(mirrored=False), stack)
        capture = CaptureStage(pipeline.profile, fps=30.0)
        recorder = Recorder(capture)
        Loop(FrameListSource(images), [*pipeline.stages, recorder, capture]).run()
    return capture, recorder


def test_auto_capture_is_neither_the_blink_nor_the_blur(run) -> None:
    capture, recorder = run
    auto = [c for c in capture.captures if c.trigger == "auto"]
    assert len(auto) == 1
    chosen = auto[0].candidate
    assert chosen.frame_id not in BLINK and chosen.frame_id not in BLUR
    assert chosen.all_passed and not chosen.face.blinking
    # The window spanned both defects, so they were there to be (not) chosen.
    assert auto[0].window["start_s"] * 30 < BLINK.start and auto[0].window["end_s"] * 30 > BLUR.stop


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_manual_trigger_right_after_a_defect_skips_it(run, trigger: int) -> None:
    capture, _ = run
    manual = [c for c in capture.captures if c.trigger == "manual"]
    assert len(manual) == len(TRIGGERS)
    chosen = next(c for c in manual if abs(c.window["end_s"] - trigger / 30.0) < 1e-3)
    assert chosen.candidate.frame_id < trigger
    assert chosen.candidate.frame_id not in BLINK and chosen.candidate.frame_id not in BLUR
    assert not chosen.candidate.face.blinking


def test_the_defects_were_measured_and_rejected_for_their_reason(run) -> None:
    capture, recorder = run
    limits = capture.limits
    normal = [recorder.frames[i].lighting.sharpness for i in range(36, 44)]
    median = sorted(normal)[len(normal) // 2]
    for i in BLINK:
        face = recorder.frames[i].face
        assert face is not None and face.blinking, i
    for i in BLUR:
        frame = recorder.frames[i]
        assert frame.lighting.sharpness < 0.5 * median, i
        why = rejection(Candidate.from_frame(frame), limits, median)
        assert why in ("blink", "blur", "motion"), i  # blurred eyes also read as closed
