"""MediaPipe's selfie-segmentation models, read from the mediapipe wheel and converted to ONNX.

``load_segmentation_model(variant)`` is the entry point; ``convert_tflite`` the converter itself.
"""

from __future__ import annotations

from engines.models.selfie import VARIANTS, load_segmentation_model, segmentation_onnx_bytes, tflite_path
from engines.models.tflite_onnx import INPUT_NAME, ONNX_OPSET, OUTPUT_NAME, convert_tflite

__all__ = [
    "INPUT_NAME",
    "ONNX_OPSET",
    "OUTPUT_NAME",
    "VARIANTS",
    "convert_tflite",
    "load_segmentation_model",
    "segmentation_onnx_bytes",
    "tflite_path",
]
