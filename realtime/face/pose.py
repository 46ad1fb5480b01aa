"""Head pose in degrees from a 3D fit of the face mesh (``cv2.solvePnP``) against the canonical face.

Why a 3D fit: 2D ratios (nose offset between the eyes and so on) mix yaw with face shape and with
perspective; fitting a rigid 3D face through a pinhole camera separates the three angles.

Camera: a pinhole with the principal point at the frame centre and focal length from a horizontal
field of view (``DEFAULT_FOV_DEG`` = 60 degrees, typical of webcams; calibration can refine it):
``f = (width / 2) / tan(fov / 2)``. The fitted rotation ``R`` maps head-frame points (X person's left,
Y down, Z into the head; see ``canonical``) to camera coordinates (x right, y down, z forward), so a
face looking straight into the camera has ``R = I``. Angles are taken relative to the line of sight
(``ray_rotation``): a face that looks into the lens reads zero wherever it sits in the frame. The
relative rotation is split as ``Ry(a) @ Rx(b) @ Rz(c)`` and
reported with the signs of ``observation.py``:

- yaw = -a: > 0 when the person turns to their own left (the nose moves toward the image's right in an
  unmirrored frame);
- pitch = -b: > 0 chin up (the nose points up);
- roll = c: > 0 when the head tilts toward the person's left shoulder (their left eye, on the image's
  right, goes down).

Only landmarks that barely move with expression are fitted (``landmarks.POSE_POINTS``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from realtime.face import landmarks as lm
from realtime.face.canonical import canonical_face

DEFAULT_FOV_DEG = 60.0


@dataclass(frozen=True)
class HeadPose:
    """Angles in degrees (signs above), the rotation matrix and the translation in centimetres."""

    yaw_deg: float
    pitch_deg: float
    roll_deg: float
    rotation: np.ndarray  # 3 x 3, head frame -> camera frame
    translation_cm: np.ndarray  # 3, head-frame origin (between the eyes) in camera coordinates


def camera_matrix(width: int, height: int, fov_deg: float = DEFAULT_FOV_DEG) -> np.ndarray:
    """Pinhole intrinsics for a frame of ``width`` x ``height`` with horizontal field of view ``fov_deg``."""
    if not 1.0 <= fov_deg <= 179.0:
        raise ValueError(f"expected a horizontal field of view between 1 and 179 degrees, got {fov_deg}")
    focal = (width / 2.0) / math.tan(math.radians(fov_deg) / 2.0)
    return np.array([[focal, 0.0, width / 2.0], [0.0, focal, height / 2.0], [0.0, 0.0, 1.0]])


def euler_from_rotation(rotation: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees from a head-to-camera rotation, with the module's sign conventions."""
    a = math.atan2(rotation[0, 2], rotation[2, 2])
    b = math.asin(float(np.clip(-rotation[1, 2], -1.0, 1.0)))
    c = math.atan2(rotation[1, 0], rotation[1, 1])
    return -math.degrees(a), -math.degrees(b), math.degrees(c)


def rotation_from_euler(yaw_deg: float, pitch_deg: float, roll_deg: float) -> np.ndarray:
    """Inverse of ``euler_from_rotation`` (used by tests and to pose the canonical face)."""
    a, b, c = -math.radians(yaw_deg), -math.radians(pitch_deg), math.radians(roll_deg)
    ry = np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])
    rx = np.array([[1, 0, 0], [0, math.cos(b), -math.sin(b)], [0, math.sin(b), math.cos(b)]])
    rz = np.array([[math.cos(c), -math.sin(c), 0], [math.sin(c), math.cos(c), 0], [0, 0, 1]])
    return ry @ rx @ rz


_POSE_INDEX = np.array(lm.POSE_POINTS)


def estimate_pose(landmarks_px: np.ndarray, width: int, height: int, fov_deg: float = DEFAULT_FOV_DEG) -> HeadPose:
    """Fit the canonical face to the 2D landmarks (pixels of a ``width`` x ``height`` frame)."""
    model = canonical_face().vertices[_POSE_INDEX]
    image_points = np.ascontiguousarray(landmarks_px[_POSE_INDEX, :2], dtype=np.float64)
    k = camera_matrix(width, height, fov_deg)
    ok, rvec, tvec = cv2.solvePnP(model, image_points, k, None, flags=cv2.SOLVEPNP_SQPNP)
    if not ok:
        raise ValueError("solvePnP found no pose for the face landmarks")
    rvec, tvec = cv2.solvePnPRefineLM(model, image_points, k, None, rvec, tvec)
    rotation = cv2.Rodrigues(rvec)[0]
    translation = tvec.reshape(3)
    yaw, pitch, roll = euler_from_rotation(ray_rotation(translation).T @ rotation)
    return HeadPose(yaw, pitch, roll, rotation, translation)


def ray_rotation(translation: np.ndarray) -> np.ndarray:
    """The smallest rotation taking the optical axis onto the ray from the camera to ``translation``.

    Angles are reported relative to that ray, so a face anywhere in the frame that looks into the lens
    reads yaw = pitch = 0 (a face high in a wide frame, facing the lens, is not "chin down").
    """
    ray = translation / max(float(np.linalg.norm(translation)), 1e-9)
    axis = np.cross([0.0, 0.0, 1.0], ray)
    sin_angle = float(np.linalg.norm(axis))
    if sin_angle < 1e-9:
        return np.eye(3)
    angle = math.atan2(sin_angle, float(ray[2]))
    return cv2.Rodrigues(axis / sin_angle * angle)[0]
