"""``headshot preview``: the live window with the coach's guides, keys, and optionally the virtual camera.

Its flags are the shared ones (:mod:`realtime.commands.flags`); what a live window opens is
:func:`realtime.commands.live.open_live`.
"""

from __future__ import annotations

import argparse
import threading
from contextlib import ExitStack
from typing import Any

from realtime.commands.flags import add_pipeline_args, add_vcam_args, check_seconds
from realtime.commands.live import open_live, open_vcam, say
from realtime.errors import SinkError

EXIT_NOT_SAVED = SinkError.exit_code  # preview ended with a photo taken that the disk refused


def profile_names(current: str) -> tuple[str, ...]:
    """The profiles ``p`` cycles through: the built-in ones, plus the user's own file first."""
    from realtime.coach.profile import builtin_profiles

    names = tuple(builtin_profiles())
    return names if current in names else (current, *names)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("preview", help="live window: mirror, guides, checklist, instructions, capture",
                            description="Open a live window with the processed frame, the profile's crop "
                                        "guide, the checklist and one instruction, and take the photo by "
                                        "itself when every check is right (a countdown, then a flash). Keys: "
                                        "space photo now, 1-6 checklist details, b background, r relight, "
                                        "m mirror, p profile, d speed, h help, q quit.")
    add_pipeline_args(parser)
    parser.add_argument("--no-mirror", action="store_true", help="show the frame unmirrored")
    parser.add_argument("--out", default="headshots", help="where captures go (default: ./headshots)")
    parser.add_argument("--auto", dest="auto", action="store_true", default=True,
                        help="take the photo by itself once when everything is right (the default)")
    parser.add_argument("--no-auto", dest="auto", action="store_false",
                        help="only take photos on space")
    add_vcam_args(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from realtime.commands.capture import last_save
    from realtime.loop import Loop
    from realtime.session import Session
    from realtime.sinks.preview import PreviewControls, PreviewSink

    check_seconds(args)
    stop = threading.Event()
    report = say("preview")
    mirrored = not args.no_mirror
    with ExitStack() as stack:
        # The window shows on its own thread: waiting for the display (10+ ms a frame under a busy X server)
        # never holds the loop; it shows the newest frame at the display's pace.
        window, source, pipeline, capture = open_live(args, stack, mirrored=mirrored, out_dir=args.out,
                                                      auto=args.auto, once=True, threaded_window=True)
        session = Session(pipeline, capture)  # the keys' commands reach coach, capture and engine together
        controls = PreviewControls(session, profiles=profile_names(args.profile), mirrored=mirrored)
        preview = PreviewSink(window, stop=stop, controls=controls, trigger_capture=capture.trigger,
                              report=report,
                              auto_armed=lambda: bool(capture.auto and not capture.done))
        sinks: list[Any] = [preview]
        if args.vcam:
            sinks.append(open_vcam(args, stack, fps=source.fps, required=False))
        report(f"started ({', '.join(controls.status())})")
        loop = Loop(source, [*pipeline.stages, capture], sinks, stop=stop, session=session)
        try:
            stats = loop.run(max_seconds=args.seconds)
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM: photos kept in memory get a last try, and are named
            last_save(capture, report)
            raise
        shown = getattr(window, "shown", None)  # the display thread's count: what reached the screen
        on_screen = f", {shown} shown ({shown / stats.seconds:.1f} fps)" if shown is not None and stats.seconds else ""
        report(f"stopped after {stats.frames} frames ({stats.fps:.1f} fps){on_screen}{stats.skipped_note}")
        if not last_save(capture, report):  # a photo the disk refused is not dropped silently at the end
            return EXIT_NOT_SAVED
    return 0
