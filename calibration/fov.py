"""Field of view from a printed target of known width at a known distance (pinhole model).

Head pose from solvePnP needs the focal length in pixels; a webcam does not report it. Holding a target
of width ``W`` mm at ``D`` mm from the lens, flat and facing the camera, it spans ``w`` pixels, so the
focal length is ``f = w * D / W`` pixels and the horizontal field of view ``2 * atan(frame_width / 2 / f)``.
The target is a printed chessboard found with OpenCV, or any target whose pixel width the user measured.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from calibration import CalibrationError

DEFAULT_PATTERN = (9, 6)  # inner corners (columns, rows) of OpenCV's standard printed chessboard


def focal_length_px(target_px: float, target_width_mm: float, distance_mm: float) -> float:
    """Pinhole focal length in pixels from a target's pixel width, real width and distance."""
    for name, value in (("target width in pixels", target_px), ("target width in mm", target_width_mm),
                        ("target distance in mm", distance_mm)):
        if not (value > 0 and math.isfinite(value)):
            raise CalibrationError(f"expected a positive {name}, got {value}",
                                   "measure the target and its distance from the lens and pass both in mm")
    return target_px * distance_mm / target_width_mm


def fov_from_focal(frame_width_px: int, focal_px: float) -> float:
    """Horizontal field of view in degrees for a frame ``frame_width_px`` wide."""
    return math.degrees(2.0 * math.atan(frame_width_px / 2.0 / focal_px))


def fov_from_target(frame_width_px: int, target_px: float, target_width_mm: float, distance_mm: float) -> float:
    """Horizontal field of view (degrees) from a target of known width seen at a known distance."""
    return fov_from_focal(frame_width_px, focal_length_px(target_px, target_width_mm, distance_mm))


def focal_from_fov(frame_width_px: int, fov_deg: float) -> float:
    """The inverse: focal length in pixels for a given horizontal field of view (for solvePnP)."""
    if not 1.0 <= fov_deg <= 170.0:
        raise CalibrationError(f"expected a field of view between 1 and 170 degrees, got {fov_deg}",
                               "webcams are usually 55-90 degrees; measure it with a printed target")
    return frame_width_px / 2.0 / math.tan(math.radians(fov_deg) / 2.0)


def chessboard_width_px(image: np.ndarray, pattern: tuple[int, int] = DEFAULT_PATTERN) -> float:
    """The printed board's full width in pixels (outer edge to outer edge), found from its inner corners.

    A standard board of ``cols + 1`` squares has ``cols`` inner corners per row, so the first-to-last
    inner corner span is ``cols - 1`` squares and the full width is that span times
    ``(cols + 1) / (cols - 1)``. Each row's span is measured (subpixel corners) and the median taken, so
    a slight rotation does not matter; the board should face the camera squarely.
    """
    cols, rows = pattern
    if cols < 3 or rows < 3:
        raise ValueError(f"expected a chessboard of at least 3x3 inner corners, got {cols}x{rows}")
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    flags = cv2.CALIB_CB_ADAPTIVE_THRESH | cv2.CALIB_CB_NORMALIZE_IMAGE
    found, corners = cv2.findChessboardCorners(gray, (cols, rows), flags=flags)
    if not found:
        raise CalibrationError(
            f"no {cols}x{rows} chessboard (inner corners) found in the {gray.shape[1]}x{gray.shape[0]} frame",
            "hold the printed board flat, fully in view and facing the camera, or pass --fov or --target-px",
        )
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 0.01)
    corners = cv2.cornerSubPix(gray, corners, (5, 5), (-1, -1), criteria).reshape(rows, cols, 2)
    spans = np.linalg.norm(corners[:, -1] - corners[:, 0], axis=1)
    return float(np.median(spans)) * (cols + 1) / (cols - 1)
