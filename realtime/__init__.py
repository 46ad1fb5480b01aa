"""Headshot Studio: the live side (sources, loop, face analysis, coaching, capture, sinks, UI, CLI)."""

from __future__ import annotations

import os

# ONNX Runtime 1.29+ builds send telemetry (DNS to mobile.events.data.microsoft.com, a device id under
# ~/.cache/Microsoft) unless this is set before it loads; pyproject pins a release without it, and this
# keeps a newer one silent too. Tested by tests/faults/test_network.py.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

__version__ = "0.1.0"
