"""The live loop: take the newest frame, run the stages in order, hand the result to the sinks.

source -> engine -> face -> coach -> capture -> sinks, one way. Each stage is a callable that fills its
part of the :class:`~realtime.frame.FrameResult`; its time is recorded under its name. A stop event ends
the loop from anywhere (a window's quit key, Ctrl-C in the CLI); a stage that wants the end (a finished
capture) marks the frame's ``stop_requested`` and the loop sets the event itself.

Two frames in flight. A stage may also have ``begin(frame)``, which starts its work on another thread
(the engine's worker). As soon as such a stage has finished its part of frame N, the loop looks whether
frame N+1 is already waiting and, if so, begins it: the engine works on N+1 while this thread measures
backlight, coaches, captures and draws N (the face mesh and the light on the face ran beside N's
engine). The loop never waits for a frame to do this, so when it keeps up with the camera each frame is
simply processed when it arrives and latency is unchanged.
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from realtime.errors import HeadshotError
from realtime.frame import FrameResult
from realtime.sources.base import FrameSource

log = logging.getLogger(__name__)

POLL_S = 0.1  # how often sinks hear from an idle loop (camera lost, source stalled)
# A frame whose stage fails unexpectedly (a bug, an odd frame a library refuses) is skipped and logged, so
# one bad frame does not end a live session; this many failed frames in a row end the loop with the
# error. Typed errors (HeadshotError: a full disk, a failed engine) always end it at once.
MAX_FAILED_IN_A_ROW = 30
STATS_WINDOW = 5000  # per-stage timings kept for the summary


class Stage(Protocol):
    """One processing step. Settings go to its constructor; per-frame data comes in the frame."""

    name: str

    def __call__(self, frame: FrameResult) -> None: ...


class Sink(Protocol):
    """Where results go: a window, a virtual camera, a recorder, the booth."""

    name: str

    def send(self, frame: FrameResult) -> None: ...

    def idle(self, source_state: str) -> None:
        """Called when no frame came for a while (``source_state`` is e.g. "reconnecting")."""


class BaseSink:
    """A sink with nothing to do while no frame comes: subclass it and write ``send`` (a watcher in a test,
    the bench's overlay); a sink that shows the source's state (a window) overrides ``idle`` too."""

    name = "sink"

    def send(self, frame: FrameResult) -> None:
        raise NotImplementedError

    def idle(self, source_state: str) -> None:
        """Nothing to show."""


class Controls(Protocol):
    """The live session's controls (:class:`realtime.session.Session`): commands sent to it from keys, the
    booth or sinks are applied here, at the top of each frame, before any stage runs on it."""

    def apply(self) -> None: ...


@dataclass
class LoopStats:
    """What the loop did: counts and per-stage times (ms) for summaries and ``headshot bench``."""

    frames: int = 0
    dropped: int = 0
    failed: int = 0  # frames skipped because a stage or sink raised (see MAX_FAILED_IN_A_ROW)
    seconds: float = 0.0
    stage_ms: dict[str, deque[float]] = field(default_factory=dict)

    def add(self, frame: FrameResult) -> None:
        self.frames += 1
        for stage, ms in frame.timings_ms.items():
            self.stage_ms.setdefault(stage, deque(maxlen=STATS_WINDOW)).append(ms)

    @property
    def skipped_note(self) -> str:
        """", N frames skipped after errors (see the log)" when any were, for the commands' last line."""
        return f", {self.failed} frames skipped after errors (see the log)" if self.failed else ""

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> dict[str, dict[str, float]]:
        """Median and 95th percentile per stage, in ms."""
        out = {}
        for stage, values in self.stage_ms.items():
            ordered = sorted(values)
            p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
            out[stage] = {"median": statistics.median(ordered), "p95": p95}
        return out


class Loop:
    """Runs ``stages`` then ``sinks`` on every frame ``source`` delivers until it ends or ``stop`` is set."""

    def __init__(
        self,
        source: FrameSource,
        stages: Sequence[Stage] = (),
        sinks: Sequence[Sink] = (),
        *,
        stop: threading.Event | None = None,
        session: Controls | None = None,
    ) -> None:
        self.source = source
        self.session = session
        self.stages = list(stages)
        self.sinks = list(sinks)
        self.stop = stop or threading.Event()
        self.stats = LoopStats()
        self._failed_in_a_row = 0
        self._ahead: FrameResult | None = None  # the next frame, begun while this one is finished
        self._begun = 0
        self._max_frames: int | None = 0  # frames run() may begin; 0 outside run(): no reading ahead
        self._next_id = 0

    def run(self, *, max_frames: int | None = None, max_seconds: float | None = None) -> LoopStats:
        started = time.monotonic()
        self._ahead = None
        self._begun = 0
        self._max_frames = max_frames
        try:
            while not self.stop.is_set():  # on stop a frame begun ahead is dropped: its window may be gone
                frame, self._ahead = self._ahead, None
                if max_seconds is not None and time.monotonic() - started >= max_seconds:
                    self._max_frames = self._begun  # out of time: finish what was begun, read no more
                if frame is None:
                    if self._max_frames is not None and self._begun >= self._max_frames:
                        break
                    frame = self._take(POLL_S)
                if frame is not None:
                    self._finish_or_skip(frame)
                elif self.source.ended:
                    break
                else:
                    for sink in self.sinks:
                        sink.idle(self.source.state)
        finally:
            self._max_frames = 0  # no reading ahead outside run()
            self.stats.seconds = time.monotonic() - started
            self.stats.dropped = self.source.dropped
        return self.stats

    def _take(self, timeout: float) -> FrameResult | None:
        """The source's next frame within ``timeout``, begun; None if none came."""
        grabbed = self.source.read(timeout=timeout)
        if grabbed is None:
            return None
        frame = FrameResult(self._next_id, grabbed.grab_time, grabbed.source_time, grabbed.image)
        self._next_id += 1
        self._begun += 1
        self._begin(frame)
        return frame

    def _begin(self, frame: FrameResult) -> None:
        """Start the early work of every stage that has ``begin`` (the engine, on its worker)."""
        for stage in self.stages:
            begin = getattr(stage, "begin", None)
            if begin is not None:
                begin(frame)

    def _begin_next_if_waiting(self) -> None:
        """Called when a beginning stage is done with the current frame: begin the next one if it is here."""
        if self._ahead is None and (self._max_frames is None or self._begun < self._max_frames):
            self._ahead = self._take(0.0)

    def process(self, frame: FrameResult) -> FrameResult:
        """Run one frame through every stage and sink (also used by tests)."""
        self._begin(frame)
        return self._finish(frame)

    def _finish_or_skip(self, frame: FrameResult) -> None:
        try:
            self._finish(frame)
        except HeadshotError:
            raise
        except Exception as exc:
            self.stats.failed += 1
            self._failed_in_a_row += 1
            if self._failed_in_a_row >= MAX_FAILED_IN_A_ROW:
                raise
            log.warning("frame %d skipped: %s: %s", frame.frame_id, type(exc).__name__, exc,
                        exc_info=self.stats.failed == 1)  # the first one with its traceback
        else:
            self._failed_in_a_row = 0

    def _finish(self, frame: FrameResult) -> FrameResult:
        if self.session is not None:
            self.session.apply()  # settings changed since the last frame reach every stage at once
        for stage in self.stages:
            with frame.timed(stage.name):
                stage(frame)
            if hasattr(stage, "begin"):
                self._begin_next_if_waiting()
        if frame.stop_requested:  # a stage asked for the end (a capture taken, time up): this frame still goes out
            self.stop.set()
        for sink in self.sinks:
            with frame.timed(f"sink:{sink.name}"):
                sink.send(frame)
        frame.timings_ms["end_to_end"] = (time.monotonic() - frame.grab_time) * 1000.0
        self.stats.add(frame)
        return frame
