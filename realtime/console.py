"""The terminal side of the coach: one live line while a capture runs, and quiet libraries.

:class:`ConsoleCoach` is a loop sink. On a terminal it keeps one line up to date with ``rich`` (a ready
meter over the six checklist groups and the coach's instruction); when stderr is a file or a pipe it
prints a plain line each time the instruction changes, so logs stay readable.

:func:`quiet_libraries` keeps MediaPipe, TensorFlow Lite, absl/glog, EGL, libpng, OpenCV and FFmpeg
from writing their log lines over the person's terminal. Several of them are written by native code
straight to file descriptor 2 from their own threads, long after the model was created (``W0000 ...
inference_feedback_manager``), and absl ignores environment variables before ``InitializeLog``. So fd 2
is pointed at a pipe read by a tiny filter process that drops those lines and passes everything else
through at once; Python's own ``sys.stderr`` keeps writing to the terminal directly. A separate process
(not a thread) so that a native crash message still gets through when this process aborts. ``-v``
turns all of it off and shows every line.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from realtime.sinks.groups import ready_progress

log = logging.getLogger(__name__)

# Environment read by the native libraries when they start (set only where the user has not).
QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",  # TensorFlow Lite / XNNPACK
    "GLOG_minloglevel": "2",  # glog: errors only
    "OPENCV_LOG_LEVEL": "ERROR",
    "OPENCV_FFMPEG_LOGLEVEL": "-8",  # AV_LOG_QUIET
    "OPENCV_VIDEOIO_DEBUG": "0",
}

# Lines dropped from fd 2 (bytes regex, matched at the start of a line). Errors of the native libraries
# that stop something (absl/glog E and F lines) are kept.
NOISE = (
    rb"INFO: (Created|Initialized) TensorFlow Lite"
    rb"|WARNING: All log messages before absl::InitializeLog\(\)"
    rb"|[IW]\d{4} [\d:.]+ +\d+ [\w./-]+:\d+\]"  # absl/glog info and warning lines (W0000 ..., I0000 ... EGL)
    rb"|libpng (warning|error):"
    rb"|\[ *(WARN|INFO|DEBUG):\d*@?[\d.]*\]"  # OpenCV's own log lines
    rb"|\[(mjpeg|h264|hevc|mov,mp4[^\]]*|swscaler) @ 0x[0-9a-f]+\]"  # FFmpeg via OpenCV
    rb"|Fontconfig warning"
)

_FILTER = (  # Ctrl-C reaches the whole terminal's process group: the filter outlives it and ends with the pipe
    "import re,signal,sys\n"
    "signal.signal(signal.SIGINT,signal.SIG_IGN)\n"
    "noise=re.compile(sys.argv[1].encode('latin-1'))\n"
    "out=sys.stdout.buffer\n"
    "for line in sys.stdin.buffer:\n"
    "    if not noise.match(line):\n"
    "        out.write(line);out.flush()\n"
)


def _is_real_stderr(stream: Any) -> bool:
    try:
        return stream is sys.__stderr__ and stream.fileno() == 2
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return False


@contextmanager
def quiet_libraries(verbose: bool = False) -> Iterator[None]:
    """Silence the libraries' log lines for the duration (nothing changes with ``verbose``)."""
    if verbose:
        yield
        return
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    try:
        import cv2

        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    except (ImportError, AttributeError):  # pragma: no cover - a cv2 without its logging module
        pass
    if not _is_real_stderr(sys.stderr):  # captured by a test, or already redirected: leave it alone
        yield
        return
    with _filtered_fd2():
        yield


@contextmanager
def _filtered_fd2() -> Iterator[None]:
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        child = subprocess.Popen([sys.executable, "-S", "-c", _FILTER, NOISE.decode("latin-1")],
                                 stdin=subprocess.PIPE, stdout=saved, stderr=subprocess.DEVNULL)
    except OSError as exc:  # no way to start the filter: noisy but working
        os.close(saved)
        log.debug("log filter not started: %s", exc)
        yield
        return
    assert child.stdin is not None
    os.dup2(child.stdin.fileno(), 2)
    child.stdin.close()
    original = sys.stderr
    sys.stderr = open(saved, "w", buffering=1, encoding=getattr(original, "encoding", None) or "utf-8",  # noqa: SIM115
                      errors="backslashreplace", closefd=False)
    try:
        yield
    finally:
        sys.stderr.flush()
        sys.stderr = original
        os.dup2(saved, 2)  # the pipe's last writer here closes: the filter drains and ends
        os.close(saved)
        try:
            child.wait(timeout=2.0)
        except subprocess.TimeoutExpired:  # a child of ours still holds the pipe: let it be
            pass


# --- the live line -----------------------------------------------------------------------------------
NO_FACE = "No face yet: step into the frame"
METER_WIDTH = 12


def spoken(assessment: Any) -> str:
    """The line the person reads: the coach's instruction, unchanged, or what the state is."""
    if assessment is None:
        return NO_FACE
    if assessment.ready:
        return "Ready: hold still"
    if assessment.instruction:
        return str(assessment.instruction)
    return "Looking good: hold still" if assessment.all_passed else "Checking..."


class ConsoleCoach:
    """Loop sink: the coach on a terminal (one live line) or in a log (one line per new instruction)."""

    name = "console"

    def __init__(self, *, stream: TextIO | None = None, live: bool | None = None,
                 prefix: str = "headshot capture") -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.prefix = prefix
        is_tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.live = is_tty if live is None else live
        self._said: str | None = None
        self._shown: tuple[str, float] | None = None
        self._live: Any = None
        if self.live:
            from rich.console import Console
            from rich.live import Live

            console = Console(file=self.stream, force_terminal=True, highlight=False)
            self._live = Live(console=console, auto_refresh=False, transient=True, redirect_stdout=False,
                              redirect_stderr=False)
            self._live.start()

    def __enter__(self) -> ConsoleCoach:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def line(self, text: str, progress: float) -> Any:
        from rich.text import Text

        filled = int(round(METER_WIDTH * max(0.0, min(1.0, progress))))
        ready = progress >= 1.0
        line = Text()
        line.append("█" * filled, style="green" if ready else "yellow")
        line.append("░" * (METER_WIDTH - filled), style="grey50")
        line.append(f" {'ready' if ready else f'{progress:4.0%}'} ", style="bold")
        line.append(text, style="bold green" if ready else "bold")
        return line

    def send(self, frame: Any) -> None:
        assessment = getattr(frame, "assessment", None)
        self.show(spoken(assessment), ready_progress(assessment))

    def idle(self, source_state: str) -> None:
        if source_state in ("reconnecting", "lost", "frozen"):
            self.show("Camera lost, reconnecting" if source_state != "frozen" else "Camera frozen: check it", 0.0)

    def show(self, text: str, progress: float) -> None:
        shown = (text, round(progress, 2))
        if self._live is not None:
            if shown != self._shown:  # redraw only on a change: the loop runs at camera rate
                self._live.update(self.line(text, progress), refresh=True)
        elif text != self._said:
            print(f"{self.prefix}: {text}", file=self.stream, flush=True)
        self._said, self._shown = text, shown

    def close(self) -> None:
        if self._live is not None:
            live, self._live = self._live, None
            live.stop()
