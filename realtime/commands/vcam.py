"""``headshot vcam``: the processed frame to a virtual camera for video calls (no window, no overlays)."""

from __future__ import annotations

import argparse
import re
import threading
from contextlib import ExitStack

from realtime.commands.flags import add_pipeline_args, add_vcam_args, camera_options, check_seconds, pipeline_options
from realtime.commands.live import open_vcam, say
from realtime.errors import ConfigError

_SIZE = re.compile(r"^\s*(\d+)\s*[xX]\s*(\d+)\s*$")
CALL_ASPECT = 16 / 9
MAX_SIDE = 4096  # v4l2loopback and video-call apps top out at 4K; larger is a typo that would eat memory
MAX_FPS = 120.0


def parse_size(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    match = _SIZE.match(text)
    if not match:
        raise ConfigError(f"expected --size like 1280x720, got {text!r}", "pass --size WIDTHxHEIGHT")
    width, height = int(match.group(1)), int(match.group(2))
    if width < 2 or height < 2:
        raise ConfigError(f"expected --size of at least 2x2, got {text!r}", "pass --size WIDTHxHEIGHT like 1280x720")
    if width > MAX_SIDE or height > MAX_SIDE:
        raise ConfigError(f"expected --size of at most {MAX_SIDE}x{MAX_SIDE}, got {text!r}",
                          "pass --size WIDTHxHEIGHT like 1280x720")
    return width, height


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("vcam", help="send the processed camera to a virtual camera for video calls",
                            description="Run the studio processing and send the result (never the "
                                        "overlays) to a virtual camera: v4l2loopback on Linux, OBS's "
                                        "virtual camera on Windows and macOS.")
    add_pipeline_args(parser)
    add_vcam_args(parser, flag=False)
    parser.add_argument("--size", default=None, help="output WIDTHxHEIGHT (default: the source's; even)")
    parser.add_argument("--fps", type=float, default=None, help="output frame rate (default: the source's)")
    parser.add_argument("--auto-frame", action="store_true",
                        help="smooth pan and zoom that keeps the head framed (like Center Stage)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from realtime.console import ConsoleCoach
    from realtime.loop import Loop
    from realtime.pipeline import open_pipeline
    from realtime.sinks.autoframe import AutoFramer
    from realtime.sources import open_source

    check_seconds(args)
    size = parse_size(args.size)
    if args.fps is not None and not 0 < args.fps <= MAX_FPS:  # also refuses nan
        raise ConfigError(f"expected --fps from above 0 to {MAX_FPS:g}, got {args.fps}", "pass --fps like 30")
    from realtime.commands.capture import check_before_opening

    check_before_opening(args.profile, None)  # a bad profile is exit 2 before the camera opens
    report = say("vcam")
    stop = threading.Event()
    with ExitStack() as stack:
        source = stack.enter_context(open_source(args.source, live=True, **camera_options(args)))
        pipeline = open_pipeline(pipeline_options(args, mirrored=False), stack)
        fps = args.fps or source.fps
        aspect = size[0] / size[1] if size else CALL_ASPECT
        framer = AutoFramer(aspect) if args.auto_frame else None
        vcam = open_vcam(args, stack, fps=fps, size=size, framer=framer)
        report(f"sending at {fps:.0f} fps{' with auto-framing' if framer else ''} (Ctrl-C to stop)")
        coach = stack.enter_context(ConsoleCoach(prefix="headshot vcam"))  # live line on a terminal
        loop = Loop(source, pipeline.stages, [vcam, coach], stop=stop)
        stats = loop.run(max_seconds=args.seconds)
        report(f"stopped after {stats.frames} frames ({stats.fps:.1f} fps processed, {vcam.stats.sent} sent"
               f" to {vcam.device_name or 'no device'} at {vcam.size}, {vcam.stats.repeated} repeats)"
               f"{stats.skipped_note}")
    return 0
