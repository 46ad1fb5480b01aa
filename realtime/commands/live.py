"""What the live window commands (``preview``, ``booth``) and ``vcam`` open from the shared flags
(:mod:`realtime.commands.flags`): the window, source, pipeline and capture stage; the virtual camera; and
the one-line state reporter on stderr."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from realtime.commands.flags import camera_options, pipeline_options


def open_vcam(args: argparse.Namespace, stack: ExitStack, *, fps: float, size: tuple[int, int] | None = None,
              framer: Any = None, required: bool = True) -> Any:
    """``required`` False: a device that is busy or missing at the start is retried in the background
    (the preview goes on) instead of stopping the command."""
    from realtime.sinks.vcam import VirtualCameraSink

    return stack.enter_context(VirtualCameraSink(size=size, fps=fps, device=args.device,
                                                 backend=args.vcam_backend, framer=framer, required=required))


def say(command: str) -> Callable[[str], None]:
    """A reporter that prints state changes on stderr, one line each (tests and users read them)."""

    def report(text: str) -> None:
        print(f"headshot {command}: {text}", file=sys.stderr, flush=True)

    return report


def open_live(args: argparse.Namespace, stack: ExitStack, *, mirrored: bool, out_dir: str | None, auto: bool,
              once: bool, fullscreen: bool = False, threaded_window: bool = False) -> tuple[Any, Any, Any, Any]:
    """What a live window command opens, in this order on ``stack``: the window (no display fails before
    the camera and models are opened), the live source, the pipeline, and the capture stage over them.
    ``threaded_window``: the window shows on its own thread (:mod:`realtime.sinks.window_thread`).
    Returns (window, source, pipeline, capture)."""
    from realtime.capture.stage import CaptureStage
    from realtime.commands.capture import check_before_opening
    from realtime.pipeline import open_pipeline
    from realtime.sinks.window import Window
    from realtime.sources import open_source

    check_before_opening(args.profile, None)  # a bad profile is exit 2 before the window and camera open
    if threaded_window:
        from realtime.sinks.window_thread import ThreadedWindow

        window = stack.enter_context(ThreadedWindow(Window(fullscreen=fullscreen)))
    else:
        window = stack.enter_context(Window(fullscreen=fullscreen))
    source = stack.enter_context(open_source(args.source, live=True, **camera_options(args)))
    pipeline = open_pipeline(pipeline_options(args, mirrored=mirrored), stack)
    # Saves (and the booth's shots, encoded ahead) run on the stage's save thread: the final matte takes
    # ~0.5 s and the window never freezes for it.
    capture = CaptureStage(pipeline.profile, out_dir=out_dir, fps=source.fps, auto=auto, once=once,
                           source_info=source.describe(), background_writes=True)
    stack.callback(capture.close)
    return window, source, pipeline, capture

