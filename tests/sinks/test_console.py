"""The console coach: the live line, plain lines off a terminal, the capture summary in words, and the
library log lines kept off the terminal unless -v (native lines written to fd 2 included)."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from realtime.coach.assessment import Assessment, CheckResult
from realtime.console import ConsoleCoach, ready_progress, spoken  # noqa: F401
from realtime.sinks.groups import GROUP_TITLES, failing_groups, group_checks, summary_words

REPO = Path(__file__).resolve().parents[2]
NOISE_LINES = ("INFO: Created TensorFlow Lite", "absl::InitializeLog", "W0000 ", "I0000 ", "libpng",
               "inference_feedback_manager", "landmark_projection_calculator", "[ WARN:")


def check(name: str, passed: bool = True, status: str | None = None, value: float = 0.5) -> CheckResult:
    return CheckResult(name, value, (0.0, 1.0), passed, status or ("pass" if passed else "fail"),
                       None if passed else f"fix {name}")


def assessment(failing: tuple[str, ...] = (), instruction: str | None = None, ready: bool = False) -> Assessment:
    from realtime.coach.registry import CHECK_ORDER

    checks = {name: check(name, name not in failing) for name in CHECK_ORDER}
    return Assessment(checks, instruction, failing[0] if failing else None, ready, not failing, None)


class Frame:
    def __init__(self, a: Assessment | None) -> None:
        self.assessment = a


def test_every_check_is_in_one_of_six_groups():
    from realtime.coach.registry import CHECK_ORDER

    rows = group_checks(assessment().checks)
    assert [row.title for row in rows] == list(GROUP_TITLES) and len(rows) == 6
    assert sorted(c.name for row in rows for c in row.checks) == sorted(CHECK_ORDER)


def test_group_status_and_failing_groups():
    a = assessment(failing=("head_size", "evenness"), instruction="Move closer")
    rows = {row.title: row for row in group_checks(a.checks)}
    assert rows["Framing"].status == "fail" and rows["Framing"].failing == ("head_size",)
    assert rows["Light"].status == "fail" and rows["Eyes"].status == "pass"
    assert failing_groups(a.checks) == ["Framing", "Light"]
    assert ready_progress(a) == pytest.approx(4 / 6)
    assert ready_progress(assessment(ready=True)) == 1.0 and ready_progress(None) == 0.0


@pytest.mark.parametrize(("smile", "words"), [(0.05, "neutral expression"), (0.4, "slight smile"),
                                              (0.8, "smile")])
def test_summary_in_words(smile, words):
    report = {name: {"value": 0.5, "pass": True} for name in ("head_size", "yaw", "eyes_open", "evenness")}
    report["expression"] = {"value": smile, "pass": True}
    text = summary_words(report)
    assert text == f"Framing good, facing the camera, eyes open and sharp, {words}, light even"


def test_summary_names_a_failing_check():
    report = {"head_size": {"value": 0.2, "pass": True}, "evenness": {"value": 0.4, "pass": False}}
    assert summary_words(report) == "Framing good, light: light even on both sides not yet"


def test_spoken_keeps_the_coach_words():
    assert spoken(assessment(failing=("yaw",), instruction="Turn your head slightly to the left")) == \
        "Turn your head slightly to the left"
    assert spoken(assessment(ready=True)) == "Ready: hold still"
    assert spoken(None).startswith("No face")


def test_plain_lines_only_when_the_instruction_changes():
    out = io.StringIO()
    coach = ConsoleCoach(stream=out, prefix="headshot capture")
    assert not coach.live
    for a in [None, None, assessment(("head_size",), "Move closer"), assessment(("head_size",), "Move closer"),
              assessment(ready=True)]:
        coach.send(Frame(a))
    coach.close()
    assert out.getvalue().splitlines() == ["headshot capture: No face yet: step into the frame",
                                           "headshot capture: Move closer", "headshot capture: Ready: hold still"]


def test_live_line_redraws_in_place():
    out = io.StringIO()
    with ConsoleCoach(stream=out, live=True) as coach:
        coach.send(Frame(assessment(("head_size",), "Move closer")))
        coach.send(Frame(assessment(ready=True)))
    text = out.getvalue()
    assert "Move closer" in text and "Ready: hold still" in text and "83%" in text
    assert "\x1b[" in text  # cursor movement: the same line is rewritten, not a new line per frame
    assert "headshot capture:" not in text


NATIVE = r"""
import os, sys
from realtime.console import quiet_libraries
verbose = sys.argv[1] == "1"
with quiet_libraries(verbose):
    for line in (b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n",
                 b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n",
                 b"W0000 00:00:1796208244.616893    7961 inference_feedback_manager.cc:114] Feedback\n",
                 b"I0000 00:00:1796208244.616893    7961 gl_context_egl.cc:85] Successfully initialized EGL\n",
                 b"libpng error: Read Error\n",
                 b"E0000 00:00:1796208244.616893    7961 calculator_graph.cc:1] a real error\n",
                 b"native says hello\n"):
        os.write(2, line)
    print("python says hello", file=sys.stderr)
print("after", file=sys.stderr)
"""


@pytest.mark.parametrize("verbose", [False, True])
def test_native_log_lines_are_dropped_unless_verbose(verbose):
    done = subprocess.run([sys.executable, "-c", NATIVE, "1" if verbose else "0"], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    err = done.stderr
    for kept in ("native says hello", "python says hello", "a real error", "after"):
        assert kept in err
    noisy = [line for line in NOISE_LINES if line in err]
    assert noisy == ([] if not verbose else noisy) and (bool(noisy) == verbose)


def _read_pty(master: int, process: subprocess.Popen, timeout: float) -> bytes:
    chunks, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    return b"".join(chunks)


@pytest.mark.slow
def test_capture_on_a_terminal_shows_its_live_line_and_no_library_lines(tmp_path):
    """``headshot capture --source demo`` on a pseudo-terminal: a live line (then the summary in words when
    it captured); ``headshot check`` on a good photo (the demo's hold moment): no library line in either."""
    import cv2

    from realtime.sources.demo import DemoRenderer
    from realtime.sources.demo_script import hold_phase

    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm-256color"}
    env.pop("DISPLAY", None)
    process = subprocess.Popen([sys.executable, "-m", "realtime.cli", "capture", "--source", "demo", "--out",
                                str(tmp_path / "out")], cwd=REPO, stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    try:
        output = _read_pty(master, process, timeout=400).decode("utf-8", "replace")
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    assert code in (0, 10), output[-2000:]  # captured, or the demo ended without a ready moment
    assert "█" in output or "░" in output, output[-2000:]  # the ready meter
    assert "\x1b[" in output and "\r" in output  # drawn in place
    if code == 0:
        assert "Captured:" in output and "Framing good" in output
    assert [line for line in NOISE_LINES if line in output] == [], output[-3000:]
    start, end = hold_phase()
    photo = tmp_path / "good.png"
    cv2.imwrite(str(photo), DemoRenderer().render((start + end) / 2, 0))
    done = subprocess.run([sys.executable, "-m", "realtime.cli", "check", str(photo)], cwd=REPO,
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode in (0, 1, 10), done.stderr  # graded; whether it passes is the grader's business
    assert done.stdout.strip()
    assert [line for line in NOISE_LINES if line in done.stdout + done.stderr] == [], done.stderr
