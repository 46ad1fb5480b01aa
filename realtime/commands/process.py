"""``headshot process``: run the studio engine over an image or a video file and write the result.

An image gives an image; a video gives an mp4 (cv2.VideoWriter). ``--mask`` writes the matte at the
input's resolution as 8-bit (255 = person): a PNG for an image, a grey video for a video.

Nothing the user has is lost: an output that is the input (or the mask the output) is refused before
anything runs; every output is written under a temporary name next to its target and renamed over it
only once whole (a video only once it plays back with every frame written); files are read as bytes
and decoded, so any file name works and a truncated JPEG is refused as ``check`` refuses it; a still
too large for the memory at hand is refused with the memory it needs.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import statistics
import time
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from engines.backends import PRECISIONS, backend_choices
from realtime.errors import ConfigError, SinkError, SourceError
from realtime.mediafiles import (
    IMAGE_SUFFIXES,
    VIDEO_SUFFIXES,
    atomic_replace,
    count_video_frames,
    encode_image,
    opencv_path,
    read_image,
    same_file,
    write_file,
)

if TYPE_CHECKING:
    from engines.backends import Engine
    from engines.settings import StudioSettings

log = logging.getLogger(__name__)

DEFAULT_FPS = 30.0
MAX_THREADS = 256
# Peak memory of one still through the engine, measured: about 21x the decoded BGR image (108 MP: 7 GB).
MEMORY_PER_IMAGE_BYTE = 22
MEMORY_ENV = "HEADSHOT_MEMORY_MB"  # memory budget for one still, in MB (default: 80% of MemAvailable)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("process", help="segment and relight an image or a video file",
                            description="Run the studio processing (segmentation, background, relighting) on "
                                        "an image or a video file and write the result; no coaching.")
    parser.add_argument("input", type=Path, metavar="INPUT", help="image (png, jpg, ...) or video (mp4, ...)")
    parser.add_argument("--out", type=Path, required=True, metavar="OUTPUT",
                        help="processed image, or an .mp4 for a video")
    parser.add_argument("--mask", type=Path, metavar="MASK", help="also write the matte (PNG, or a video for video)")
    parser.add_argument("--background", choices=("keep", "blur", "studio"), default="keep",
                        help="what happens behind the person (default keep)")
    parser.add_argument("--relight", action=argparse.BooleanOptionalAction, default=True,
                        help="soft studio relighting of the person (default on)")
    parser.add_argument("--backend", choices=backend_choices(), default="auto",
                        help="engine backend (default auto: TensorRT when usable, else ONNX Runtime)")
    parser.add_argument("--precision", choices=PRECISIONS, default=None,
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
    write_file(path, encode_image(path, image))  # encoded first, then atomically: a full disk changes nothing


def _refuse_overwrites(args: argparse.Namespace) -> None:
    """An output that is the input, or the mask that is the output, would destroy data: refuse it."""
    if same_file(args.out, args.input):
        raise ConfigError(f"--out {args.out} is the input itself: writing it would destroy the original",
                          "give --out another name")
    if args.mask is not None:
        if same_file(args.mask, args.input):
            raise ConfigError(f"--mask {args.mask} is the input itself: writing it would destroy the original",
                              "give --mask another name")
        if same_file(args.mask, args.out):
            raise ConfigError(f"--mask {args.mask} is the same file as --out: one would overwrite the other",
                              "give --mask and --out different names")


def memory_budget() -> int:
    """Bytes one still may use: HEADSHOT_MEMORY_MB, else 80% of the memory available now."""
    given = os.environ.get(MEMORY_ENV)
    if given:
        try:
            return int(float(given) * 2**20)
        except ValueError:
            raise ConfigError(f"{MEMORY_ENV}: expected a number of MB, got {given!r}",
                              f"set {MEMORY_ENV}=4096") from None
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024 * 8 // 10
    except OSError:
        pass
    return 2**62  # unknown: no limit


def _check_memory(path: Path, frame: np.ndarray) -> None:
    needs = frame.nbytes * MEMORY_PER_IMAGE_BYTE
    budget = memory_budget()
    if needs > budget:
        height, width = frame.shape[:2]
        scale = (budget / needs) ** 0.5
        raise SourceError(f"image {path} is {width}x{height} ({width * height / 1e6:.1f} MP): processing it needs "
                          f"about {needs / 2**20:,.0f} MB of memory, {budget / 2**20:,.0f} MB is available",
                          f"scale it down to at most {int(width * scale)}x{int(height * scale)} or free memory")


def run(args: argparse.Namespace) -> int:
    from engines.settings import StudioSettings
    from engines.studio import open_studio_engine

    source = args.input
    if not source.is_file():
        raise SourceError(f"input {source} does not exist", "check the path")
    if args.threads is not None and not 1 <= args.threads <= MAX_THREADS:
        raise ConfigError(f"expected --threads from 1 to {MAX_THREADS}, got {args.threads}",
                          "leave it out (one per physical core) or pass e.g. --threads 2")
    kind = _kind(source, "input")
    out_kind = _kind(args.out, "--out")
    if out_kind != kind:
        raise ConfigError(f"--out {args.out}: expected {_a(kind)} for {_a(kind)} input, got {_a(out_kind)}",
                          f"give --out a {'.png/.jpg' if kind == 'image' else '.mp4'} name")
    if args.mask is not None and _kind(args.mask, "--mask") != kind:
        raise ConfigError(f"--mask {args.mask}: expected {_a(kind)} for {_a(kind)} input",
                          f"give --mask a {'.png' if kind == 'image' else '.mp4'} name")
    _refuse_overwrites(args)
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


def _process_image(engine: Engine, settings: StudioSettings, args: argparse.Namespace) -> list[float]:
    frame = read_image(args.input)  # bytes + imdecode: any name; a truncated JPEG is refused, as check does
    if frame is None:
        raise SourceError(f"could not read the image {args.input} (not an image, or cut short)",
                          "check it is a whole, valid image file")
    _check_memory(args.input, frame)
    start = time.perf_counter()
    result = engine.run(frame, settings)
    elapsed = (time.perf_counter() - start) * 1000.0
    _write_image(args.out, result.image)
    if args.mask is not None:
        _write_image(args.mask, mask_u8(result.alpha))
    return [elapsed]


class _VideoOut:
    """A VideoWriter on a hidden temporary name next to ``target``; ``commit`` checks that the file plays
    with every frame written and renames it over the target, ``discard`` removes it."""

    def __init__(self, target: Path, stack: ExitStack, fps: float, size: tuple[int, int], color: bool) -> None:
        import cv2

        self.target = target
        self.frames = 0
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            from realtime.mediafiles import write_error

            raise write_error(exc, target) from exc
        name = f".{secrets.token_hex(4)}.partial{target.suffix}"
        self.partial = target.parent / name
        folder = stack.enter_context(opencv_path(target.parent))  # any folder name, through a link if needed
        self._writer = cv2.VideoWriter(os.path.join(folder, name), cv2.VideoWriter_fourcc(*"mp4v"), fps, size, color)
        if not self._writer.isOpened():
            self.discard()
            raise SinkError(f"could not open a video writer for {target}", "use an .mp4 name in a writable folder")

    def write(self, image: np.ndarray) -> None:
        self._writer.write(image)
        self.frames += 1

    def close(self) -> None:
        self._writer.release()

    def verify(self) -> None:
        self.close()
        played = count_video_frames(self.partial)
        if played != self.frames:
            free = _free_mb(self.target.parent)
            self.discard()
            raise SinkError(f"the video written for {self.target} does not play back whole ({played} of "
                            f"{self.frames} frames; {free} MB free there): nothing was changed there",
                            "free some disk space or give another output path")

    def commit(self) -> None:
        try:
            atomic_replace(self.partial, self.target)
        except OSError as exc:
            from realtime.mediafiles import write_error

            self.discard()
            raise write_error(exc, self.target) from exc

    def discard(self) -> None:
        self.close()
        try:
            os.unlink(self.partial)
        except FileNotFoundError:
            pass


def _free_mb(folder: Path) -> int:
    try:
        stat = os.statvfs(folder)
    except OSError:
        return -1
    return stat.f_bavail * stat.f_frsize // 2**20


def _process_video(engine: Engine, settings: StudioSettings, args: argparse.Namespace) -> list[float]:
    from realtime.sources.video import VideoFileSource

    source = VideoFileSource(args.input)  # the shared file source: any name, every frame in order
    fps = source.fps if 1.0 <= source.fps <= 240.0 else DEFAULT_FPS
    outputs: list[_VideoOut] = []
    times: list[float] = []
    with ExitStack() as stack:
        try:
            while True:
                read = source.read()
                if read is None:
                    break
                frame = read.image
                start = time.perf_counter()
                result = engine.run(frame, settings)
                times.append((time.perf_counter() - start) * 1000.0)
                if not outputs:
                    size = (frame.shape[1], frame.shape[0])
                    outputs.append(_VideoOut(args.out, stack, fps, size, True))
                    if args.mask is not None:
                        outputs.append(_VideoOut(args.mask, stack, fps, size, False))
                outputs[0].write(result.image)
                if args.mask is not None:
                    outputs[1].write(mask_u8(result.alpha))
            if not times:
                raise SourceError(f"the video {args.input} has no readable frames", "check the file plays")
            for output in outputs:
                output.verify()  # every output plays whole before any target is replaced
            for output in outputs:
                output.commit()
        except BaseException:
            for output in outputs:
                output.discard()
            raise
        finally:
            source.close()
    return times


def _a(kind: str) -> str:
    """'an image', 'a video': the article that goes with a media kind."""
    return f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind}"
