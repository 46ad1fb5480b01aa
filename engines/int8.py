"""Calibrated INT8 segmentation models in the artifact cache: their key, how they are stored, how they are found.

``calibration.int8`` makes them (ONNX Runtime static quantisation) and writes them through
:func:`store_int8_model`; the engines find them here, by key, so ``engines/`` needs nothing from
``calibration/``. A model is stored as two cache artifacts under one key: the Q/DQ ONNX
(:data:`MODEL_SUFFIX`) and a JSON report (:data:`CALIB_SUFFIX`: tensor scales and zero points,
accuracy, nodes kept in float, like a TensorRT calibration cache).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import onnx

from engines.cache import ArtifactCache, CacheKey, sha256_bytes
from engines.errors import EngineError

CALIBRATION_VERSION = "2"  # bump when calibration's frames, plans or exclusion ladder change
MODEL_SUFFIX = ".qdq.onnx"
CALIB_SUFFIX = ".calib"


@dataclass(frozen=True)
class Int8Model:
    """A calibrated Q/DQ model on disk and what is known about it."""

    path: Path
    calibration_path: Path
    key: dict[str, str]
    backend: str
    pooled_iou: float
    mean_iou: float
    min_iou: float
    float_part: str  # the step of calibration's exclusion ladder that met the bar
    excluded_nodes: tuple[str, ...]
    calibration_frames: int
    holdout_frames: int
    built: bool  # False when it came from the cache

    def load(self) -> onnx.ModelProto:
        return onnx.load(str(self.path))


def _ort_version() -> str:
    import onnxruntime as ort

    return str(ort.__version__)


def int8_library() -> str:
    """What a calibrated model depends on besides its source and frames: ONNX Runtime's version and ours."""
    return f"onnxruntime {_ort_version()}; calibration {CALIBRATION_VERSION}"


def int8_key(source_sha256: str, frames_sha256: str, backend: str) -> CacheKey:
    """Cache key: source ONNX hash, frame-set hash, ONNX Runtime version, plan (backend), our version."""
    return CacheKey(kind="int8", source_sha256=source_sha256, backend=backend, precision="int8",
                    library=int8_library(), profile=f"frames {frames_sha256}")


def read_int8_model(cache: ArtifactCache, key: CacheKey) -> Int8Model | None:
    """The model stored under ``key``, or None when it or its report is missing or damaged."""
    if cache.load(key, MODEL_SUFFIX) is None:
        return None
    raw = cache.load(key, CALIB_SUFFIX)
    if raw is None:
        return None
    report = json.loads(raw)
    return Int8Model(
        path=cache.path_for(key, MODEL_SUFFIX), calibration_path=cache.path_for(key, CALIB_SUFFIX),
        key=key.as_dict(), backend=report["backend"], pooled_iou=report["pooled_iou"], mean_iou=report["mean_iou"],
        min_iou=report["min_iou"], float_part=report["float_part"], excluded_nodes=tuple(report["excluded_nodes"]),
        calibration_frames=len(report["calibration_frames"]),
        holdout_frames=len(report["holdout"]), built=False,
    )


def store_int8_model(cache: ArtifactCache, key: CacheKey, payload: bytes, report: dict[str, Any]) -> Int8Model:
    """Write a calibrated model and its report (each atomically) and read them back as built.

    ``report`` needs at least: backend, pooled_iou, mean_iou, min_iou, float_part, excluded_nodes,
    calibration_frames (a list) and holdout (a list)."""
    cache.store(key, payload, MODEL_SUFFIX)
    cache.store(key, json.dumps(report, indent=1).encode(), CALIB_SUFFIX)
    model = read_int8_model(cache, key)
    if model is None:  # pragma: no cover - just written
        raise EngineError(f"the INT8 model written to {cache.path_for(key, MODEL_SUFFIX)} cannot be read back",
                          "check the disk and the cache folder's permissions")
    return replace(model, built=True)


def _source_sha256(variant: str, cache: ArtifactCache) -> str:
    from engines.models import segmentation_onnx_bytes

    return sha256_bytes(segmentation_onnx_bytes(variant, cache=cache))


def find_int8_model(*, variant: str = "general", backend: str = "onnxruntime", cache: ArtifactCache | None = None,
                    source_sha256: str | None = None) -> Int8Model | None:
    """The newest usable calibrated model for this source model, backend and ONNX Runtime version, or None."""
    cache = cache or ArtifactCache()
    source_sha256 = source_sha256 or _source_sha256(variant, cache)
    library = int8_library()
    matches = [
        entry for entry in cache.entries()
        if entry.valid and entry.path.name.endswith(MODEL_SUFFIX) and entry.key.get("kind") == "int8"
        and entry.key.get("backend") == backend and entry.key.get("source_sha256") == source_sha256
        and entry.key.get("library") == library
    ]
    for entry in sorted(matches, key=lambda e: e.created, reverse=True):
        model = read_int8_model(cache, CacheKey(**entry.key))
        if model is not None:
            return model
    return None


def int8_model_path(*, variant: str = "general", backend: str = "onnxruntime", cache: ArtifactCache | None = None,
                    source_sha256: str | None = None) -> Path | None:
    """Path of the calibrated Q/DQ ONNX for ``headshot engines build --precision int8``, or None if none yet."""
    model = find_int8_model(variant=variant, backend=backend, cache=cache, source_sha256=source_sha256)
    return model.path if model else None


def load_int8_model(*, variant: str = "general", backend: str = "onnxruntime",
                    cache: ArtifactCache | None = None) -> Int8Model:
    """The calibrated model (``.load()`` gives the ModelProto); a typed error with the fix when there is none."""
    model = find_int8_model(variant=variant, backend=backend, cache=cache)
    if model is None:
        raise EngineError(
            f"no INT8 calibration of the {variant} segmentation model for {backend} "
            f"(onnxruntime {_ort_version()}) in {(cache or ArtifactCache()).root}",
            f"run 'headshot calibrate int8 --backend {backend}' first, or use --precision fp32",
        )
    return model
