"""A recorded clip that ends inside a passing run shorter than the ready hold still gets its best frame
(issue #13: d0 ends on a usable 0.4-s moment); a run too short, or a failing end, does not."""

from __future__ import annotations

import numpy as np
import pytest

from realtime.capture.stage import ENDED_IN_HOLD_SHARE, CaptureStage
from realtime.coach.coach import Coach
from realtime.coach.profile import load_profile
from realtime.frame import FrameResult
from tests.coach.builders import face, lighting

FPS = 25.0


def _frames(kinds: list[str]):
    profile = load_profile("professional")
    coach = Coach(profile, mirrored=False)
    good, bad = face(), face(yaw_deg=30.0)
    image = np.zeros((720, 1280, 3), np.uint8)
    for i, kind in enumerate(kinds):
        t = i / FPS
        frame = FrameResult(i, t, t, image)
        frame.face = good if kind == "g" else bad
        frame.lighting = lighting()
        frame.assessment = coach.assess(frame.face, frame.lighting, None, t)
        yield frame


@pytest.mark.parametrize(("good_at_end_s", "captured"), [(0.0, False), (0.2, False), (0.4, True), (0.6, True)])
def test_clip_ending_in_a_passing_run(good_at_end_s: float, captured: bool) -> None:
    profile = load_profile("professional")
    assert (good_at_end_s >= ENDED_IN_HOLD_SHARE * profile.timing.ready_hold_s) is captured
    n_good = int(round(good_at_end_s * FPS))
    stage = CaptureStage(profile, fps=FPS, auto=True, once=True)
    for frame in _frames(["b"] * 25 + ["g"] * n_good):
        stage(frame)
    assert not stage.captures  # never before the end: the ready hold was not reached
    capture = stage.finish()
    assert (capture is not None) is captured
    if capture is not None:
        assert capture.candidate.source_time >= 25 / FPS - 1e-9  # from the passing run, not before it
        assert capture.window["closed_early"] is True
