"""Shared, session-cached models for the engine tests (converting and composing take a few hundred ms)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import onnx
import pytest
from skimage import data

from engines.cache import ArtifactCache


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> ArtifactCache:
    return ArtifactCache(tmp_path_factory.mktemp("engine-cache"))


@pytest.fixture(scope="session")
def segmentation_model(model_cache: ArtifactCache) -> onnx.ModelProto:
    from engines.models import load_segmentation_model

    return load_segmentation_model("general", cache=model_cache)


@pytest.fixture(scope="session")
def studio_model(segmentation_model: onnx.ModelProto) -> onnx.ModelProto:
    graph = pytest.importorskip("engines.graph", reason="the studio graph (engines/graph.py) is not there yet")
    return graph.build_studio_graph(segmentation_model, variant="general")


@pytest.fixture
def restore_registry() -> Iterator[None]:
    """Backends a test registers (or built-ins it swaps) are gone after it."""
    from engines.backends import registry

    saved = dict(registry._REGISTRY)
    yield
    registry._REGISTRY.clear()
    registry._REGISTRY.update(saved)


@pytest.fixture(scope="session")
def astronaut_bgr() -> np.ndarray:
    """The real headshot photo at 1280x720 (cropped to 16:9, then scaled), BGR like a camera frame."""
    rgb = data.astronaut()[56:456]
    return np.ascontiguousarray(cv2.resize(rgb, (1280, 720), interpolation=cv2.INTER_AREA)[:, :, ::-1])


@pytest.fixture(scope="session")
def trt_studio_model(segmentation_model: onnx.ModelProto) -> onnx.ModelProto:
    """The studio graph built for TensorRT (casts at the boundary, no uint8 inside)."""
    from engines.graph import build_studio_graph

    return build_studio_graph(segmentation_model, variant="general", target="tensorrt")


def _quantize(segmentation: onnx.ModelProto, quantize_bias: bool, tmp: Path) -> onnx.ModelProto:
    from dataclasses import replace

    from calibration.frames import astronaut_frames, to_model_inputs
    from calibration.int8 import PLANS, prepare, quantize

    (tmp / "fp32.onnx").write_bytes(segmentation.SerializeToString())
    prepare(tmp / "fp32.onnx", tmp / "prepared.onnx")
    inputs = to_model_inputs(astronaut_frames(2, (320, 180)), (256, 256))
    plan = replace(PLANS["tensorrt"], quantize_bias=quantize_bias)
    quantize(tmp / "prepared.onnx", inputs, tmp / "qdq.onnx", plan)
    return onnx.load(str(tmp / "qdq.onnx"))


@pytest.fixture(scope="session")
def trt_qdq_segmentation(segmentation_model, tmp_path_factory) -> onnx.ModelProto:
    """The segmentation model quantized with the TensorRT plan (int8 symmetric, float biases)."""
    return _quantize(segmentation_model, False, tmp_path_factory.mktemp("qdq"))


@pytest.fixture(scope="session")
def int32_bias_qdq_segmentation(segmentation_model, tmp_path_factory) -> onnx.ModelProto:
    """The same with ONNX Runtime's default QuantizeBias=True: int32 biases behind DequantizeLinear (the old way)."""
    return _quantize(segmentation_model, True, tmp_path_factory.mktemp("qdq-bias"))
