"""A model-free backend for tests of the loop, sinks and CLI: alpha = bright pixels, image unchanged.

Registered as ``fake``; it follows the studio contract (settings accepted and ignored, a recurrent state
that counts frames) so code that drives a real engine can be exercised without ONNX Runtime or a GPU.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import onnx

from engines.backends.base import Engine, EngineInfo, TensorSpec


class FakeEngine(Engine):
    """Person = pixels brighter than ``threshold`` (0..255), softened by a small blur."""

    name = "fake"

    def __init__(self, model: str | Path | bytes | onnx.ModelProto = b"", *, precision: str = "fp32",
                 threshold: int = 96) -> None:
        super().__init__(model if model is not None else b"", precision=precision)
        self._threshold = float(threshold)
        self.frames = 0

    def _open(self) -> tuple[list[TensorSpec], list[TensorSpec]]:
        inputs = [TensorSpec("frame", "uint8", (1, None, None, 3)), TensorSpec("settings", "float32", (None,)),
                  TensorSpec("state_in", "float32", (1,))]
        outputs = [TensorSpec("image", "uint8", (1, None, None, 3)), TensorSpec("alpha", "float32", (1, None, None, 1)),
                   TensorSpec("state_out", "float32", (1,))]
        return inputs, outputs

    def _infer(self, feeds: dict[str, np.ndarray], outputs: list[str]) -> dict[str, np.ndarray]:
        frame = feeds["frame"][0]
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).astype(np.float32)
        alpha = cv2.GaussianBlur(np.clip((gray - self._threshold) / 32.0 + 0.5, 0, 1), (5, 5), 0)
        self.frames += 1
        return {"image": feeds["frame"], "alpha": alpha[None, :, :, None],
                "state_out": feeds["state_in"] + 1.0}

    def _close(self) -> None:
        pass

    @property
    def info(self) -> EngineInfo:
        return EngineInfo(backend=self.name, precision=self.precision, device="none (fake)",
                          details=self.choice_details())
