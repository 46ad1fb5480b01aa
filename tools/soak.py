"""Soak: the demo through the whole live pipeline at full speed for minutes, watching for leaks.

What runs is what a kiosk runs all day: the demo session (a real photo, scripted) through the engine,
face mesh, coach, the auto capture (writing a capture folder every time the demo reaches its hold
phase) and the preview sink drawing its overlay (into a headless display: no window needed). The demo
is not paced (``live=False``) and is reopened each time it ends, so opening and closing a source is
soaked too; its media time keeps increasing across reopenings, as a camera's would.

Every ``--sample-s`` seconds it records the process's resident memory (``VmRSS`` in
/proc/self/status), Python threads (``threading.active_count()``), OS threads (``Threads`` in
/proc/self/status: ONNX Runtime and MediaPipe pools) and open file descriptors (/proc/self/fd).

Verdict, after ``--warmup-s``: RSS growth (the median of the last three samples minus the median of
the first three after warm-up) under ``--max-rss-growth-mb``, and no more threads or descriptors at
the end than at the start of the measured stretch. Exit 0 when it holds, 1 when not; the figures go
to ``--out`` as JSON.

    python tools/soak.py --minutes 10 --out /tmp/soak.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from realtime.sources.base import FrameSource, SourceFrame

DEFAULT_WARMUP_S = 60.0
DEFAULT_SAMPLE_S = 5.0
MAX_RSS_GROWTH_MB = 20.0


def proc_status() -> dict[str, int]:
    """RSS (kB) and OS thread count of this process, from /proc/self/status (Linux)."""
    values: dict[str, int] = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "Threads"):
                values[key] = int(rest.split()[0])
    return values


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd")) - 1  # minus the descriptor listdir itself holds


@dataclass
class Sample:
    t: float  # seconds since the soak started
    frames: int
    rss_mb: float
    threads: int  # Python threads
    os_threads: int
    fds: int

    @classmethod
    def take(cls, t: float, frames: int) -> Sample:
        status = proc_status()
        return cls(round(t, 2), frames, round(status.get("VmRSS", 0) / 1024.0, 2), threading.active_count(),
                   status.get("Threads", 0), open_fds())


class ReopeningDemo(FrameSource):
    """The demo, reopened each time it ends; media time carries on from where the last one stopped."""

    name = "demo"

    def __init__(self, size: tuple[int, int] | None = None) -> None:
        self.size = size
        self.opens = 0
        self._offset = 0.0
        self._index = 0
        self._source: FrameSource | None = None
        self.on_reopen: list[Any] = []

    def _open(self) -> FrameSource:
        from realtime.sources import open_source

        self.opens += 1
        return open_source("demo", live=False, size=self.size)

    def read(self, timeout: float | None = None) -> SourceFrame | None:
        if self._source is None:
            self._source = self._open()
        frame = self._source.read(timeout)
        if frame is None:  # the session ended: close it, open a fresh one, carry on
            self._offset += self._last_t + 1.0 / self._source.fps
            self._source.close()
            self._source = self._open()
            for callback in self.on_reopen:
                callback()
            frame = self._source.read(timeout)
            if frame is None:
                self.state = "ended"
                return None
        self._last_t = frame.source_time
        out = SourceFrame(self._index, frame.image, frame.grab_time, self._offset + frame.source_time)
        self._index += 1
        return out

    _last_t = 0.0

    @property
    def fps(self) -> float:
        return 30.0

    def describe(self) -> dict[str, object]:
        return {"name": self.name, "reopened": self.opens, "live": False}

    def close(self) -> None:
        if self._source is not None:
            self._source.close()
            self._source = None


class HeadlessDisplay:
    """The preview sink's window, without a screen: keeps the shape of the last picture only."""

    closed = False

    def __init__(self) -> None:
        self.shown = 0
        self.last_shape: tuple[int, ...] | None = None

    def show(self, image: np.ndarray) -> int | None:
        self.shown += 1
        self.last_shape = image.shape
        return None


@dataclass
class Sampler:
    """A loop sink that samples the process every ``every_s`` seconds (on the loop's own thread)."""

    every_s: float
    started: float = field(default_factory=time.monotonic)
    samples: list[Sample] = field(default_factory=list)
    frames: int = 0
    name: str = "sampler"
    _next: float = 0.0

    def send(self, frame: Any) -> None:
        self.frames += 1
        self.tick()

    def idle(self, source_state: str) -> None:
        self.tick()

    def tick(self) -> None:
        now = time.monotonic() - self.started
        if now >= self._next:
            self.samples.append(Sample.take(now, self.frames))
            self._next = now + self.every_s


