"""``headshot bench``: per-stage speed and latency of the real loop, with the baseline in the same run."""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import ExitStack


def register(sub: argparse._SubParsersAction) -> None:
    from engines.backends import PRECISIONS, backend_choices

    parser = sub.add_parser("bench", help="measure per-stage speed and latency against a baseline",
                            description="Run the real loop (engine, face, coach, capture, overlay) on the demo "
                                        "clip at each size and measure every stage, fps and end-to-end latency, "
                                        "next to the common approach (MediaPipe selfie segmentation + NumPy blend "
                                        "+ face mesh) measured in the same run. --json gives every figure.")
    parser.add_argument("--quick", action="store_true", help="one size, fewer frames: under a minute")
    parser.add_argument("--frames", type=int, default=None, help="frames per clip (default 120, quick 60)")
    parser.add_argument("--backend", action="append", choices=backend_choices()[1:],  # no auto: say which
                        help="backend(s) to measure, repeatable (default: onnxruntime, plus tensorrt when usable)")
    parser.add_argument("--precision", action="append", choices=PRECISIONS,
                        help="model precision(s), repeatable (default: the backend's own, onnxruntime fp32 and "
                             "tensorrt fp16, plus int8 where 'headshot calibrate int8' has made a model)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the baseline runs")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--no-stills", dest="stills", action="store_false",
                        help="skip the final still matte row (a 720p frame and a 12 MP photo)")
    parser.set_defaults(handler=run)


class OverlaySink:
    """The preview's drawing (checklist, guide, instruction) without a window: the compose stage."""

    name = "overlay"

    def __init__(self) -> None:
        self._cache: dict = {}  # the panel and band kept between frames, as the preview keeps them

    def send(self, frame) -> None:
        from realtime.sinks.overlay import OverlayView, render_overlay

        render_overlay(frame.output, frame.assessment, OverlayView(fps=30.0, latency_ms=0.0), panel_cache=self._cache)

    def idle(self, source_state: str) -> None:
        """Nothing to draw without a frame."""


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from engines.backends.registry import unavailable
    from engines.int8 import int8_model_path
    from realtime.bench import BenchPlan, choose_engines, format_table, run_bench
    from realtime.pipeline import PipelineOptions, open_pipeline

    plan = BenchPlan.quick() if args.quick else BenchPlan()
    if args.frames is not None:
        if args.frames < 10:
            from realtime.errors import ConfigError

            raise ConfigError(f"--frames must be at least 10, got {args.frames}", "use --frames 60 or more")
        plan = replace(plan, frames=args.frames)
    plan = replace(plan, baseline=not args.no_baseline, sequential=not args.quick)
    engines, skipped = choose_engines(args.backend, args.precision,
                                      int8_calibrated=lambda backend: int8_model_path(backend=backend) is not None)
    for backend in args.backend or ():
        if why_not := unavailable(backend):
            from realtime.errors import EngineError

            raise EngineError(f"--backend {backend} cannot run here: {why_not}", "leave --backend out to measure "
                              "ONNX Runtime only, or run on a machine with an NVIDIA GPU")
    plan = replace(plan, engines=engines, skipped=tuple(skipped))

    def open_ours(backend: str, precision: str, parallel: bool):
        def opener(stack: ExitStack) -> list:
            from realtime.capture.stage import CaptureStage

            pipeline = open_pipeline(PipelineOptions(backend=backend, precision=precision, parallel=parallel), stack)
            # Capture keeps its candidate ring as in a live session; auto-capture off, so nothing is written.
            return [*pipeline.stages, CaptureStage(pipeline.profile, auto=False)]
        return opener

    report = run_bench(plan, open_ours, ours_sinks=lambda stack: [OverlaySink()],
                       progress=lambda line: print(f"bench: {line}", file=sys.stderr))
    if getattr(args, "stills", True):  # the final still matte (issue #15): its own small table
        from realtime.capture.still_bench import bench_stills, format_rows

        report["stills"] = bench_stills(repeats=1 if args.quick else 3,
                                        progress=lambda line: print(f"bench: {line}", file=sys.stderr))
    print(json.dumps(report, indent=2) if args.json else format_table(report))
    if report.get("stills") and not args.json:
        print("\n" + format_rows(report["stills"]))
    return 0
