"""The session owns the live settings; results leave the stages on the frame.

A profile change sent to :class:`realtime.session.Session` reaches the coach, the capture stage (its frame
ring sized for the new best-frame window) and the engine settings together, at the top of the next frame
and not before; and a sink added in a few lines gets the capture outcome from the ``FrameResult`` alone.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np

from realtime.capture.stage import CaptureStage
from realtime.coach.coach import Coach
from realtime.coach.profile import load_profile
from realtime.frame import CaptureOutcome, FrameResult
from realtime.loop import Loop
from realtime.pipeline import CoachStage, EngineStage, FaceStage, Pipeline, PipelineOptions, studio_settings
from realtime.session import Session


class RecordingBackend:
    """An engine backend that passes the frame through and remembers the settings of each call."""

    info = {"name": "recording"}

    def __init__(self) -> None:
        self.settings: list = []

    def run(self, image: np.ndarray, settings):
        self.settings.append(settings)
        return SimpleNamespace(alpha=None, image=image)


class NoFace:
    def analyze(self, image: np.ndarray, t: float) -> None:
        return None


def frame(i: int) -> FrameResult:
    return FrameResult(i, float(i), i / 30, np.zeros((72, 128, 3), np.uint8))


def make_pipeline(options: PipelineOptions) -> tuple[Pipeline, RecordingBackend]:
    profile = load_profile(options.profile)
    backend = RecordingBackend()
    engine = EngineStage(backend, studio_settings(profile, options))
    coach = CoachStage(Coach(profile, mirrored=True, background=engine.settings.background))
    return Pipeline(options, engine, FaceStage(NoFace()), coach), backend


def test_profile_change_reaches_coach_capture_ring_and_engine_on_the_next_frame(tmp_path: Path) -> None:
    long_window = tmp_path / "slow.toml"  # a profile whose best-frame window needs a bigger ring
    long_window.write_text('extends = "id"\nname = "slow"\n\n[timing]\nbest_frame_window_s = 6.0\n')
    pipeline, backend = make_pipeline(PipelineOptions(profile="professional"))
    capture = CaptureStage(pipeline.profile, fps=30.0, auto=False)
    session = Session(pipeline, capture)
    loop = Loop(SimpleNamespace(), [*pipeline.stages, capture], session=session)
    loop.process(frame(0))
    old_ring = capture.ring.max_frames
    assert backend.settings[-1].background == "blur"  # professional's

    session.set_profile(str(long_window))
    assert session.profile.name == "slow"  # the session owns the new choice at once ...
    assert pipeline.coach.coach.profile.name == "professional"  # ... the stages get it between frames
    assert capture.profile.name == "professional" and capture.ring.max_frames == old_ring

    loop.process(frame(1))
    assert pipeline.coach.coach.profile.name == "slow"
    assert capture.profile.name == "slow"
    assert capture.ring.max_frames > old_ring  # sized for 6 s instead of 1.5 s
    assert backend.settings[-1].background == "studio"  # the id profile's, on this very frame
    assert pipeline.coach.coach.mirrored  # the mirror the session owns survives the new coach


def test_settings_read_back_at_once_and_apply_in_order() -> None:
    pipeline, backend = make_pipeline(PipelineOptions(profile="professional"))
    session = Session(pipeline)
    loop = Loop(SimpleNamespace(), pipeline.stages, session=session)
    session.set_relight(False)
    assert session.next_background() == "studio" and session.background == "studio" and not session.relight
    session.set_mirrored(False)
    loop.process(frame(0))
    assert backend.settings[-1].background == "studio" and backend.settings[-1].relight is False
    assert pipeline.coach.coach.background == "studio" and pipeline.coach.coach.mirrored is False


def test_a_sink_in_a_few_lines_gets_the_capture_outcome_from_the_frame(tmp_path: Path) -> None:
    class Outcomes:  # the whole sink
        name = "outcomes"
        seen: list[CaptureOutcome | None] = []

        def send(self, frame: FrameResult) -> None:
            self.seen.append(frame.capture)

        def idle(self, source_state: str) -> None: ...

    capture = CaptureStage(load_profile("professional"), out_dir=tmp_path, auto=False)
    sink = Outcomes()
    loop = Loop(SimpleNamespace(), [capture], [sink])
    loop.process(frame(0))
    written = CaptureOutcome(np.zeros((4, 4, 3), np.uint8), str(tmp_path / "headshot-1"), 41)
    capture._outcome = written  # as a write by the stage sets it (a real write needs a face: tests/capture)
    loop.process(frame(1))
    assert sink.seen == [None, written]