def verdict(samples: list[Sample], warmup_s: float, max_growth_mb: float) -> dict[str, Any]:
    """Growth of RSS, threads and descriptors over the measured stretch (after warm-up)."""
    measured = [s for s in samples if s.t >= warmup_s]
    if len(measured) < 6:
        return {"ok": False, "reason": f"only {len(measured)} samples after warm-up: run longer"}
    first, last = measured[:3], measured[-3:]
    rss_growth = statistics.median(s.rss_mb for s in last) - statistics.median(s.rss_mb for s in first)
    minutes = (measured[-1].t - measured[0].t) / 60.0
    slope = float(np.polyfit([s.t / 60.0 for s in measured], [s.rss_mb for s in measured], 1)[0])
    growth = {
        "rss_mb": round(rss_growth, 2),
        "rss_max_over_start_mb": round(max(s.rss_mb for s in measured) - measured[0].rss_mb, 2),
        "rss_slope_mb_per_min": round(slope, 3),
        "threads": measured[-1].threads - measured[0].threads,
        "os_threads": measured[-1].os_threads - measured[0].os_threads,
        "fds": measured[-1].fds - measured[0].fds,
        "threads_max": max(s.threads for s in measured) - measured[0].threads,
        "os_threads_max": max(s.os_threads for s in measured) - measured[0].os_threads,
        "fds_max": max(s.fds for s in measured) - measured[0].fds,
    }
    problems = []
    if rss_growth >= max_growth_mb:
        problems.append(f"RSS grew {rss_growth:.1f} MB (limit {max_growth_mb:g})")
    for key in ("threads", "os_threads", "fds"):
        if growth[key] > 0:
            problems.append(f"{key} grew by {growth[key]}")
    return {"ok": not problems, "reason": "; ".join(problems) or "flat", "measured_minutes": round(minutes, 2),
            "growth": growth, "rss_mb_start": measured[0].rss_mb, "rss_mb_end": measured[-1].rss_mb}


def machine() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 0
    return {"cpu": cpu, "cores_allowed": cores, "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}"}


