"""The command-line flags several commands share, and how they are read back.

* the source: ``--source`` and the webcam mode (``--camera-size``, ``--camera-fps``): ``capture``,
  ``preview``, ``vcam``, ``booth``;
* the processing: ``--profile``, ``--backend``, ``--precision``, ``--background``, ``--relight``: the same
  four plus, without ``--no-engine``/``--seconds``, ``capture``;
* the virtual camera: ``--device``, ``--vcam-backend`` (``preview --vcam``, ``vcam``, ``booth --vcam``).

Backend and precision choices come from the engine registry (:mod:`engines.backends`).
"""

from __future__ import annotations

import argparse
from typing import Any

from engines.backends import PRECISIONS, backend_choices
from realtime.errors import ConfigError


def add_camera_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--camera-size", default=None, metavar="WxH",
                        help="the webcam mode to ask for, e.g. 1920x1080 (default: the camera's largest 16:9 "
                             "mode that runs at 25 fps or more; 'headshot doctor' lists the modes)")
    parser.add_argument("--camera-fps", type=float, default=None, metavar="FPS",
                        help="the webcam frame rate to ask for (default: the chosen mode's, at least 25)")


def add_source_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", default="0",
                        help="demo, a camera (0, camera:1, /dev/video2), a video file, or images (default: 0)")
    add_camera_args(parser)


def add_processing_args(parser: argparse.ArgumentParser, *, precision: str | None = "fp32") -> None:
    """``precision``: the default of ``--precision`` (None: the backend's own)."""
    parser.add_argument("--profile", default="professional", metavar="NAME|PATH",
                        help="professional, id, actor, or a profile TOML file (default: professional)")
    parser.add_argument("--backend", default="auto", choices=backend_choices(),
                        help="engine backend (default: auto, TensorRT when a usable GPU is there, else ONNX Runtime)")
    parser.add_argument("--precision", default=precision, choices=PRECISIONS,
                        help=f"model precision (default: {precision or 'the backend' + chr(39) + 's'}; int8 needs "
                             "'headshot calibrate int8' first)")
    parser.add_argument("--background", choices=("keep", "blur", "studio"), default=None,
                        help="background mode (default: the profile's)")
    parser.add_argument("--relight", dest="relight", action="store_true", default=None, help="relight on")
    parser.add_argument("--no-relight", dest="relight", action="store_false", help="relight off")


def add_pipeline_args(parser: argparse.ArgumentParser) -> None:
    """The live commands' flags: source, processing, ``--no-engine`` and ``--seconds``."""
    add_source_args(parser)
    add_processing_args(parser)
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
    """:class:`~realtime.pipeline.PipelineOptions` from the processing flags (a precision left out is the
    options' default)."""
    from realtime.pipeline import PipelineOptions

    precision = {"precision": args.precision} if args.precision else {}
    return PipelineOptions(profile=args.profile, backend=args.backend, background=args.background,
                           relight=args.relight, mirrored=mirrored,
                           engine=not getattr(args, "no_engine", False), **precision)


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


def check_seconds(args: argparse.Namespace) -> None:
    if args.seconds is not None and not args.seconds > 0:  # also refuses nan
        raise ConfigError(f"expected --seconds > 0, got {args.seconds}", "pass a positive number of seconds")
