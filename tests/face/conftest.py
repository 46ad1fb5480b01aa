"""Shared fixtures for the face tests: the real photo and analyzers, built once per session (MediaPipe
graphs take a moment to start)."""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np
import pytest
from skimage import data

from realtime.face.analyzer import FaceAnalyzer
from realtime.face.observation import FaceObservation


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    """skimage's astronaut (a real, near-frontal headshot), BGR uint8, 512 x 512."""
    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


@pytest.fixture(scope="session")
def photo_analyzer() -> Iterator[FaceAnalyzer]:
    with FaceAnalyzer(static_images=True) as analyzer:
        yield analyzer


@pytest.fixture(scope="session")
def astronaut_face(photo_analyzer: FaceAnalyzer, astronaut: np.ndarray) -> FaceObservation:
    face = photo_analyzer.analyze(astronaut, 0.0)
    assert face is not None
    return face
