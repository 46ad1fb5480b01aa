"""Calibration: INT8 quantisation for the engines, and camera / booth calibration."""

from __future__ import annotations
