"""``headshot calibrate``: ``int8`` (a quantised segmentation network) and ``camera`` (a booth profile)."""

from __future__ import annotations

import argparse
import re
import sys
import time

from engines.backends import backend_choices
from realtime.errors import ConfigError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("calibrate", help="INT8 engine calibration, and camera/booth calibration",
                            description="int8: make a faster INT8 segmentation model from pictures of your own "
                                        "setting; camera: measure a webcam and write a booth profile.")
    kinds = parser.add_subparsers(dest="calibration", metavar="KIND", parser_class=type(parser))

    int8 = kinds.add_parser("int8", help="quantise the segmentation network to INT8 (Q/DQ) from frames",
                            description="Quantise the segmentation network to INT8 from calibration frames "
                                        "(your booth's pictures, a camera, or the built-in set) and check its "
                                        "masks against the full-precision model on held-back frames.")
    where = int8.add_mutually_exclusive_group()
    where.add_argument("--frames", metavar="DIR", help="a folder of pictures of your booth")
    where.add_argument("--source", metavar="SRC",
                       help="a camera (camera:0), video or folder; default: the built-in set (demo + photo)")
    int8.add_argument("--count", type=int, default=64, help="frames to use, a quarter held back (default 64)")
    int8.add_argument("--size", default="320x180", help="built-in frames' size, WxH (default 320x180)")
    int8.add_argument("--backend", choices=backend_choices()[1:], default="onnxruntime",
                      help="the runtime the INT8 model is made for (integer types differ)")
    int8.add_argument("--model", choices=("general", "landscape"), default="general", help="segmentation model")
    int8.add_argument("--force", action="store_true", help="calibrate again even when cached")
    int8.set_defaults(handler=run_int8)

    camera = kinds.add_parser("camera", help="measure a webcam and write a booth profile (TOML)",
                              description="Measure a webcam (modes, controls, field of view, latency, the "
                                          "background plate) and write a booth profile TOML.")
    camera.add_argument("--source", default="camera:0", help="the camera: camera:0, 0 or /dev/video0")
    camera.add_argument("--out", default="booth.toml", help="profile to write (default booth.toml)")
    camera.add_argument("--extends", default="professional", help="base profile (default professional)")
    camera.add_argument("--size", help="capture size WxH (default 1280x720 when the camera has it)")
    camera.add_argument("--fps", type=float, help="frame rate to ask for")
    fov = camera.add_mutually_exclusive_group()
    fov.add_argument("--fov", type=float, metavar="DEG", help="horizontal field of view, when known")
    fov.add_argument("--target-width-mm", type=float, metavar="W",
                     help="printed target's width (full chessboard width) in mm")
    camera.add_argument("--target-distance-mm", type=float, metavar="D", help="target's distance from the lens")
    camera.add_argument("--target-px", type=float, help="target's width in pixels, if measured by hand")
    camera.add_argument("--chessboard", default="9x6", help="inner corners COLSxROWS (default 9x6)")
    camera.add_argument("--plate-frames", type=int, default=30, help="frames in the background plate median")
    camera.add_argument("--plate-delay", type=float, default=5.0, help="seconds to leave the booth before the plate")
    camera.set_defaults(handler=run_camera)
    parser.set_defaults(handler=lambda args: _missing_kind(parser))


