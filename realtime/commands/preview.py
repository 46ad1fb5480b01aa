"""``headshot preview``: the live window with the coach's guides, keys, and optionally the virtual camera.

Also holds the flags the three live commands share (``preview``, ``vcam``, ``booth``): the processing
(``--profile``, ``--backend`` ...) and the virtual camera (``--device``, ``--vcam-backend``), so the
window, the call and the booth show the same processing from the same options.
"""

from __future__ import annotations

import argparse
import sys
import threading
from contextlib import ExitStack
from typing import Any

from engines.backends import PRECISIONS
from realtime.errors import ConfigError, SinkError

EXIT_NOT_SAVED = SinkError.exit_code  # preview ended with a photo taken that the disk refused


def backend_choices() -> tuple[str, ...]:
    """``auto`` and the engine backends the registry lists (its test-only ``fake`` left out)."""
    from engines.backends.registry import backend_choices as registry_choices

    return registry_choices()


def add_camera_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--camera-size", default=None, metavar="WxH",
                        help="the webcam mode to ask for, e.g. 1920x1080 (default: the camera's largest 16:9 "
                             "mode that runs at 25 fps or more; 'headshot doctor' lists the modes)")
    parser.add_argument("--camera-fps", type=float, default=None, metavar="FPS",
                        help="the webcam frame rate to ask for (default: the chosen mode's, at least 25)")


def add_pipeline_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", default="0",
                        help="demo, a camera (0, camera:1, /dev/video2), a video file, or images (default: 0)")
    add_camera_args(parser)
    parser.add_argument("--profile", default="professional", metavar="NAME|PATH",
                        help="professional, id, actor, or a profile TOML file (default: professional)")
    parser.add_argument("--backend", default="auto", choices=backend_choices(),
                        help="engine backend (default: auto, TensorRT when a usable GPU is there, else ONNX Runtime)")
    parser.add_argument("--precision", default="fp32", choices=PRECISIONS,
                        help="model precision (default: fp32; int8 needs 'headshot calibrate int8' first)")
    parser.add_argument("--background", choices=("keep", "blur", "studio"), default=None,
                        help="background mode (default: the profile's)")
    parser.add_argument("--relight", dest="relight", action="store_true", default=None, help="relight on")
    parser.add_argument("--no-relight", dest="relight", action="store_false", help="relight off")
    parser.add_argument("--no-engine", action="store_true",
                        help="skip segmentation and relighting: the raw camera frame is shown and sent")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this many seconds")


def add_vcam_args(parser: argparse.ArgumentParser, *, flag: bool = True) -> None:
    if flag:
        parser.add_argument("--vcam", action="store_true",
                            help="also send the processed frame (no overlays) to a virtual camera")
    parser.add_argument("--device", default=None, help="virtual camera device, e.g. /dev/video10")
    parser.add_argument("--vcam-backend", default=None,
                        help="pyvirtualcam backend (v4l2loopback, obs, unitycapture; default: any)")


def pipeline_options(args: argparse.Namespace, *, mirrored: bool) -> Any:
    from realtime.pipeline import PipelineOptions

    return PipelineOptions(profile=args.profile, backend=args.backend, precision=args.precision,
                           background=args.background, relight=args.relight, mirrored=mirrored,
                           engine=not args.no_engine)


def profile_names(current: str) -> tuple[str, ...]:
    """The profiles ``p`` cycles through: the built-in ones, plus the user's own file first."""
    from realtime.coach.profile import builtin_profiles

    names = tuple(builtin_profiles())
    return names if current in names else (current, *names)


def open_vcam(args: argparse.Namespace, stack: ExitStack, *, fps: float, size: tuple[int, int] | None = None,
              framer: Any = None, required: bool = True) -> Any:
    """``required`` False: a device that is busy or missing at the start is retried in the background
    (the preview goes on) instead of stopping the command."""
    from realtime.sinks.vcam import VirtualCameraSink

    return stack.enter_context(VirtualCameraSink(size=size, fps=fps, device=args.device,
                                                 backend=args.vcam_backend, framer=framer, required=required))


