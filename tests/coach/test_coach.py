"""The live coach with a fake clock: hold times, blinks, one-frame misses, priority, ready, wording stability."""

from __future__ import annotations

from dataclasses import replace

import pytest

from realtime.coach.coach import Coach
from realtime.coach.profile import load_profile
from realtime.face.observation import FaceObservation
from tests.coach.builders import face, lighting, matte, moved

FPS = 30.0
GOOD = face()
LIGHT = lighting()


def run(coach: Coach, frames: list[FaceObservation | None], start: float = 0.0, fps: float = FPS):
    """Feed frames at ``fps`` from ``start``; return (time, assessment) per frame."""
    out = []
    for i, obs in enumerate(frames):
        t = start + i / fps
        out.append((t, coach.assess(obs, LIGHT if obs is not None else None, None, t)))
    return out


@pytest.fixture
def coach() -> Coach:
    return Coach(load_profile("professional"), mirrored=True)


def first_time(results, predicate) -> float | None:
    return next((t for t, a in results if predicate(a)), None)


def test_instruction_appears_after_the_hold_and_not_before(coach: Coach) -> None:
    results = run(coach, [face(yaw_deg=20.0)] * 30)
    shown = first_time(results, lambda a: a.instruction is not None)
    assert shown is not None and 0.4 <= shown < 0.45
    assert all(a.instruction is None for t, a in results if t < 0.4)
    assert results[-1][1].instruction_check == "yaw"
    assert "to your right" in results[-1][1].instruction


def test_instruction_goes_with_its_failure_and_a_relapse_inside_the_hold_speaks_at_once(coach: Coach) -> None:
    run(coach, [face(yaw_deg=20.0)] * 30)  # 0 .. 0.97 s: shown from 0.4 s
    # Passing: the check is held failing for the disappear hold, its dot with it (never words against a
    # green dot, and no on/off when the turn is only just fixed)...
    results = run(coach, [GOOD] * 6, start=1.0)
    assert all(a.instruction_check == "yaw" and not a.checks["yaw"].passed for _, a in results)
    assert all(a.checks["yaw"].passed_on_frame and a.all_passed for _, a in results)
    # ...and failing again inside it speaks on without a new hold.
    results = run(coach, [face(yaw_deg=20.0)] * 2, start=1.2)
    assert results[0][1].instruction_check == "yaw"
    # After the hold the words and the red dot go together, and the check is forgotten: a new failure waits
    # for the appear hold again.
    results = run(coach, [GOOD] * 15, start=1.3)
    gone = [a for t, a in results if t >= 1.3 + 0.4 + 1e-9]
    assert gone and all(a.instruction is None and a.checks["yaw"].passed for a in gone)
    results = run(coach, [face(yaw_deg=20.0)] * 3, start=1.8)
    assert all(a.instruction is None for _, a in results)


@pytest.mark.parametrize("fps", [30.0, 1.0])
def test_one_frame_miss_is_never_coached(coach: Coach, fps: float) -> None:
    frames = [GOOD] * 5 + [face(yaw_deg=25.0)] + [GOOD] * 5
    frames = frames * 4
    results = run(coach, frames, fps=fps)
    assert all(a.instruction is None for _, a in results)


def test_a_blink_is_never_coached_and_keeps_ready(coach: Coach) -> None:
    blink = face(eye_open_left=0.01, eye_open_right=0.01, blinking=True, eye_open_baseline=0.09, gaze=0.4)
    results = run(coach, [GOOD] * 30 + [blink] * 15 + [GOOD] * 10)
    assert all(a.instruction is None for _, a in results)
    assert results[29][1].ready
    blink_frames = [a for _, a in results[30:45]]
    assert all(a.ready and not a.all_passed for a in blink_frames)


def test_closed_eyes_that_are_not_a_blink_are_coached(coach: Coach) -> None:
    closed = face(eye_open_left=0.01, eye_open_right=0.01, blinking=False)
    results = run(coach, [closed] * 20)
    assert results[-1][1].instruction == "Keep your eyes open"


def test_only_the_most_important_failing_check_speaks(coach: Coach) -> None:
    both = face(yaw_deg=20.0, pitch_deg=25.0, gaze=0.4)
    results = run(coach, [both] * 20)
    assert results[-1][1].instruction_check == "yaw"
    assert set(results[-1][1].failing) >= {"yaw", "pitch", "gaze"}
    # Fix the turn: the turn's words (and its red dot) stay for the disappear hold, then the chin speaks
    # (it has long passed its own appear hold).
    results = run(coach, [face(pitch_deg=25.0, gaze=0.4)] * 20, start=1.0)
    assert results[0][1].instruction_check == "yaw" and not results[0][1].checks["yaw"].passed
    assert results[-1][1].instruction_check == "pitch" and results[-1][1].checks["yaw"].passed


def test_higher_priority_failure_takes_over_after_its_own_hold(coach: Coach) -> None:
    run(coach, [face(pitch_deg=25.0)] * 20)
    far = moved(face(pitch_deg=25.0), scale=0.55)
    results = run(coach, [far] * 20, start=1.0)
    assert results[5][1].instruction_check == "pitch"
    assert results[-1][1].instruction_check == "head_size"
    assert "closer" in results[-1][1].instruction


