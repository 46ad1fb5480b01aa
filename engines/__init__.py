"""Headshot Studio engines: segmentation and relighting as one ONNX graph, run by ONNX Runtime or TensorRT.

This package knows nothing of faces, coaching or windows: it maps (frame, settings) to (alpha, image).
"""

from __future__ import annotations