def run_soak(seconds: float, *, warmup_s: float, sample_s: float, size: tuple[int, int] | None = None,
             max_growth_mb: float = MAX_RSS_GROWTH_MB, engine: bool = True, capture_on: bool = True
             ) -> dict[str, Any]:
    """Run the soak for ``seconds`` and return the figures (see the module docstring)."""
    from realtime.capture.report import SessionLog
    from realtime.capture.stage import CaptureStage
    from realtime.loop import Loop
    from realtime.memory import pin_mmap_threshold
    from realtime.pipeline import PipelineOptions, open_pipeline
    from realtime.sinks.preview import PreviewControls, PreviewSink

    pinned = pin_mmap_threshold()  # as ``headshot`` does at start: the soak measures the same process
    started_at = datetime.now(timezone.utc)
    stop = threading.Event()
    out_dir = Path(tempfile.mkdtemp(prefix="headshot-soak-"))
    captures_written = 0
    sampler = Sampler(sample_s)
    try:
        with ExitStack() as stack:
            source = stack.enter_context(ReopeningDemo(size))
            pipeline = open_pipeline(PipelineOptions(mirrored=True, engine=engine), stack)
            capture = CaptureStage(pipeline.profile, out_dir=out_dir, fps=source.fps, auto=True, once=True,
                                   source_info=source.describe())

            def next_person() -> None:
                """Each demo loop is a new person at the kiosk: their capture was handed over (its folder
                is removed here to bound the disk), and, as the booth does at a session's end, the stage
                forgets it (the stage otherwise keeps its last KEEP_CAPTURES captures in memory)."""
                nonlocal captures_written
                captures_written += sum(1 for _ in out_dir.iterdir())
                for folder in out_dir.iterdir():
                    shutil.rmtree(folder)
                capture.captures.clear()
                capture.log = SessionLog()  # the report's log starts over with the next person, as in the booth
                capture.rearm()

            source.on_reopen.append(next_person)
            preview = PreviewSink(HeadlessDisplay(), stop=stop, controls=PreviewControls(pipeline),
                                  trigger_capture=capture.trigger,
                                  report=lambda text: None)
            sampler.started = time.monotonic()
            stages = [*pipeline.stages, capture] if capture_on else pipeline.stages
            loop = Loop(source, stages, [preview, sampler], stop=stop)
            stats = loop.run(max_seconds=seconds)
            opens = source.opens
        captures_written += sum(1 for _ in out_dir.iterdir())
        after_close = Sample.take(time.monotonic() - sampler.started, sampler.frames)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    result = verdict(sampler.samples, warmup_s, max_growth_mb)
    return {
        "verdict": result,
        "started": started_at.isoformat(timespec="seconds"),
        "seconds": round(stats.seconds, 1),
        "warmup_s": warmup_s,
        "frames": stats.frames,
        "fps": round(stats.fps, 2),
        "demo_sessions": opens,
        "captures_written": captures_written,
        "engine": engine,
        "capture": capture_on,
        "mmap_threshold_pinned": pinned,
        "stage_ms": {k: {m: round(v, 2) for m, v in d.items()} for k, d in stats.summary().items()},
        "machine": machine(),
        "samples": [s.__dict__ for s in sampler.samples],
        "after_close": after_close.__dict__,  # everything closed: threads and descriptors back to the start?
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--minutes", type=float, default=None, help="how long to run (default 10)")
    length.add_argument("--seconds", type=float, default=None, help="how long to run, in seconds")
    parser.add_argument("--warmup-s", type=float, default=None,
                        help=f"seconds not measured at the start (default {DEFAULT_WARMUP_S:g}, or a third of "
                             "a run shorter than three minutes)")
    parser.add_argument("--sample-s", type=float, default=None,
                        help=f"seconds between samples (default {DEFAULT_SAMPLE_S:g}, or 1 for short runs)")
    parser.add_argument("--size", default=None, help="demo frame size WxH (default 1280x720)")
    parser.add_argument("--no-engine", action="store_true", help="leave the engine out")
    parser.add_argument("--no-capture", action="store_true", help="leave the capture stage out")
    parser.add_argument("--max-rss-growth-mb", type=float, default=MAX_RSS_GROWTH_MB)
    parser.add_argument("--out", type=Path, default=None, help="write the figures here as JSON")
    parser.add_argument("--preview", action="store_true",
                        help="soak the real 'headshot preview --source demo --auto' in a window under Xvfb, "
                             "sampled from outside (tools/soak_preview.py)")
    args = parser.parse_args(argv)
    seconds = args.seconds if args.seconds is not None else 60.0 * (args.minutes if args.minutes else 10.0)
    if seconds <= 0:
        parser.error(f"expected a positive duration, got {seconds:g} s")
    short = seconds < 180
    warmup = args.warmup_s if args.warmup_s is not None else (seconds / 3 if short else DEFAULT_WARMUP_S)
    sample = args.sample_s if args.sample_s is not None else (1.0 if short else DEFAULT_SAMPLE_S)
    size = None
    if args.size:
        try:
            width, height = (int(v) for v in args.size.lower().split("x"))
        except ValueError:
            parser.error(f"--size: expected WxH like 1280x720, got {args.size!r}")
        size = (width, height)
    if args.preview:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from soak_preview import run_preview_soak

        figures = run_preview_soak(seconds, warmup_s=warmup, sample_s=sample, max_growth_mb=args.max_rss_growth_mb)
    else:
        figures = run_soak(seconds, warmup_s=warmup, sample_s=sample, size=size,
                           max_growth_mb=args.max_rss_growth_mb, engine=not args.no_engine,
                           capture_on=not args.no_capture)
    if args.out is not None:
        args.out.write_text(json.dumps(figures, indent=1) + "\n")
    v = figures["verdict"]
    g = v.get("growth", {})
    print(f"soak: {figures['seconds']:.0f} s, {figures['frames']} frames ({figures['fps']:.1f} fps), "
          f"{figures['demo_sessions']} demo sessions, {figures['captures_written']} captures; after "
          f"{warmup:g} s warm-up: RSS {v.get('rss_mb_start')} -> {v.get('rss_mb_end')} MB "
          f"(growth {g.get('rss_mb')} MB), threads {g.get('threads')}, OS threads {g.get('os_threads')}, "
          f"fds {g.get('fds')}: {'OK' if v['ok'] else 'FAIL: ' + v['reason']}")
    return 0 if v["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
