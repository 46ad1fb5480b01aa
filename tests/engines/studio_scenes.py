"""Scenes and runners shared by the studio-graph tests: real photos transformed by code, no fixtures on disk."""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np
import onnx
import skimage.data

from engines.backends.base import Engine
from engines.backends.onnxruntime import OnnxRuntimeEngine
from engines.graph import build_studio_graph, standin_segmentation
from engines.settings import StudioSettings


@cache
def real_segmentation() -> onnx.ModelProto:
    """MediaPipe's selfie model converted by engines.models (from the pinned wheel, cached)."""
    from engines.models import load_segmentation_model

    return load_segmentation_model("general")


@cache
def session(kind: str = "real", target: str = "onnxruntime") -> Engine:
    """The studio graph of ``target``'s form on ONNX Runtime's CPU, behind the Engine API (the
    ``onnxruntime`` form composes at full size in engines.compose; the ``tensorrt`` form in the graph)."""
    seg = real_segmentation() if kind == "real" else standin_segmentation()
    return OnnxRuntimeEngine(build_studio_graph(seg, target=target), threads=2).open()


def run_frames(
    engine: Engine, frames: list[np.ndarray], settings: StudioSettings
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Feed frames in order from a fresh state (the engine keeps it); returns (image HxWx3, alpha HxW) per frame."""
    engine.reset()
    return [(out.image, out.alpha) for out in (engine.run(frame, settings) for frame in frames)]


def settle(engine: Engine, frame: np.ndarray, settings: StudioSettings) -> tuple[np.ndarray, np.ndarray]:
    """The output once temporal smoothing has converged on a still frame."""
    return run_frames(engine, [frame] * 4, settings)[-1]


@cache
def astronaut_frame(width: int = 1280, height: int = 720) -> np.ndarray:
    """A webcam-like headshot: the astronaut's head and shoulders, face about 0.3 of the frame height."""
    photo = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)[0:340, 90:430]
    canvas = np.full((height, width, 3), 90, np.uint8)
    side = height
    x0 = (width - side) // 2
    canvas[:, x0 : x0 + side] = cv2.resize(photo, (side, side), interpolation=cv2.INTER_AREA)
    canvas.setflags(write=False)
    return canvas


def face_box(frame: np.ndarray) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the largest face, with the Haar cascade that ships inside cv2."""
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    faces = cascade.detectMultiScale(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), 1.1, 5, minSize=(80, 80))
    if len(faces) == 0:
        raise LookupError("no face found in the test frame")
    x, y, w, h = max(faces, key=lambda f: f[2] * f[3])
    return int(x), int(y), int(w), int(h)
