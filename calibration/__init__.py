"""Calibration: INT8 quantisation for the engines, and camera / booth calibration."""

from __future__ import annotations

from realtime.errors import HeadshotError


class CalibrationError(HeadshotError):
    """A calibration step could not be done (no target found, too few frames, accuracy not reached)."""

    exit_code = 1
