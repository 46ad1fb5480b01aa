"""The capture stage's state machine with constructed frames: ready window, manual trigger, time limit."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from realtime.capture.stage import MANUAL_WINDOW_S, READY_GRACE_S, CaptureStage


def run(stage: CaptureStage, frames) -> None:
    for frame in frames:
        stage(frame)


def test_auto_capture_waits_for_ready_then_picks_the_best_of_the_window(professional, clip) -> None:
    c = clip()
    stage = CaptureStage(professional, ends_loop=True)
    run(stage, [c.frame(ready=False, failing=("head_size",)) for _ in range(30)])
    assert not stage.captures
    frames = [c.frame(face={"yaw_deg": 4.0}) for _ in range(60)]
    # One clearly best frame in the middle of the window (frontal), one perfect blink just after.
    c_best = frames[20]
    c_best.face = replace(c_best.face, yaw_deg=0.0)
    frames[21].face = replace(frames[21].face, yaw_deg=0.0, blinking=True)
    for frame in frames:
        stage(frame)
        if frame.stop_requested:  # the stage asks; the loop would stop here
            break
    assert len(stage.captures) == 1 and frame.stop_requested
    assert frame.capture is None  # nothing written (no out_dir): no outcome for the preview yet
    capture = stage.captures[0]
    assert capture.trigger == "auto"
    assert capture.candidate.frame_id == c_best.frame_id
    window = capture.window
    assert window["start_s"] == pytest.approx(30 / 30.0, abs=1e-3)  # opened on the first ready frame
    assert window["end_s"] - window["start_s"] >= professional.timing.best_frame_window_s
    assert stage.pending is capture  # no out_dir: held in memory


def test_window_needs_frames_that_pass_on_their_own(professional, clip) -> None:
    c = clip()
    stage = CaptureStage(professional)
    # Ready (held) but this very frame fails a check: not a candidate.
    frames = [c.frame(ready=True, all_passed=(i % 2 == 0)) for i in range(60)]
    run(stage, frames)
    assert stage.captures
    assert stage.captures[0].candidate.frame_id % 2 == 0


def test_a_window_cut_short_by_a_lasting_failure_takes_the_best_frame_that_passed(professional, clip) -> None:
    c = clip()
    stage = CaptureStage(professional)
    lost = int((READY_GRACE_S + 0.2) * 30)
    passed = [c.frame(face={"yaw_deg": 4.0}) for _ in range(20)]  # ready, then 0.67 s of window (as dev clip d19)
    passed[7].face = replace(passed[7].face, yaw_deg=0.0)
    run(stage, passed)
    assert not stage.captures  # the window is still open
    run(stage, [c.frame(ready=False, failing=("expression",)) for _ in range(lost)])
    assert len(stage.captures) == 1
    capture = stage.captures[0]
    assert capture.candidate.frame_id == passed[7].frame_id and capture.window["closed_early"]
    assert capture.window["end_s"] - capture.window["start_s"] < professional.timing.best_frame_window_s


def test_a_cut_short_window_of_blinks_only_captures_nothing_and_waits_for_ready(professional, clip) -> None:
    c = clip()
    stage = CaptureStage(professional)
    lost = int((READY_GRACE_S + 0.2) * 30)
    run(stage, [c.frame(face={"blinking": True}) for _ in range(10)])
    run(stage, [c.frame(ready=False, failing=("roll",)) for _ in range(lost)])
    assert not stage.captures
    restart = c.index
    run(stage, [c.frame() for _ in range(50)])
    assert stage.captures and stage.captures[0].window["start_s"] == pytest.approx(restart / 30.0, abs=1e-3)


def test_a_short_failure_does_not_reset_the_window(professional, clip) -> None:
    c = clip()
    stage = CaptureStage(professional)
    run(stage, [c.frame() for _ in range(20)])
    run(stage, [c.frame(ready=False, failing=("eyes_open",), face={"blinking": True}) for _ in range(4)])
    run(stage, [c.frame() for _ in range(30)])
    assert stage.captures and stage.captures[0].window["start_s"] == 0.0
    assert not stage.captures[0].candidate.face.blinking


def test_one_auto_capture_until_rearmed(professional, clip) -> None:
    c = clip()
    stage = CaptureStage(professional)
    run(stage, [c.frame() for _ in range(200)])
    assert len(stage.captures) == 1
    stage.rearm()
    run(stage, [c.frame() for _ in range(60)])
    assert len(stage.captures) == 2


def test_manual_trigger_picks_the_best_of_the_last_moment_even_when_not_ready(professional, clip) -> None:
    c = clip()
    stage = CaptureStage(professional, auto=True)
    run(stage, [c.frame(ready=False, failing=("head_size",), face={"yaw_deg": 20.0}) for _ in range(90)])
    best_id = c.index
    run(stage, [c.frame(ready=False, failing=("head_size",), face={"yaw_deg": 2.0})])
    run(stage, [c.frame(ready=False, failing=("head_size",), face={"yaw_deg": 20.0}) for _ in range(10)])
    threading.Thread(target=stage.trigger).start()  # from another thread, as the preview's key does
    run(stage, [c.frame(ready=False, failing=("head_size",), face={"yaw_deg": 20.0})])
    assert len(stage.captures) == 1
    capture = stage.captures[0]
    assert capture.trigger == "manual" and capture.candidate.frame_id == best_id
    assert capture.window["end_s"] - capture.window["start_s"] == pytest.approx(MANUAL_WINDOW_S, abs=1e-3)


def test_manual_trigger_uses_a_blink_only_when_nothing_else_is_there(professional, clip) -> None:
    c = clip()
    stage = CaptureStage(professional)
    run(stage, [c.frame(ready=False, failing=("eyes_open",), face={"blinking": True}) for _ in range(5)])
    stage.trigger()
    run(stage, [c.frame(ready=False, failing=("eyes_open",), face={"blinking": True})])
    assert stage.captures and stage.captures[0].trigger == "manual"


def test_manual_trigger_without_a_face_says_so(professional, clip) -> None:
    c = clip()
    stage = CaptureStage(professional)
    stage.trigger()
    run(stage, [c.frame(ready=False, failing=("face_found",), has_face=False)])
    assert not stage.captures and stage.held() == (None, stage.message) and "No face" in (stage.message or "")
    stage.trigger()  # a new trigger: the old words no longer apply
    assert stage.held() == (None, None)
    run(stage, [c.frame()])
    capture, message = stage.held()
    assert capture is stage.captures[-1] and message is None


def test_time_limit_stops_and_names_the_check_that_failed_most(professional, clip) -> None:
    c = clip()
    stage = CaptureStage(professional, max_seconds=2.0, ends_loop=True)
    frames = [c.frame(ready=False, failing=("roll",)) for _ in range(20)]
    frames += [c.frame(ready=False, failing=("roll", "evenness")) for _ in range(20)]
    frames += [c.frame(ready=False, failing=("evenness",)) for _ in range(30)]
    for frame in frames:
        stage(frame)
        if frame.stop_requested:
            break
    assert stage.timed_out and frame.stop_requested and not stage.captures
    assert stage.log.frames == 61  # stopped on the frame at 2.0 s
    summary = stage.log.timeout_summary()
    assert summary["most_failed"] == {"check": "evenness", "frames": 41, "instruction": "fix evenness"}
    assert summary["failures"]["roll"] == 40


def test_instruction_log_records_changes_with_times(professional, clip) -> None:
    c = clip()
    stage = CaptureStage(professional, auto=False)
    run(stage, [c.frame(ready=False, failing=("head_size",)) for _ in range(3)])
    run(stage, [c.frame(ready=False, failing=("roll",)) for _ in range(3)])
    run(stage, [c.frame() for _ in range(3)])
    run(stage, [c.frame(ready=False, failing=("roll",))])
    assert list(stage.log.instructions) == [
        {"time_s": 0.0, "check": "head_size", "instruction": "fix head_size"},
        {"time_s": 0.1, "check": "roll", "instruction": "fix roll"},
        {"time_s": 0.3, "check": "roll", "instruction": "fix roll"},
    ]


def test_instruction_log_keeps_the_newest_and_counts_the_rest() -> None:
    from realtime.capture.report import MAX_INSTRUCTIONS, SessionLog
    from tests.capture.conftest import assessment

    log = SessionLog()
    for i in range(MAX_INSTRUCTIONS + 50):  # a preview left running: the instruction keeps changing
        log.add(i / 30.0, assessment(ready=False, failing=("roll",) if i % 2 else ("head_size",)))
    assert len(log.instructions) == MAX_INSTRUCTIONS and log.instructions_dropped == 50
    assert log.instructions[-1]["time_s"] == round((MAX_INSTRUCTIONS + 49) / 30.0, 3)
    assert log.failures["roll"] + log.failures["head_size"] == MAX_INSTRUCTIONS + 50  # counts stay whole


def test_source_ending_inside_a_window_still_captures_its_best(professional, clip) -> None:
    c = clip()
    stage = CaptureStage(professional)
    run(stage, [c.frame() for _ in range(20)])  # 0.67 s of a 1.5 s window
    assert not stage.captures
    capture = stage.finish()
    assert capture is not None and stage.captures == [capture]
    assert capture.window["closed_early"] is True and capture.window["candidates"] == 20
    assert stage.finish() is None  # nothing more to close


def test_finish_without_a_window_captures_nothing(professional, clip) -> None:
    c = clip()
    stage = CaptureStage(professional)
    run(stage, [c.frame(ready=False, failing=("roll",)) for _ in range(20)])
    assert stage.finish() is None and not stage.captures


def test_memory_keeps_only_the_newest_captures(professional, clip) -> None:
    from realtime.capture.stage import KEEP_CAPTURES

    c = clip()
    stage = CaptureStage(professional, auto=False)
    for _ in range(KEEP_CAPTURES + 3):
        run(stage, [c.frame() for _ in range(3)])
        stage.trigger()
        run(stage, [c.frame()])
    assert len(stage.captures) == KEEP_CAPTURES
    assert stage.captures[-1].window["end_s"] == pytest.approx((c.index - 1) / 30.0, abs=1e-3)
