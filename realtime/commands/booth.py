"""``headshot booth``: the unattended kiosk, full screen, from the attract screen to the saved photos."""

from __future__ import annotations

import argparse
import threading
from contextlib import ExitStack
from typing import Any

from realtime.commands.preview import (
    add_pipeline_args,
    add_vcam_args,
    check_seconds,
    open_live,
    open_vcam,
    say,
)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("booth", help="kiosk photo booth: attract, coach, countdown, review, save",
                            description="Run the photo booth: people step in, are coached, get a 3-2-1 "
                                        "countdown, review the photo and accept or retake. One private "
                                        "folder per session; photos not accepted are never written.")
    add_pipeline_args(parser)
    parser.add_argument("--out", default="booth-photos", help="where session folders go (default: ./booth-photos)")
    parser.add_argument("--fullscreen", action="store_true", help="fill the screen (kiosk)")
    parser.add_argument("--no-mirror", action="store_true", help="show the live view unmirrored")
    parser.add_argument("--start", choices=("face", "press"), default="face",
                        help="what begins a session: 'face' (someone stands in view for a second, or START; "
                             "default) or 'press' (only START: for a booth beside a busy aisle)")
    add_vcam_args(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from realtime.booth.machine import BoothMachine
    from realtime.booth.session import SessionStore
    from realtime.booth.shots import CaptureStageShots
    from realtime.booth.sink import BoothSink
    from realtime.loop import Loop

    check_seconds(args)
    stop = threading.Event()
    report = say("booth")
    mirrored = not args.no_mirror
    with ExitStack() as stack:
        store = SessionStore(args.out)  # an unwritable --out fails before the window opens
        # Captures stay in memory until the person accepts one; the session store writes it.
        window, source, pipeline, capture = open_live(args, stack, mirrored=mirrored, out_dir=None, auto=False,
                                                      once=False, fullscreen=args.fullscreen)
        booth = BoothSink(window, stop=stop, shots=CaptureStageShots(capture), store=store, mirrored=mirrored,
                          machine=BoothMachine(start_on_face=args.start == "face"),
                          on_new_person=lambda: pipeline.coach.coach.reset(), report=report)
        stack.callback(booth.close)  # a session still open at shutdown keeps only what was accepted
        sinks: list[Any] = [booth]
        if args.vcam:
            sinks.append(open_vcam(args, stack, fps=source.fps, required=False))  # busy: retried, booth goes on
        report(f"started, photos go to {store.root}")
        stats = Loop(source, [*pipeline.stages, capture], sinks, stop=stop).run(max_seconds=args.seconds)
        report(f"stopped after {stats.frames} frames, {booth.machine.sessions} sessions{stats.skipped_note}")
    return 0
