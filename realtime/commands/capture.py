"""``headshot capture``: run the coach on a source and save the best frame once everything is right.

Exit codes (also in ``--help``):

====  =======================================================================================
0     captured: the folder, its crops and report.json are written
10    nothing captured: the ``--max-seconds`` limit passed, or the source ended, before a ready
      moment; the message names the check that failed on the most frames and its instruction
2     bad flag, profile or setting;  3 source cannot be opened;  4 engine;  6 output not writable
      (another --out, or free space);  130 interrupted
====  =======================================================================================
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from realtime.capture.writer import RETRIES_UNATTENDED, RETRY_AFTER_S
from realtime.errors import ConfigError

EXIT_NO_CAPTURE = 10
LIVE_SLACK_S = 2.0  # a stalled camera still ends the run this long after --max-seconds
# The disk-full policy is realtime/capture/writer.py's; module names kept so tests can shorten them.
WRITE_RETRIES = RETRIES_UNATTENDED  # a capture the disk refused is tried again this many times (no terminal)...
WRITE_RETRY_S = RETRY_AFTER_S  # ...this far apart

EPILOG = """exit codes:
  0   captured (folder with original, processed, crops and report.json)
  10  nothing captured within --max-seconds or before the source ended;
      the message says which check failed most and what to do
  2 bad flag or profile, 3 source, 4 engine, 6 output folder not writable, 130 interrupted"""


def register(subparsers: argparse._SubParsersAction) -> None:
    from realtime.commands.flags import add_processing_args, add_source_args

    parser = subparsers.add_parser(
        "capture",
        help="take the best frame automatically once framing and light are right",
        description="Coach the person on the source and save the best frame of the first ready moment: "
                    "original, processed (relit, background per profile), square, 4:5 and ID crops, "
                    "and report.json, in a new folder under --out.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_source_args(parser)
    add_processing_args(parser, precision=None)
    parser.add_argument("--out", default="headshots", help="folder for capture folders (default: ./headshots)")
    parser.add_argument("--max-seconds", type=float, default=None, metavar="N",
                        help=f"give up after N seconds of footage without a capture (exit {EXIT_NO_CAPTURE})")
    parser.add_argument("--json", action="store_true", help="print the report path and summary as JSON")
    parser.add_argument("--upscale", action="store_true",
                        help="resize crops smaller than the profile's sizes up to them (Lanczos); default: "
                             "native pixels only")
    parser.set_defaults(handler=run)


def is_camera(spec: str) -> bool:
    from realtime.sources.camera import camera_device

    return camera_device(spec) is not None


class FaceCounter:
    """Sink that counts the frames in which a face was seen: 'no face in any frame' is said as such."""

    name = "faces"

    def __init__(self) -> None:
        self.frames = 0

    def send(self, frame: Any) -> None:
        self.frames += frame.face is not None

    def idle(self, source_state: str) -> None:
        pass


def run(args: argparse.Namespace) -> int:
    from realtime.capture.stage import CaptureStage
    from realtime.commands.flags import camera_options, pipeline_options
    from realtime.console import ConsoleCoach
    from realtime.loop import Loop
    from realtime.pipeline import open_pipeline
    from realtime.sources import open_source

    if args.max_seconds is not None and not args.max_seconds > 0:  # also refuses nan
        raise ConfigError(f"expected --max-seconds > 0, got {args.max_seconds}", "pass a positive number")
    live = is_camera(args.source)
    check_before_opening(args.profile, Path(args.out))  # exit 2 / 6 before the camera and a whole session
    from realtime.sources.photo_read import is_still_source

    if is_still_source(args.source):  # photos: graded and rendered at once, no live gate (issue #15)
        from realtime.commands.capture_still import run_still

        return run_still(args)
    options = pipeline_options(args, mirrored=False)
    stop = threading.Event()
    with ExitStack() as stack:
        source = stack.enter_context(open_source(args.source, live=live, **camera_options(args)))
        pipeline = open_pipeline(options, stack)
        stage = CaptureStage(pipeline.profile, out_dir=Path(args.out), fps=source.fps, auto=True, once=True,
                             max_seconds=args.max_seconds, ends_loop=True, source_info=source.describe())
        # The coach on the terminal: one live line on a tty, a line per new instruction otherwise (live only).
        show = not args.json and (live or sys.stderr.isatty())
        faces = FaceCounter()
        sinks = [faces, *([stack.enter_context(ConsoleCoach(prefix="headshot capture"))] if show else [])]
        loop = Loop(source, [*pipeline.stages, stage], sinks, stop=stop)
        wall_limit = args.max_seconds + LIVE_SLACK_S if live and args.max_seconds else None
        try:
            loop.run(max_seconds=wall_limit)
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM (realtime.cli): a photo taken is saved first if it can be
            last_save(stage, lambda text: print(f"headshot capture: {text}", file=sys.stderr, flush=True))
            raise
        if not stage.captures:
            stage.finish()  # a video that ended inside a ready window still gets its best frame
    capture = stage.captures[0] if stage.captures else None
    if capture is not None and capture.folder is None and stage.pending is capture:
        _save_pending(stage, args)  # taken, but the disk refused it: retry or ask, else SinkError (exit 6)
    if capture is None or capture.folder is None:
        return _nothing(stage, args, faces.frames)
    _print_capture(capture.report or {}, capture.folder, args.json)
    return 0


def check_before_opening(profile: str, out: Path | None) -> None:
    """A bad profile (exit 2) or an --out folder that cannot be written (exit 6) is found before the camera
    opens and before the person goes through a whole session for nothing."""
    from realtime.coach.profile import load_profile

    load_profile(profile)
    if out is not None:
        check_out_folder(out)


def check_out_folder(out: Path) -> None:
    """Create ``out`` if needed and make sure files can be made in it (read-only, permissions)."""
    import os

    from realtime.capture.writer import sink_error
    from realtime.errors import SinkError

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise sink_error(exc, out) from exc
    if not out.is_dir() or not os.access(out, os.W_OK | os.X_OK):
        raise SinkError(f"cannot write the capture under {out} (not a folder you can write to)",
                        "pass an --out folder you can write to")


def last_save(stage: Any, report: Any) -> bool:
    """At the end of a run (also Ctrl-C, SIGTERM) a last try for each photo kept in memory because the disk
    refused it; says what was saved and what could not be. True when nothing is left unsaved."""
    from realtime.errors import SinkError

    error: SinkError | None = None
    flush = getattr(stage, "flush", None)
    if flush is not None:
        flush()  # saves still running on the stage's save thread (background_writes) finish first
    for capture in list(stage.unsaved):
        try:
            report(f"saved {stage.write(capture)}")
        except SinkError as exc:
            error = exc
    if stage.unsaved:
        why = error.one_line() if error else "the disk refused it"
        report(f"{len(stage.unsaved)} photo(s) taken but not saved ({why}); they are lost when this ends")
        return False
    return True


def _save_pending(stage: Any, args: argparse.Namespace) -> None:
    """The photo is in memory but --out refused it (full, read-only): on a terminal ask for another folder,
    otherwise try again a few times (space may be freed); raise SinkError if it still cannot be saved."""
    from realtime.errors import SinkError

    error = stage.write_error
    if stage.message:
        print(f"headshot capture: {stage.message}", file=sys.stderr, flush=True)
    if sys.stdin is not None and sys.stdin.isatty():
        while True:
            print("headshot capture: the photo is kept in memory; type another folder to save it there "
                  "(Enter gives up): ", end="", file=sys.stderr, flush=True)
            answer = sys.stdin.readline().strip()
            if not answer:
                break
            try:
                stage.write(out_dir=Path(answer).expanduser())
                return
            except SinkError as exc:
                error = exc
                print(f"headshot capture: {exc.one_line()}", file=sys.stderr, flush=True)
    else:
        for _ in range(WRITE_RETRIES):
            time.sleep(WRITE_RETRY_S)
            try:
                stage.write()
                return
            except SinkError as exc:
                error = exc
    raise SinkError(f"the photo was taken but not saved: {error.problem if error else 'write failed'}",
                    error.fix if error else "pass another --out folder")


def _nothing(stage: Any, args: argparse.Namespace, face_frames: int) -> int:
    summary = stage.log.timeout_summary()
    summary["reason"] = "time limit" if stage.timed_out else "source ended"
    summary["face_frames"] = face_frames
    worst = summary["most_failed"]
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        why = (f"no capture within {args.max_seconds:g} s" if stage.timed_out
               else "the source ended before a ready moment")
        if worst is None or not face_frames:
            print(f"headshot capture: {why}: no face was seen in any frame: face the camera, closer and in "
                  "better light (check the --source shows a person)", file=sys.stderr)
        else:
            todo = worst["instruction"] or f"fix {worst['check']}"
            print(f"headshot capture: {why}: '{worst['check']}' failed most "
                  f"({worst['frames']} of {summary['frames']} frames). {todo}.", file=sys.stderr)
    return EXIT_NO_CAPTURE


def _print_capture(report: dict[str, Any], folder: Path, as_json: bool) -> None:
    from realtime.capture.report import summary

    brief = summary(report, str(folder))
    if as_json:
        print(json.dumps(brief, indent=2))
        return
    from realtime.sinks.groups import summary_words

    print(f"Captured: {folder}")
    if report.get("crop_error"):
        print(f"headshot capture: {report['crop_error']}", file=sys.stderr)
    print(f"  {summary_words(report.get('checks', {}))}.")
    print(f"  {report['trigger']} capture at {report['time_s']:.1f} s, best of its moment "
          f"(score {report['score']:.2f} of 1); every measurement is in report.json")
    print("  files: " + " ".join(report["files"].values()))
    if brief["upscaled"]:
        print(f"  upscaled to the minimum size: {', '.join(brief['upscaled'])} "
              "(a closer or higher-resolution camera gives native pixels)")
