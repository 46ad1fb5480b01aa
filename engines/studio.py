"""The one place that assembles the model an engine runs: the studio graph around the segmentation model.

``open_studio_engine`` is what the loop, ``headshot process`` and ``headshot bench`` call. The studio
graph (``engines.graph``) differs slightly per backend (ONNX Runtime transposes the uint8 frame and rounds
with QuantizeLinear, faster on its CPU; TensorRT allows uint8 only on the network's boundary, so its graph
casts there), so the model is passed to ``open_backend`` as a function of the backend's name.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import onnx

from engines.backends import Engine, backend_choices, backend_class, graph_target, open_backend
from engines.backends.registry import accepted_options
from engines.cache import ArtifactCache
from engines.errors import ConfigError
from engines.int8 import load_int8_model
from engines.models import VARIANTS, load_segmentation_model

log = logging.getLogger(__name__)


def _segmentation(variant: str, backend: str, int8: bool, cache: ArtifactCache | None) -> onnx.ModelProto:
    """The segmentation model: converted fp32, or the Q/DQ one that ``headshot calibrate`` made for
    ``backend`` (a typed error with the fix when there is none)."""
    if not int8:
        return load_segmentation_model(variant, cache=cache)
    return load_int8_model(variant=variant, backend=backend, cache=cache).load()


def model_source(variant: str = "general", *, segmentation_only: bool = False, model_path: Path | None = None,
                 int8: bool = False, cache: ArtifactCache | None = None) -> Any:
    """What ``open_backend`` runs, as a function of the backend's name: a fixed file (``model_path``), the
    bare segmentation model (MediaPipe-equivalent matte, image untouched), or the studio graph around
    the segmentation model (the calibrated Q/DQ one when ``int8``)."""
    if variant not in VARIANTS:
        raise ConfigError(f"model: expected one of {', '.join(VARIANTS)}, got {variant!r}", "use --model general")
    if model_path is not None:
        return Path(model_path)

    def source(backend: str) -> onnx.ModelProto:
        segmentation = _segmentation(variant, backend, int8, cache)
        if segmentation_only:
            return segmentation
        from engines.graph import build_studio_graph

        return build_studio_graph(segmentation, variant=variant, target=graph_target(backend))

    return source


def open_studio_engine(backend: str = "auto", *, precision: str | None = None, variant: str = "general",
                       segmentation_only: bool = False, model_path: Path | None = None,
                       cache: ArtifactCache | None = None, **options: Any) -> Engine:
    """An opened engine for the studio graph. ``precision`` None = the backend's declared default (ONNX
    Runtime fp32, TensorRT fp16); other options go to the backend (threads, providers, workspace_mb, ...)."""
    choices = backend_choices()
    if backend not in choices:
        raise ConfigError(f"backend: expected one of {', '.join(choices)}, got {backend!r}", "use --backend auto")
    options = {k: v for k, v in options.items() if v is not None}
    if precision is not None:
        options["precision"] = precision
    if cache is not None:
        options["cache"] = cache
    if backend != "auto":  # e.g. threads means nothing to TensorRT: drop it rather than fail
        accepted = accepted_options(backend_class(backend), options)
        for name in set(options) - set(accepted):
            log.info("backend %s ignores option %s", backend, name)
        options = accepted
    source = model_source(variant, segmentation_only=segmentation_only, model_path=model_path,
                          int8=precision == "int8", cache=cache)
    engine = open_backend(backend, source, **options)
    log.info("engine: %s", engine.info.as_dict())
    return engine


open_engine = open_studio_engine  # the name realtime.pipeline uses
