"""The coach on the scripted demo session (a real photo moved, tilted and lit by code), through the real face
analyzer in tracking mode: instructions follow the story in priority order, never flicker back, and the
session ends ready."""

from __future__ import annotations

import pytest

from realtime.coach.coach import Coach
from realtime.coach.profile import load_profile
from realtime.face.analyzer import FaceAnalyzer
from realtime.face.lighting import measure_lighting
from realtime.sources.demo import DemoRenderer
from realtime.sources.demo_script import DEMO_DURATION_S, hold_phase

pytestmark = pytest.mark.slow  # ~3 s of CPU: 131 frames through MediaPipe

FPS = 10.0  # a third of the demo's rate keeps the test quick; the hold times are in seconds, not frames


@pytest.fixture(scope="module")
def session() -> list[tuple[float, object]]:
    renderer = DemoRenderer()
    coach = Coach(load_profile("professional"), mirrored=True)
    out = []
    with FaceAnalyzer() as analyzer:
        index = 0
        while index / FPS <= DEMO_DURATION_S:
            t = index / FPS
            image = renderer.render(t, index)
            face = analyzer.analyze(image, t)
            light = measure_lighting(image, face) if face is not None else None
            out.append((t, coach.assess(face, light, None, t)))
            index += 1
    return out


def speakers(session) -> list[str]:
    order: list[str] = []
    for _, assessment in session:
        if assessment.instruction_check and (not order or order[-1] != assessment.instruction_check):
            order.append(assessment.instruction_check)
    return order


def test_instructions_follow_the_story_and_never_come_back(session) -> None:
    order = speakers(session)
    assert len(order) == len(set(order)), f"a check spoke again after leaving: {order}"
    assert order[0] in ("face_found", "head_size", "horizontal_centring")
    assert "roll" in order
    roll_text = next(a.instruction for _, a in session if a.instruction_check == "roll")
    assert "toward your right shoulder" in roll_text  # the demo tilts toward the person's left shoulder


def test_each_instruction_stays_at_least_the_hold_time(session) -> None:
    runs: list[tuple[str | None, float, float]] = []
    for t, assessment in session:
        if runs and runs[-1][0] == assessment.instruction_check:
            runs[-1] = (runs[-1][0], runs[-1][1], t)
        else:
            runs.append((assessment.instruction_check, t, t))
    for check, start, end in runs[1:-1]:
        assert end - start >= 0.4 - 1.0 / FPS, (check, start, end)


def test_session_ends_ready_and_quiet(session) -> None:
    start, end = hold_phase()
    during = [a for t, a in session if start + 1.0 <= t <= end]
    assert during and all(a.ready and a.instruction is None for a in during)
