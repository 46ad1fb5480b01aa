"""Head pose: sign conventions on exact projections of the canonical face, and on the real photo."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from realtime.face.analyzer import FaceAnalyzer
from realtime.face.canonical import canonical_face
from realtime.face.pose import camera_matrix, estimate_pose, euler_from_rotation, rotation_from_euler

ANGLES = [(0, 0, 0), (20, 0, 0), (-30, 0, 0), (0, 15, 0), (0, -12, 0), (0, 0, 10), (0, 0, -8), (25, -10, 5)]


@pytest.mark.parametrize("angles", ANGLES)
def test_euler_round_trip(angles: tuple[float, float, float]) -> None:
    assert np.allclose(euler_from_rotation(rotation_from_euler(*angles)), angles, atol=1e-9)


def _project(yaw: float, pitch: float, roll: float, offset: tuple[float, float, float]) -> np.ndarray:
    """Landmarks of the canonical face posed relative to the line of sight, seen by a 60-degree camera."""
    model = canonical_face().vertices
    t = np.array(offset, dtype=np.float64)
    ray = t / np.linalg.norm(t)
    axis = np.cross([0.0, 0.0, 1.0], ray)
    angle = np.arctan2(np.linalg.norm(axis), ray[2])
    to_ray = cv2.Rodrigues(axis / max(np.linalg.norm(axis), 1e-12) * angle)[0]
    cam = model @ (to_ray @ rotation_from_euler(yaw, pitch, roll)).T + t
    uvw = cam @ camera_matrix(1280, 720).T
    pts = np.zeros((478, 3))
    pts[:468, :2] = uvw[:, :2] / uvw[:, 2:]
    return pts


@pytest.mark.parametrize("angles", ANGLES)
@pytest.mark.parametrize("offset", [(0.0, 0.0, 60.0), (25.0, -12.0, 70.0)])
def test_pose_recovers_known_angles(angles: tuple[float, float, float], offset: tuple[float, float, float]) -> None:
    pose = estimate_pose(_project(*angles, offset), 1280, 720)
    assert (pose.yaw_deg, pose.pitch_deg, pose.roll_deg) == pytest.approx(angles, abs=0.05)


def test_signs_match_the_observation_contract() -> None:
    # Turning to the person's own left moves the nose toward the image's right (unmirrored frame).
    straight = _project(0, 0, 0, (0, 0, 60))
    turned = _project(20, 0, 0, (0, 0, 60))
    assert turned[1, 0] > straight[1, 0]
    # Chin up moves the nose tip up in the image relative to the eyes.
    up = _project(0, 15, 0, (0, 0, 60))
    assert up[1, 1] - up[168, 1] < straight[1, 1] - straight[168, 1]
    # Tilting toward the left shoulder drops the person's left eye (263, image right).
    tilted = _project(0, 0, 10, (0, 0, 60))
    assert tilted[263, 1] > tilted[33, 1]


def test_camera_matrix_rejects_silly_field_of_view() -> None:
    with pytest.raises(ValueError, match="field of view"):
        camera_matrix(640, 480, 0.0)


def _rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), degrees, 1.0)  # + = counter-clockwise on screen
    return cv2.warpAffine(image, m, (w, h), borderMode=cv2.BORDER_REFLECT)


@pytest.mark.parametrize("degrees", [15.0, -15.0])
def test_in_plane_rotation_reads_as_roll(
    photo_analyzer: FaceAnalyzer, astronaut: np.ndarray, astronaut_face, degrees: float
) -> None:
    face = photo_analyzer.analyze(_rotate(astronaut, degrees), 0.0)
    assert face is not None
    # Counter-clockwise on screen moves the crown toward the image's left = the person's right
    # shoulder, which is negative roll.
    assert face.roll_deg - astronaut_face.roll_deg == pytest.approx(-degrees, abs=2.0)
    assert abs(face.yaw_deg - astronaut_face.yaw_deg) < 3.0


def test_mirror_image_flips_yaw_and_roll(photo_analyzer: FaceAnalyzer, astronaut: np.ndarray, astronaut_face) -> None:
    mirrored = photo_analyzer.analyze(cv2.flip(astronaut, 1), 0.0)
    assert mirrored is not None
    assert mirrored.yaw_deg == pytest.approx(-astronaut_face.yaw_deg, abs=1.5)
    assert mirrored.roll_deg == pytest.approx(-astronaut_face.roll_deg, abs=1.5)
    assert mirrored.pitch_deg == pytest.approx(astronaut_face.pitch_deg, abs=1.5)
    assert np.sign(mirrored.roll_deg) == -np.sign(astronaut_face.roll_deg)


def test_astronaut_reads_near_frontal(astronaut_face) -> None:
    # A real headshot, looking into the lens with a slight tilt: small yaw and roll, chin a bit down.
    assert abs(astronaut_face.yaw_deg) < 5.0
    assert 0.5 < astronaut_face.roll_deg < 6.0
    assert -15.0 < astronaut_face.pitch_deg < 0.0
