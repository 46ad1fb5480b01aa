"""Build ``realtime/face/data/canonical_face.npz``: the 3D reference face that head pose is fitted to.

Why this exists: the pinned mediapipe wheel (0.10.21) does not ship ``canonical_face_model.obj`` and
nothing may be downloaded, so the reference face is made from MediaPipe's own face mesh. The mesh gives
x, y and a relative depth z on the same scale as x for every landmark; run (static mode) on a real,
near-frontal photo (``skimage.data.astronaut()``) and on its mirror image at a few scales, the
estimates are averaged, made left/right symmetric, and put into a head frame:

- X toward the person's left, Y down (forehead to chin), Z away from the camera (into the head), so a
  face looking straight into the camera has rotation identity in camera coordinates (x right, y down,
  z forward);
- X is the normal of the face's symmetry plane (yaw and roll zero = the symmetry plane faces the camera
  and is upright); Y is the forehead (landmark 10) to chin (152) direction in that plane, so pitch zero
  is "forehead-to-chin line upright";
- origin at the midpoint of the eye centres, units centimetres with the inter-eye distance 6.3 cm.

It also stores per-vertex outward normals (for the key-light fit) and the mirror permutation (landmark i
of a face corresponds to landmark mirror[i] of its mirror image). Run: ``python tools/build_canonical_face.py``.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import mediapipe as mp
import numpy as np
from scipy.optimize import linear_sum_assignment
from skimage import data

from realtime.face import landmarks as lm

OUT = Path(__file__).resolve().parents[1] / "realtime" / "face" / "data" / "canonical_face.npz"
IED_CM = 6.3


def _mesh(image_bgr: np.ndarray, mesh: mp.solutions.face_mesh.FaceMesh) -> np.ndarray:
    h, w = image_bgr.shape[:2]
    result = mesh.process(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB))
    if not result.multi_face_landmarks:
        raise RuntimeError("expected a face in the reference photo, found none")
    pts = result.multi_face_landmarks[0].landmark
    return np.array([(p.x * w, p.y * h, p.z * w) for p in pts], dtype=np.float64)[: lm.NUM_MESH]


def _normalise(points: np.ndarray) -> np.ndarray:
    centred = points - points.mean(axis=0)
    return centred / np.sqrt((centred**2).sum(axis=1).mean())


def _kabsch(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Rotate ``source`` (centred) onto ``target`` (centred) by least squares."""
    u, _, vt = np.linalg.svd(source.T @ target)
    d = np.sign(np.linalg.det(u @ vt))
    return source @ (u @ np.diag([1.0, 1.0, d]) @ vt)


def _samples(flip: bool) -> list[np.ndarray]:
    photo = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    if flip:
        photo = cv2.flip(photo, 1)
    out = []
    with mp.solutions.face_mesh.FaceMesh(static_image_mode=True, refine_landmarks=True) as mesh:
        for scale in (0.75, 1.0, 1.5, 2.0):
            img = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            pts = _mesh(img, mesh)
            if flip:
                pts[:, 0] = -pts[:, 0]
            out.append(_normalise(pts))
    return out


def build() -> dict[str, np.ndarray]:
    direct, mirrored = _samples(False), _samples(True)
    # Average each set in its own index order; the mirrored set (x negated back) already sits in the
    # photo's pose, only its landmark numbering is mirrored, so it is not rotated onto the direct set.
    mean_direct = np.mean([_kabsch(s, direct[0]) for s in direct], axis=0)
    mean_mirror = np.mean([_kabsch(s, mirrored[0]) for s in mirrored], axis=0)
    # mirrored[i] is the original face's landmark mirror[i]: find the permutation by assignment.
    cost = np.linalg.norm(mean_mirror[:, None, :] - mean_direct[None, :, :], axis=2)
    rows, mirror = linear_sum_assignment(cost)
    inverse = np.argsort(mirror)
    face = (mean_direct + mean_mirror[inverse]) / 2.0
    # Symmetry plane: normal = main direction of the differences between mirror pairs.
    diffs = face - face[mirror]
    diffs = diffs[np.linalg.norm(diffs, axis=1) > 1e-6]
    normal = np.linalg.svd(diffs, full_matrices=False)[2][0]
    centre = face.mean(axis=0)
    if (face[lm.LEFT_EYE_OUTER] - centre) @ normal < 0:
        normal = -normal

    def reflect(p: np.ndarray) -> np.ndarray:
        return p - 2.0 * ((p - centre) @ normal)[:, None] * normal[None, :]

    face = (face + reflect(face[mirror])) / 2.0
    down = face[lm.CHIN] - face[lm.FOREHEAD]
    down -= (down @ normal) * normal
    down /= np.linalg.norm(down)
    axes = np.stack([normal, down, np.cross(normal, down)])  # rows: X, Y, Z of the head frame
    right_eye = (face[lm.RIGHT_EYE_OUTER] + face[lm.RIGHT_EYE_INNER]) / 2.0
    left_eye = (face[lm.LEFT_EYE_OUTER] + face[lm.LEFT_EYE_INNER]) / 2.0
    origin = (left_eye + right_eye) / 2.0
    vertices = (face - origin) @ axes.T * (IED_CM / np.linalg.norm(left_eye - right_eye))
    if vertices[lm.NOSE_TIP, 2] > vertices[234, 2]:
        raise RuntimeError("expected the nose tip nearer the camera than the face side; the frame is flipped")
    return {
        "vertices": vertices.astype(np.float32),
        "normals": _vertex_normals(vertices).astype(np.float32),
        "mirror": mirror.astype(np.int32),
    }


def _vertex_normals(vertices: np.ndarray) -> np.ndarray:
    tri = vertices[lm.TRIANGLES]
    face_normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    # Orient every triangle outward: away from a point well inside the head.
    inside = vertices.mean(axis=0) + np.array([0.0, 0.0, 4.0])
    outward = tri.mean(axis=1) - inside
    face_normals *= np.sign((face_normals * outward).sum(axis=1))[:, None]
    normals = np.zeros_like(vertices)
    for k in range(3):
        np.add.at(normals, lm.TRIANGLES[:, k], face_normals)
    return normals / np.linalg.norm(normals, axis=1, keepdims=True)


def main() -> None:
    arrays = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **arrays)
    v = arrays["vertices"]
    print(f"wrote {OUT} ({v.shape[0]} vertices; face width {v[454, 0] - v[234, 0]:.1f} cm, "
          f"nose depth {v[234, 2] - v[lm.NOSE_TIP, 2]:.1f} cm)")


if __name__ == "__main__":
    main()
