"""Index tables into MediaPipe's 478-point face mesh (468 mesh points + 10 iris points with refinement).

Kept apart from the maths so the tables can be read (and corrected) at a glance. "Left"/"right" are the
person's own: the person's left eye is drawn on the image's right in an unmirrored frame. The contour
loops come from MediaPipe's own connection tables (``face_mesh_connections``) walked into ordered
polygons, so they stay in step with the model that produced the landmarks.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from mediapipe.python.solutions import face_mesh_connections as _conn

NUM_LANDMARKS = 478
NUM_MESH = 468  # without the iris points

# Eye corners (outer, inner) and eyelid pairs (upper, lower), person's own sides.
RIGHT_EYE_OUTER, RIGHT_EYE_INNER = 33, 133
LEFT_EYE_OUTER, LEFT_EYE_INNER = 263, 362
RIGHT_LID_PAIRS = ((160, 144), (159, 145), (158, 153))
LEFT_LID_PAIRS = ((385, 380), (386, 374), (387, 373))
RIGHT_IRIS_CENTRE, LEFT_IRIS_CENTRE = 468, 473

# Face midline, top to bottom: forehead (hairline), glabella, nose bridge, nose tip, chin.
FOREHEAD, GLABELLA, NOSE_BRIDGE, NOSE_TIP, CHIN = 10, 9, 168, 1, 152
MIDLINE = (10, 151, 9, 8, 168, 6, 197, 195, 5, 4, 1, 164, 0, 17, 18, 200, 199, 175, 152)

# Mouth: outer corners, outer lip centre (top, bottom), inner lip centre (top, bottom).
MOUTH_RIGHT_CORNER, MOUTH_LEFT_CORNER = 61, 291
UPPER_LIP_OUTER, LOWER_LIP_OUTER = 0, 17
UPPER_LIP_INNER, LOWER_LIP_INNER = 13, 14

# Landmarks that move little with expression (forehead, eye corners, nose, cheekbones, face sides at
# eye level): the set fitted by solvePnP for head pose. Jaw, lips, brows and lids are left out because
# talking, smiling and blinking move them without moving the head.
POSE_POINTS = (
    10, 151, 9, 108, 337, 69, 299, 67, 297,  # forehead
    33, 133, 362, 263, 130, 359,  # eye corners
    168, 6, 197, 195, 5, 4, 1, 98, 327, 48, 278,  # nose
    116, 345, 123, 352, 50, 280,  # cheekbones
    234, 454, 127, 356, 93, 323, 162, 389,  # face sides at eye/cheek level
)


def _loops(edges: Iterable[tuple[int, int]]) -> list[tuple[int, ...]]:
    """Walk an undirected edge set of closed contours into ordered vertex loops."""
    adjacency: dict[int, list[int]] = {}
    for a, b in edges:
        adjacency.setdefault(a, []).append(b)
        adjacency.setdefault(b, []).append(a)
    seen: set[int] = set()
    loops: list[tuple[int, ...]] = []
    for start in sorted(adjacency):
        if start in seen:
            continue
        loop = [start]
        seen.add(start)
        previous, current = -1, start
        while True:
            candidates = [n for n in adjacency[current] if n != previous and n not in seen]
            if not candidates:
                break
            previous, current = current, candidates[0]
            loop.append(current)
            seen.add(current)
        loops.append(tuple(loop))
    return loops


def _points(edges: Iterable[tuple[int, int]]) -> tuple[int, ...]:
    return tuple(sorted({i for edge in edges for i in edge}))


FACE_OVAL = max(_loops(_conn.FACEMESH_FACE_OVAL), key=len)
LEFT_EYE = _points(_conn.FACEMESH_LEFT_EYE)
RIGHT_EYE = _points(_conn.FACEMESH_RIGHT_EYE)
LEFT_BROW = _points(_conn.FACEMESH_LEFT_EYEBROW)
RIGHT_BROW = _points(_conn.FACEMESH_RIGHT_EYEBROW)
LIPS = _points(_conn.FACEMESH_LIPS)
LEFT_IRIS = _points(_conn.FACEMESH_LEFT_IRIS) + (LEFT_IRIS_CENTRE,)
RIGHT_IRIS = _points(_conn.FACEMESH_RIGHT_IRIS) + (RIGHT_IRIS_CENTRE,)

# Regions cut out of the skin mask (each filled as the convex hull of its points, enlarged a little).
NON_SKIN_REGIONS = (LEFT_EYE + LEFT_BROW, RIGHT_EYE + RIGHT_BROW, LIPS)


def _triangles() -> np.ndarray:
    """Triangles of the mesh, as the 3-cliques of MediaPipe's tessellation edge set."""
    neighbours: dict[int, set[int]] = {}
    for a, b in _conn.FACEMESH_TESSELATION:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    tris = {
        tuple(sorted((a, b, c)))
        for a, nb in neighbours.items()
        for b in nb
        for c in nb & neighbours[b]
    }
    return np.array(sorted(tris), dtype=np.int32)


TRIANGLES = _triangles()
