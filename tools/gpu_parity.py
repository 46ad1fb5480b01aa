"""TensorRT against ONNX Runtime on real dev frames: the same ONNX, two runtimes, per precision.

For each precision the engine under test (``--backend``, TensorRT by default) runs the exact model the
TensorRT backend builds (the studio graph's TensorRT target; for int8 around the Q/DQ segmentation
model calibrated for TensorRT), and ONNX Runtime on the CPU runs the same ONNX as the reference
(fp16 is TensorRT 10's FP16 flag on that fp32 ONNX, so its reference is fp32). Every frame is
independent (the temporal state is reset). Bars: matte IoU at 0.5 >= ``--min-iou`` and image PSNR
>= ``--min-psnr`` dB on every frame. Exit 0 when every precision holds, 1 when one does not, 2 on
bad arguments (no frames).

    python tools/gpu_parity.py --devdata ../shared/devdata --count 24
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SIZE = (1280, 720)  # inside the engine profile (640x360 .. 1920x1080)


@dataclass(frozen=True)
class Parity:
    precision: str
    frames: int
    min_iou: float
    mean_iou: float
    min_psnr: float
    mean_psnr: float

    def holds(self, min_iou: float, min_psnr: float) -> bool:
        return self.frames > 0 and self.min_iou >= min_iou and self.min_psnr >= min_psnr


def load_frames(devdata: Path, count: int, size: tuple[int, int] = SIZE) -> list[np.ndarray]:
    """``count`` person photos from ``devdata/segmentation/images``, evenly spread, cover-cropped to ``size``."""
    paths = sorted((devdata / "segmentation" / "images").glob("*.jpg"))
    picks = [paths[int(i)] for i in np.linspace(0, len(paths) - 1, min(count, len(paths)))] if paths else []
    frames = []
    for path in picks:
        image = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            continue
        h, w = image.shape[:2]
        scale = max(size[0] / w, size[1] / h)
        resized = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        top, left = (resized.shape[0] - size[1]) // 2, (resized.shape[1] - size[0]) // 2
        frames.append(np.ascontiguousarray(resized[top:top + size[1], left:left + size[0]]))
    return frames


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    fa, fb = a > 0.5, b > 0.5
    union = np.logical_or(fa, fb).sum()
    return 1.0 if union == 0 else float(np.logical_and(fa, fb).sum() / union)


def tensorrt_model(precision: str, cache: object = None) -> object:
    """The ONNX the TensorRT backend builds at ``precision`` (before its own fp16/int8 handling)."""
    from engines.studio import model_source

    return model_source("general", int8=precision == "int8", cache=cache)("tensorrt")


def compare(frames: list[np.ndarray], precision: str, *, backend: str = "tensorrt", cache: object = None,
            **options: object) -> Parity:
    from engines.backends import open_backend
    from engines.precision import model_for_precision

    model = tensorrt_model(precision, cache)
    reference_model = model_for_precision(model, "int8") if precision == "int8" else model
    ious, psnrs = [], []
    with open_backend("onnxruntime", reference_model) as reference, \
            open_backend(backend, model, precision=precision, **({"cache": cache} if cache else {}),
                         **options) as engine:
        for frame in frames:
            reference.reset()
            engine.reset()
            ref, out = reference.run(frame), engine.run(frame)
            ious.append(iou(ref.alpha, out.alpha))
            psnrs.append(psnr(ref.image, out.image))
    finite = [p for p in psnrs if np.isfinite(p)] or [99.0]
    return Parity(precision, len(frames), min(ious, default=0.0), float(np.mean(ious or [0.0])),
                  min(min(psnrs, default=0.0), 99.0), float(np.mean(finite)))


def main(argv: list[str] | None = None) -> int:
    from engines.backends import PRECISIONS, backend_choices

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devdata", type=Path, default=REPO / ".." / "shared" / "devdata")
    parser.add_argument("--count", type=int, default=24)
    parser.add_argument("--precision", action="append", choices=PRECISIONS)
    parser.add_argument("--backend", default="tensorrt", choices=backend_choices()[1:],
                        help="engine under test (onnxruntime: a CPU dry run)")
    parser.add_argument("--min-iou", type=float, default=0.99)
    parser.add_argument("--min-psnr", type=float, default=40.0)
    args = parser.parse_args(argv)
    frames = load_frames(args.devdata, args.count)
    if not frames:
        print(f"gpu_parity: no frames in {args.devdata / 'segmentation' / 'images'}: pass --devdata", file=sys.stderr)
        return 2
    ok = True
    print(f"{'precision':9} {'frames':>6} {'IoU min':>8} {'IoU mean':>8} {'PSNR min':>9} {'PSNR mean':>9}  verdict")
    for precision in args.precision or PRECISIONS:
        row = compare(frames, precision, backend=args.backend)
        holds = row.holds(args.min_iou, args.min_psnr)
        ok &= holds
        print(f"{precision:9} {row.frames:6d} {row.min_iou:8.4f} {row.mean_iou:8.4f} {row.min_psnr:9.2f} "
              f"{row.mean_psnr:9.2f}  {'ok' if holds else 'FAIL'} (bars: IoU >= {args.min_iou}, "
              f"PSNR >= {args.min_psnr} dB)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