def _missing_kind(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _size(text: str, flag: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)x(\d+)", text.strip())
    if not match or int(match.group(1)) < 16 or int(match.group(2)) < 16:
        raise ConfigError(f"{flag}: expected WIDTHxHEIGHT like 1280x720, got {text!r}", f"pass {flag} 1280x720")
    return int(match.group(1)), int(match.group(2))


def run_int8(args: argparse.Namespace) -> int:
    from calibration.frames import representative_frames, source_frames
    from calibration.int8 import calibrate_int8

    if args.count < 8:
        raise ConfigError(f"--count must be at least 8, got {args.count}", "use --count 64")
    spec = args.frames or args.source
    started = time.monotonic()
    frames = source_frames(spec, args.count) if spec else representative_frames(args.count, _size(args.size, "--size"))
    print(f"calibrate: {len(frames)} frames from {spec or 'the built-in set'}", file=sys.stderr)
    model = calibrate_int8(frames, variant=args.model, backend=args.backend, force=args.force)
    state = "built" if model.built else "cached"
    print(f"int8 model ({state}): {model.path}")
    print(f"  calibration: {model.calibration_path}")
    print(f"  matte IoU vs fp32 on {model.holdout_frames} held-back frames: pooled {model.pooled_iou:.4f}, "
          f"mean {model.mean_iou:.4f}, worst {model.min_iou:.4f}")
    print(f"  kept in float: {model.float_part} ({', '.join(model.excluded_nodes) or 'nothing'})")
    print(f"  took {time.monotonic() - started:.1f} s; use it with: headshot engines build --precision int8 "
          f"--backend {args.backend}")
    return 0


def run_camera(args: argparse.Namespace) -> int:
    from calibration import camera as cam
    from calibration.booth_profile import write_booth_profile

    target = None
    if args.target_width_mm is not None:
        if args.target_distance_mm is None:
            raise ConfigError("--target-width-mm needs --target-distance-mm",
                              "measure the distance from the lens to the target and pass it in mm")
        match = re.fullmatch(r"(\d+)x(\d+)", args.chessboard.strip().lower())
        if not match:
            raise ConfigError(f"--chessboard: expected COLSxROWS like 9x6, got {args.chessboard!r}", "pass 9x6")
        cols_rows = (int(match.group(1)), int(match.group(2)))
        target = cam.FovTarget(args.target_width_mm, args.target_distance_mm, args.target_px, cols_rows)
    elif args.target_distance_mm is not None or args.target_px is not None:
        raise ConfigError("--target-distance-mm and --target-px need --target-width-mm",
                          "pass the target's width too, or --fov")

    def before_plate() -> None:
        print(f"calibrate: step out of the booth; the background plate is taken in {args.plate_delay:g} s",
              file=sys.stderr)
        time.sleep(max(0.0, args.plate_delay))

    device = cam.parse_camera_spec(args.source)
    size = _size(args.size, "--size") if args.size else None
    if target is not None:
        print("calibrate: hold the printed target flat, facing the camera, at the distance given", file=sys.stderr)
    calibration, plate = cam.calibrate_camera(
        device, open_capture=cam.OPEN_CAPTURE, size=size, fps=args.fps, fov_deg=args.fov, target=target,
        plate_frames=args.plate_frames, before_plate=before_plate)
    path = write_booth_profile(args.out, calibration, plate, extends=args.extends)
    mode, timing = calibration.mode, calibration.timing
    print(f"booth profile: {path}")
    print(f"  camera {calibration.device}: {mode.label()} {mode.fourcc}, delivers {timing.fps:.1f} fps "
          f"(interval {timing.interval_ms:.1f} ms, jitter {timing.jitter_ms:.1f} ms)")
    print(f"  modes: {', '.join(m.label() for m in calibration.modes)}")
    latency = f"{timing.latency_ms:.0f} ms (estimate: {timing.latency_note})" if timing.latency_ms is not None \
        else f"not measurable ({timing.latency_note})"
    print(f"  latency: {latency}")
    fov_text = f"{calibration.fov_deg:.1f} deg ({calibration.fov_source})" if calibration.fov_deg else \
        "unknown (pass --fov or a target)"
    print(f"  field of view: {fov_text}")
    locked = [c.name for c in calibration.controls if c.locked]
    print(f"  locked: {', '.join(locked) or 'nothing'}")
    for control in calibration.controls:
        if not control.locked:
            print(f"  not locked: {control.name} ({control.note})")
    print(f"  background plate: {calibration.background_plate}")
    for note in calibration.notes:
        print(f"  note: {note}")
    return 0
