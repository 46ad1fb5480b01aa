"""The one place that assembles the model an engine runs: the studio graph around the segmentation model.

``open_studio_engine`` is what the loop, ``headshot process`` and ``headshot bench`` call. The studio
graph (``engines.graph``) differs slightly per backend (ONNX Runtime gets a faster uint8 conversion that
TensorRT lacks), so the model is passed to ``open_backend`` as a function of the backend's name.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import onnx

from engines.backends import Engine, open_backend
from engines.cache import ArtifactCache
from engines.models import VARIANTS, load_segmentation_model
from realtime.errors import ConfigError

log = logging.getLogger(__name__)

BACKENDS = ("auto", "onnxruntime", "tensorrt")


def load_studio_model(variant: str = "general", *, target: str = "onnxruntime",
                      cache: ArtifactCache | None = None) -> onnx.ModelProto:
    """The full per-frame graph (fp32) for ``target`` ('onnxruntime' or 'tensorrt')."""
    from engines.graph import build_studio_graph

    segmentation = load_segmentation_model(variant, cache=cache)
    return build_studio_graph(segmentation, variant=variant, target=target)


def model_source(variant: str = "general", *, segmentation_only: bool = False, model_path: Path | None = None,
                 cache: ArtifactCache | None = None) -> Any:
    """What ``open_backend`` runs: a fixed file (``model_path``, e.g. calibration's int8 model), the bare
    segmentation model (MediaPipe-equivalent matte, image untouched), or the studio graph per backend."""
    if variant not in VARIANTS:
        raise ConfigError(f"model: expected one of {', '.join(VARIANTS)}, got {variant!r}", "use --model general")
    if model_path is not None:
        return Path(model_path)
    if segmentation_only:
        return load_segmentation_model(variant, cache=cache)
    return lambda backend: load_studio_model(variant, target="tensorrt" if backend == "tensorrt" else "onnxruntime",
                                             cache=cache)


def open_studio_engine(backend: str = "auto", *, precision: str | None = None, variant: str = "general",
                       segmentation_only: bool = False, model_path: Path | None = None,
                       cache: ArtifactCache | None = None, **options: Any) -> Engine:
    """An opened engine for the studio graph. ``precision`` None = the backend's default (ONNX Runtime
    fp32, TensorRT fp16); other options go to the backend (threads, providers, workspace_mb, ...)."""
    if backend not in BACKENDS:
        raise ConfigError(f"backend: expected one of {', '.join(BACKENDS)}, got {backend!r}", "use --backend auto")
    if precision is not None:
        options["precision"] = precision
    if cache is not None:
        options["cache"] = cache
    source = model_source(variant, segmentation_only=segmentation_only, model_path=model_path, cache=cache)
    engine = open_backend(backend, source, **options)
    log.info("engine: %s", engine.info.as_dict())
    return engine