def check_seconds(args: argparse.Namespace) -> None:
    if args.seconds is not None and not args.seconds > 0:  # also refuses nan
        raise ConfigError(f"expected --seconds > 0, got {args.seconds}", "pass a positive number of seconds")


def say(command: str):
    """A reporter that prints state changes on stderr, one line each (tests and users read them)."""

    def report(text: str) -> None:
        print(f"headshot {command}: {text}", file=sys.stderr, flush=True)

    return report


def open_live(args: argparse.Namespace, stack: ExitStack, *, mirrored: bool, out_dir: str | None, auto: bool,
              once: bool, fullscreen: bool = False) -> tuple[Any, Any, Any, Any]:
    """What a live window command opens, in this order on ``stack``: the window (no display fails before
    the camera and models are opened), the live source, the pipeline, and the capture stage over them.
    Returns (window, source, pipeline, capture)."""
    from realtime.capture.stage import CaptureStage
    from realtime.commands.capture import check_before_opening
    from realtime.pipeline import open_pipeline
    from realtime.sinks.window import Window
    from realtime.sources import open_source

    check_before_opening(args.profile, None)  # a bad profile is exit 2 before the window and camera open
    window = stack.enter_context(Window(fullscreen=fullscreen))
    source = stack.enter_context(open_source(args.source, live=True, **camera_options(args)))
    pipeline = open_pipeline(pipeline_options(args, mirrored=mirrored), stack)
    capture = CaptureStage(pipeline.profile, out_dir=out_dir, fps=source.fps, auto=auto, once=once,
                           source_info=source.describe())
    return window, source, pipeline, capture


def camera_options(args: argparse.Namespace) -> dict[str, Any]:
    """``open_source`` keywords from ``--camera-size`` and ``--camera-fps`` (only those given)."""
    from realtime.sources.camera import parse_camera_size

    options: dict[str, Any] = {}
    size = parse_camera_size(getattr(args, "camera_size", None))
    if size is not None:
        options["size"] = size
    fps = getattr(args, "camera_fps", None)
    if fps is not None:
        if not 1.0 <= fps <= 240.0:  # also refuses nan
            raise ConfigError(f"expected --camera-fps between 1 and 240, got {fps}", "pass e.g. --camera-fps 30")
        options["fps"] = fps
    return options


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
    from realtime.sinks.preview import PreviewControls, PreviewSink

    check_seconds(args)
    stop = threading.Event()
    report = say("preview")
    mirrored = not args.no_mirror
    with ExitStack() as stack:
        window, source, pipeline, capture = open_live(args, stack, mirrored=mirrored, out_dir=args.out,
                                                      auto=args.auto, once=True)
        controls = PreviewControls(pipeline, profiles=profile_names(args.profile), mirrored=mirrored,
                                   on_profile=lambda profile: setattr(capture, "profile", profile))
        preview = PreviewSink(window, stop=stop, controls=controls, trigger_capture=capture.trigger,
                              last_capture=capture.last_capture, report=report,
                              auto_armed=lambda: bool(capture.auto and not capture.done))
        sinks: list[Any] = [preview]
        if args.vcam:
            sinks.append(open_vcam(args, stack, fps=source.fps, required=False))
        report(f"started ({', '.join(controls.status())})")
        loop = Loop(source, [*pipeline.stages, capture], sinks, stop=stop)
        try:
            stats = loop.run(max_seconds=args.seconds)
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM: photos kept in memory get a last try, and are named
            last_save(capture, report)
            raise
        report(f"stopped after {stats.frames} frames ({stats.fps:.1f} fps){stats.skipped_note}")
        if not last_save(capture, report):  # a photo the disk refused is not dropped silently at the end
            return EXIT_NOT_SAVED
    return 0
