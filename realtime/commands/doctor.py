"""``headshot doctor``: cameras, display, virtual camera, ONNX Runtime, GPU, models and caches."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("doctor", help="check cameras, display, virtual camera, GPU, models",
                            description="Check what this machine offers Headshot Studio: each camera with its "
                                        "modes and the one used by default, the display, the virtual camera, "
                                        "ONNX Runtime, the GPU and TensorRT, the models and the engine cache; "
                                        "for each missing piece, what to do. Needs no camera, display or GPU.")
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from realtime.doctor import run_checks

    findings = run_checks()
    if args.json:
        print(json.dumps([f.as_json() for f in findings], indent=2))
        return 0
    for finding in findings:
        mark = "ok " if finding.ok else "-- "
        print(f"{mark}{finding.topic:<15} {finding.detail}")
        if finding.fix:
            print(f"   {'':<15} fix: {finding.fix}")
    return 0
