"""``headshot process``: run the studio engine over an image or a video file and write the result.

An image gives an image; a video gives an mp4 (cv2.VideoWriter). ``--mask`` writes the matte at the
input's resolution as 8-bit (255 = person): a PNG for an image, a grey video for a video.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from pathlib import Path

import numpy as np

from realtime.errors import ConfigError, SinkError, SourceError

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}
VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv", ".m4v", ".webm"}
DEFAULT_FPS = 30.0


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("process", help="segment and relight an image or a video file")
    parser.add_argument("input", type=Path, metavar="INPUT", help="image (png, jpg, ...) or video (mp4, ...)")
    parser.add_argument("--out", type=Path, required=True, metavar="OUTPUT",
                        help="processed image, or an .mp4 for a video")
    parser.add_argument("--mask", type=Path, metavar="MASK", help="also write the matte (PNG, or a video for video)")
    parser.add_argument("--background", choices=("keep", "blur", "studio"), default="keep",
                        help="what happens behind the person (default keep)")
    parser.add_argument("--relight", action=argparse.BooleanOptionalAction, default=True,
                        help="soft studio relighting of the person (default on)")
    parser.add_argument("--backend", choices=("auto", "onnxruntime", "tensorrt"), default="auto",
                        help="engine backend (default auto: TensorRT when usable, else ONNX Runtime)")
    parser.add_argument("--precision", choices=("fp32", "fp16", "int8"), default=None,
                        help="model precision (default: fp32 on ONNX Runtime, fp16 on TensorRT)")
    parser.add_argument("--model", choices=("general", "landscape"), default="general",
                        help="segmentation model (default general, 256x256)")
    parser.add_argument("--threads", type=int, default=None, help="ONNX Runtime threads (default: physical cores)")
    parser.add_argument("--segmentation-only", action="store_true",
                        help="only the matte, exactly as MediaPipe computes it; the image is left as is")
    parser.set_defaults(handler=run)


def _kind(path: Path, what: str) -> str:
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return "image"
    if suffix in VIDEO_SUFFIXES:
        return "video"
    raise ConfigError(f"{what} {path}: expected an image ({', '.join(sorted(IMAGE_SUFFIXES))}) or a video "
                      f"({', '.join(sorted(VIDEO_SUFFIXES))}), got {suffix or 'no extension'}",
                      f"give {what} a known extension")


def mask_u8(alpha: np.ndarray) -> np.ndarray:
    """float matte in [0, 1] -> uint8, 255 = person (rounded, not truncated)."""
    return np.clip(np.rint(alpha * 255.0), 0, 255).astype(np.uint8)


def _write_image(path: Path, image: np.ndarray) -> None:
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), image):
        raise SinkError(f"could not write {path}", "check the folder exists, is writable, and the extension")


def run(args: argparse.Namespace) -> int:
    from engines.settings import StudioSettings
    from engines.studio import open_studio_engine

    source = args.input
    if not source.is_file():
        raise SourceError(f"input {source} does not exist", "check the path")
    kind = _kind(source, "input")
    out_kind = _kind(args.out, "--out")
    if out_kind != kind:
        raise ConfigError(f"--out {args.out}: expected an {kind} for an {kind} input, got an {out_kind}",
                          f"give --out a {'.png/.jpg' if kind == 'image' else '.mp4'} name")
    if args.mask is not None and _kind(args.mask, "--mask") != kind:
        raise ConfigError(f"--mask {args.mask}: expected an {kind} for an {kind} input",
                          f"give --mask a {'.png' if kind == 'image' else '.mp4'} name")
    # A still image has no previous frame: temporal smoothing would only blend the matte toward the
    # empty start state, so it is off for images.
    settings = StudioSettings(background=args.background, relight=args.relight,
                              **({"smoothing": 0.0} if kind == "image" else {}))
    with open_studio_engine(args.backend, precision=args.precision, variant=args.model,
                            segmentation_only=args.segmentation_only, threads=args.threads) as engine:
        info = engine.info
        if kind == "image":
            times = _process_image(engine, settings, args)
        else:
            times = _process_video(engine, settings, args)
    median = statistics.median(times) if times else 0.0
    print(f"wrote {args.out}" + (f" and {args.mask}" if args.mask else "")
          + f" ({len(times)} frame{'s' if len(times) != 1 else ''}, {info.backend} {info.precision} on {info.device}, "
          f"median {median:.1f} ms/frame)")
    return 0


def _process_image(engine: object, settings: object, args: argparse.Namespace) -> list[float]:
    import cv2

    frame = cv2.imread(str(args.input), cv2.IMREAD_COLOR)
    if frame is None:
        raise SourceError(f"could not read the image {args.input}", "check it is a valid image file")
    start = time.perf_counter()
    result = engine.run(frame, settings)  # type: ignore[attr-defined]
    elapsed = (time.perf_counter() - start) * 1000.0
    _write_image(args.out, result.image)
    if args.mask is not None:
        _write_image(args.mask, mask_u8(result.alpha))
    return [elapsed]


def _open_writer(path: Path, fps: float, size: tuple[int, int], color: bool) -> object:
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size, color)
    if not writer.isOpened():
        raise SinkError(f"could not open a video writer for {path}", "use an .mp4 name in a writable folder")
    return writer


def _process_video(engine: object, settings: object, args: argparse.Namespace) -> list[float]:
    import cv2

    capture = cv2.VideoCapture(str(args.input))
    if not capture.isOpened():
        raise SourceError(f"could not open the video {args.input}", "check it is a playable video file")
    fps = capture.get(cv2.CAP_PROP_FPS)
    fps = fps if fps and 1.0 <= fps <= 240.0 else DEFAULT_FPS
    writers: list[object] = []
    times: list[float] = []
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            start = time.perf_counter()
            result = engine.run(frame, settings)  # type: ignore[attr-defined]
            times.append((time.perf_counter() - start) * 1000.0)
            if not writers:
                size = (frame.shape[1], frame.shape[0])
                writers.append(_open_writer(args.out, fps, size, True))
                if args.mask is not None:
                    writers.append(_open_writer(args.mask, fps, size, False))
            writers[0].write(result.image)  # type: ignore[attr-defined]
            if args.mask is not None:
                writers[1].write(mask_u8(result.alpha))  # type: ignore[attr-defined]
    finally:
        capture.release()
        for writer in writers:
            writer.release()  # type: ignore[attr-defined]
    if not times:
        raise SourceError(f"the video {args.input} has no readable frames", "check the file plays")
    return times