def test_too_few_pixels_is_said_after_what_spoils_the_picture(coach: Coach) -> None:
    # A well-framed face 10% short of the inter-eye pixels (90): the resolution alone speaks; with talking or a
    # turned head too, those speak first (the resolution dot stays red all along).
    small = face(inter_eye_px=81.0)
    alone = run(coach, [small] * 20)[-1][1]
    assert alone.instruction_check == "face_found" and "closer" in alone.instruction
    coach.reset()
    talking = run(coach, [replace(small, talking=True)] * 20)[-1][1]
    assert talking.instruction_check == "expression" and talking.instruction == "Pause talking for the photo"
    assert not talking.checks["face_found"].passed
    coach.reset()
    assert run(coach, [replace(small, yaw_deg=20.0)] * 20)[-1][1].instruction_check == "yaw"


def test_a_moving_head_is_told_to_hold_still_before_its_eyes_and_mouth(coach: Coach) -> None:
    moving = face(motion_ied_per_s=3.0, gaze=0.4, talking=True)
    assert run(coach, [moving] * 20)[-1][1].instruction == "Hold still"
    coach.reset()
    # a turned head hears the turn first
    assert run(coach, [replace(moving, yaw_deg=20.0)] * 20)[-1][1].instruction_check == "yaw"


def test_ready_after_every_check_passes_for_the_ready_hold(coach: Coach) -> None:
    results = run(coach, [GOOD] * 30)
    ready_at = first_time(results, lambda a: a.ready)
    assert ready_at is not None and 0.7 <= ready_at < 0.75
    # A sustained failure restarts the hold.
    results = run(coach, [face(yaw_deg=20.0)] * 3 + [GOOD] * 30, start=1.0)
    assert not results[2][1].ready
    again = first_time(results[3:], lambda a: a.ready)
    assert again is not None and again - results[3][0] >= 0.7 - 1e-9


def test_assessment_carries_crop_guide_and_measurements(coach: Coach) -> None:
    a = coach.assess(GOOD, LIGHT, matte(GOOD), 0.0)
    assert a.crop is not None and a.eye_line_y is not None
    assert a.info["yaw_deg"] == pytest.approx(GOOD.yaw_deg)
    assert a.info["shoulders"] > 2.0
    assert list(a.checks)[0] == "one_person"


def test_face_lost_for_a_frame_changes_nothing_and_for_long_says_step_in(coach: Coach) -> None:
    run(coach, [face(yaw_deg=20.0)] * 20)
    results = run(coach, [None] + [face(yaw_deg=20.0)] * 5, start=0.7)
    assert all(a.instruction_check == "yaw" for _, a in results)
    results = run(coach, [None] * 30, start=1.0)
    assert results[-1][1].instruction == "Step into the frame and face the camera"
    assert not results[-1][1].ready and results[-1][1].crop is None
    # Back in front of the camera with the same turn: the old failure is forgotten, the hold starts over.
    results = run(coach, [face(yaw_deg=20.0)] * 5, start=2.0)
    assert all(a.instruction_check != "yaw" for _, a in results)


def test_wording_does_not_flicker_between_amounts(coach: Coach) -> None:
    # Alternating distances round to different amounts; the shown text changes at most once per hold.
    frames = [moved(GOOD, scale=s) for s in (0.55, 0.6) * 30]
    results = run(coach, frames)
    texts = [a.instruction for _, a in results if a.instruction]
    changes = sum(1 for x, y in zip(texts, texts[1:]) if x != y)
    assert texts and changes <= (len(results) / FPS) / 0.4


def test_time_must_not_go_back(coach: Coach) -> None:
    coach.assess(GOOD, LIGHT, None, 1.0)
    with pytest.raises(ValueError, match="expected a time at or after"):
        coach.assess(GOOD, LIGHT, None, 0.5)


def test_reset_forgets_everything(coach: Coach) -> None:
    run(coach, [face(yaw_deg=20.0)] * 20)
    coach.reset()
    results = run(coach, [face(yaw_deg=20.0)] * 5, start=0.0)
    assert all(a.instruction is None for _, a in results)


def test_mirroring_does_not_change_the_words() -> None:
    profile = load_profile("professional")
    mirrored, plain = Coach(profile, mirrored=True), Coach(profile, mirrored=False)
    frames = [moved(face(), dx=560)] * 20
    a = run(mirrored, frames)[-1][1]
    b = run(plain, frames)[-1][1]
    assert a.instruction == b.instruction and a.instruction.endswith("to your right")
    assert a.checks["horizontal_centring"].arrow == "right" and b.checks["horizontal_centring"].arrow == "left"


def test_field_of_view_from_the_profile_camera_section(tmp_path) -> None:
    path = tmp_path / "booth.toml"
    path.write_text('extends = "professional"\n[camera]\nfov_deg = 90\n')
    profile = load_profile(path)
    wide = run(Coach(profile), [moved(face(), scale=0.55)] * 20)[-1][1]
    narrow = run(Coach(load_profile("professional")), [moved(face(), scale=0.55)] * 20)[-1][1]
    assert wide.info["distance_cm"] < narrow.info["distance_cm"]
