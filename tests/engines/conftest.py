"""Shared, session-cached models for the engine tests (converting and composing take a few hundred ms)."""

from __future__ import annotations

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


@pytest.fixture(scope="session")
def astronaut_bgr() -> np.ndarray:
    """The real headshot photo at 1280x720 (cropped to 16:9, then scaled), BGR like a camera frame."""
    rgb = data.astronaut()[56:456]
    return np.ascontiguousarray(cv2.resize(rgb, (1280, 720), interpolation=cv2.INTER_AREA)[:, :, ::-1])
