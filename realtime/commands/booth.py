"""``headshot booth``: the unattended kiosk, full screen, from the attract screen to the saved photos."""

from __future__ import annotations

import argparse
import math
import threading
from contextlib import ExitStack
from typing import Any

from realtime.commands.flags import add_pipeline_args, add_vcam_args, check_seconds
from realtime.commands.live import open_live, open_vcam, say


def register(sub: argparse._SubParsersAction) -> None:
    from realtime.booth.keys import key_help

    parser = sub.add_parser("booth", help="kiosk photo booth: attract, coach, countdown, review, save",
                            description="Run the photo booth: people step in, are coached, get a 3-2-1 "
                                        "countdown, review the photo and accept or retake. One private "
                                        "folder per session; photos not accepted are never written.",
                            epilog=key_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    add_pipeline_args(parser)
    parser.add_argument("--out", default="booth-photos", help="where session folders go (default: ./booth-photos)")
    parser.add_argument("--fullscreen", action="store_true", help="fill the screen (kiosk)")
    parser.add_argument("--no-mirror", action="store_true", help="show the live view unmirrored")
    parser.add_argument("--start", choices=("face", "press"), default="face",
                        help="what begins a session: 'face' (someone stands in view for a second, or START; "
                             "default) or 'press' (only START: for a booth beside a busy aisle)")
    parser.add_argument("--pedal-key", default=None, metavar="KEY",
                        help="a USB foot pedal is connected and sends KEY (one character, or space/enter/tab): "
                             "it works as the green button and the screens mention it (default: no pedal)")
    add_handoff_args(parser)
    add_vcam_args(parser)
    parser.set_defaults(handler=run)


def add_handoff_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("hand-off (all opt-in; nothing leaves the local network)")
    group.add_argument("--share", action="store_true",
                       help="after ACCEPT show a QR code for a page on this booth where the person downloads "
                            "their square, 4:5 and ID crops; also serves the operator page at /operator")
    group.add_argument("--bind", default=None, metavar="ADDR:PORT",
                       help="address the share page listens on and the QR code names (default: this machine's "
                            "local network address, port 8019)")
    group.add_argument("--share-minutes", type=float, default=30.0,
                       help="how long a hand-off link works after the session's last photo (default: 30)")
    group.add_argument("--private", action="store_true",
                       help="delete each session's photos when its link expires (and when the booth stops)")
    group.add_argument("--operator-pin", default=None, metavar="DIGITS",
                       help="PIN of the operator page (default: six random digits, printed at start)")
    group.add_argument("--print", dest="printer", default=None, metavar="PRINTER",
                       help="print each accepted photo on this CUPS printer (4x6 inch)")
    group.add_argument("--print-layout", choices=("portraits", "id"), default="portraits",
                       help="4x6 layout: two 4:5 portraits (default) or eight 35x45 mm ID photos")


def open_handoff(args: argparse.Namespace, stack: ExitStack, store: Any, machine: Any,
                 report: Any) -> tuple[Any, Any]:
    """The share server (with the operator page) and the printer the flags ask for, each on ``stack``."""
    from realtime.booth.operator import OperatorPage, new_pin
    from realtime.booth.printing import Printer
    from realtime.booth.share import DEFAULT_PORT, ShareServer, lan_address, parse_bind
    from realtime.errors import ConfigError

    if not args.share and (args.private or args.operator_pin or args.bind):
        raise ConfigError("--bind, --private and --operator-pin go with --share", "add --share")
    share = printer = None
    if args.share:
        host, port = parse_bind(args.bind) if args.bind else (lan_address(), DEFAULT_PORT)
        pin = args.operator_pin or new_pin()
        share = ShareServer(host, port, minutes=args.share_minutes, private=args.private)
        share.operator = OperatorPage(store.root, pin, counts=machine.counts, on_delete=share.revoke)
        stack.enter_context(share)
        report(f"sharing on {share.base_url} (links work {args.share_minutes:g} min"
               f"{', photos deleted when they expire' if args.private else ''}); operator page "
               f"{share.base_url}/operator" + ("" if args.operator_pin else f", PIN {pin}"))
    if args.printer:
        printer = stack.enter_context(Printer(args.printer, layout=args.print_layout, report=report))
    return share, printer


def coach_quiet(coach: Any) -> Any:
    """The booth's countdown keeps the coach quiet (``Coach.quiet_until``: no new words while 3-2-1 runs)
    until the shot is taken; None for a coach without it. The booth screen hides coaching words during the
    countdown either way: this only keeps the coach's own memory of what it said consistent."""
    quiet_until = getattr(coach, "quiet_until", None)
    if quiet_until is None:
        return None
    return lambda on: quiet_until(math.inf if on else None)


def run(args: argparse.Namespace) -> int:
    from realtime.booth.keys import pedal_code, plural
    from realtime.booth.machine import BoothMachine, BoothTiming
    from realtime.booth.session import SessionStore
    from realtime.booth.shots import CaptureStageShots
    from realtime.booth.sink import BoothSink
    from realtime.loop import Loop
    from realtime.session import Session

    check_seconds(args)
    pedal = pedal_code(args.pedal_key) if args.pedal_key is not None else None
    stop = threading.Event()
    report = say("booth")
    mirrored = not args.no_mirror
    with ExitStack() as stack:
        store = SessionStore(args.out)  # an unwritable --out fails before the window opens
        # --share: the done screen stays a minute, time to take out a phone and scan the code
        machine = BoothMachine(BoothTiming(done_s=60.0) if args.share else None, start_on_face=args.start == "face")
        share, printer = open_handoff(args, stack, store, machine, report)
        # Captures stay in memory until the person accepts one; the session store writes it.
        window, source, pipeline, capture = open_live(args, stack, mirrored=mirrored, out_dir=None, auto=False,
                                                      once=False, fullscreen=args.fullscreen)
        session = Session(pipeline, capture)  # the booth's commands (a new person) go through it
        booth = BoothSink(window, stop=stop, shots=CaptureStageShots(capture), store=store, mirrored=mirrored,
                          machine=machine, on_new_person=session.new_person, report=report,
                          share=share, printer=printer, pedal_key=pedal, on_quiet=coach_quiet(session.coach))
        stack.callback(booth.close)  # a session still open at shutdown keeps only what was accepted
        sinks: list[Any] = [booth]
        if args.vcam:
            sinks.append(open_vcam(args, stack, fps=source.fps, required=False))  # busy: retried, booth goes on
        report(f"started, photos go to {store.root}")
        stats = Loop(source, [*pipeline.stages, capture], sinks, stop=stop, session=session).run(
            max_seconds=args.seconds)
        report(f"stopped after {plural(stats.frames, 'frame')}, {plural(booth.machine.sessions, 'session')}"
               f"{stats.skipped_note}")
    return 0
