"""Headshot Studio engines: segmentation and relighting as one ONNX graph, run by ONNX Runtime or TensorRT.

This package knows nothing of faces, coaching or windows: it maps (frame, settings) to (alpha, image).
"""

from __future__ import annotations

import os

# ONNX Runtime 1.29+ builds send telemetry (DNS to mobile.events.data.microsoft.com, a device id under
# ~/.cache/Microsoft) unless this is set before it loads; pyproject pins a release without it, and this
# keeps a newer one silent too. Tested by tests/faults/test_network.py.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"
