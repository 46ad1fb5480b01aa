"""Face analysis: MediaPipe face mesh + full-range face detection -> one ``FaceObservation`` per frame.

Why two MediaPipe graphs: the face mesh (with iris refinement) measures one face finely but its own
detector is short-range and misses small or second faces; the full-range face detector counts people.
``faces`` counts the detector's faces (confidence-gated) and mesh faces a detection confirms: a mesh
hit on a blurred background object does not make a second person.

Why the mesh runs on a crop: a fixed-size square (``CROP_PX``) around the subject, cut and resampled in
one ``warpAffine`` with a constant border, so a small face far away is enlarged, a tight close-up that
fills the frame is padded (the mesh's detector needs some margin), and a 1280x720 frame costs no more
than a small one. In tracking mode the square follows the previous frame's landmarks, so the mesh's own
tracker sees a face that barely moves; landmarks are mapped back to the original frame's pixels.

Motion (tracking mode) is the mean landmark displacement under the best similarity transform between
frames (``rigid_shift``), in IED per second, taken over two frame intervals: the mesh's tracker wobbles
by a fraction of a pixel with period two, and both choices cancel that, so a still face reads near 0
instead of the ~0.2 IED/s of raw per-landmark jitter.

Tracking mode (live video): one detection pass (whole frame or one tile, see ``detection``) runs every
``detect_every`` frames, and every pass runs when the face is lost, so the face count can lag by a few
frames (9 at 16:9 with the default, 0.3 s at 30 fps); the coach's hold time covers it. Static mode
(photos): everything runs on every call and nothing is carried between calls (no motion, no baseline).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import cv2
import mediapipe as mp
import numpy as np

from realtime.errors import EngineError
from realtime.face import landmarks as lm
from realtime.face.detection import FaceCounter, area, confirmed_by
from realtime.face.features import EyeBaseline, MouthActivity, measure
from realtime.face.observation import FaceObservation
from realtime.face.pose import DEFAULT_FOV_DEG, estimate_pose

CROP_PX = 256  # side of the square the mesh sees
CROP_SCALE_LANDMARKS = 2.0  # crop side / larger side of the previous landmark box
CROP_KEEP_SHIFT = 0.08  # keep the crop until the face centre moves this share of its side...
CROP_KEEP_SCALE = 0.12  # ...or the face size changes by this share (a still face gets still input)
CROP_SCALE_DETECTION = 2.6  # crop side / larger side of a detection box (tighter than the mesh's)
FALLBACK_SCALES = (1.0, 1.8)  # crop side / larger frame side when nothing else found a face
MOTION_SPAN_FRAMES = 2  # motion is measured against the frame before last (see the module docstring)
BASELINE_RESET_S = 1.0  # forget the open-eye level after the face was gone this long
_BORDER = (114, 114, 114)

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class _Crop:
    """A square of side ``side`` px with top-left (x0, y0) in the frame, resampled to CROP_PX."""

    x0: float
    y0: float
    side: float

    @classmethod
    def around(cls, box: Box, scale: float) -> _Crop:
        side = max(box[2] - box[0], box[3] - box[1], 1.0) * scale
        cx, cy = (box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0
        return cls(cx - side / 2.0, cy - side / 2.0, side)

    def keeps(self, other: _Crop) -> bool:
        """True when ``other`` is close enough to this crop to keep this one (no jitter from re-cropping)."""
        shift = max(abs(other.x0 + other.side / 2 - self.x0 - self.side / 2),
                    abs(other.y0 + other.side / 2 - self.y0 - self.side / 2))
        return shift <= CROP_KEEP_SHIFT * self.side and abs(other.side / self.side - 1.0) <= CROP_KEEP_SCALE

    def cut(self, image: np.ndarray) -> np.ndarray:
        s = CROP_PX / self.side
        m = np.array([[s, 0.0, -self.x0 * s], [0.0, s, -self.y0 * s]])
        return cv2.warpAffine(image, m, (CROP_PX, CROP_PX), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=_BORDER)


def rigid_shift(before: np.ndarray, after: np.ndarray) -> float:
    """Mean landmark displacement (pixels) under the similarity transform (shift, rotation, scale) that
    best maps ``before`` onto ``after``: head motion counts fully, per-landmark jitter averages out."""
    a = before[: lm.NUM_MESH, 0] + 1j * before[: lm.NUM_MESH, 1]
    b = after[: lm.NUM_MESH, 0] + 1j * after[: lm.NUM_MESH, 1]
    ca, cb = a.mean(), b.mean()
    za, zb = a - ca, b - cb
    spread = float(np.vdot(za, za).real)
    turn = np.vdot(za, zb) / spread if spread > 0 else 1.0  # scale * e^(i angle)
    return float(np.abs((cb - ca) + (turn - 1.0) * za).mean())


def _ratio(areas: list[float]) -> float:
    ordered = sorted(areas, reverse=True)
    return ordered[1] / ordered[0] if len(ordered) > 1 and ordered[0] > 0 else 0.0


class FaceAnalyzer:
    """Measures the largest face of each frame; a context manager (``close()`` is safe twice).

    ``static_images`` selects photo mode (each call independent) over tracking mode (live video, with
    motion and a running open-eye baseline); ``max_faces`` bounds the mesh; ``field_of_view_deg`` is the
    camera's horizontal field of view used by the head-pose fit (60 degrees suits most webcams).
    """

    def __init__(
        self,
        *,
        static_images: bool = False,
        max_faces: int = 4,
        field_of_view_deg: float = DEFAULT_FOV_DEG,
        detect_every: int = 3,
    ) -> None:
        if max_faces < 1:
            raise ValueError(f"expected max_faces >= 1, got {max_faces}")
        if not 1.0 <= field_of_view_deg <= 179.0:
            raise ValueError(f"expected a field of view between 1 and 179 degrees, got {field_of_view_deg}")
        if detect_every < 1:
            raise ValueError(f"expected detect_every >= 1, got {detect_every}")
        self.static_images = static_images
        self.max_faces = max_faces
        self.field_of_view_deg = field_of_view_deg
        self.detect_every = 1 if static_images else detect_every
        try:
            # Live video meshes a crop around the subject, and the detector counts people: one mesh face is
            # enough there, and MediaPipe re-runs its own detector on every frame while it tracks fewer
            # faces than max_num_faces, which costs more than the mesh itself.
            self._mesh = mp.solutions.face_mesh.FaceMesh(
                static_image_mode=static_images, max_num_faces=max_faces if static_images else 1,
                refine_landmarks=True,
            )
            self._counter = FaceCounter(static_images=static_images)
        except (RuntimeError, ValueError, OSError) as exc:
            raise EngineError(
                f"cannot start MediaPipe face mesh/detection: {exc}",
                "reinstall the pinned wheel: pip install mediapipe==0.10.21",
            ) from exc
        self._closed = False
        self._frame = 0
        self._detections: list[Box] = []
        self._history: deque[tuple[float, np.ndarray]] = deque(maxlen=MOTION_SPAN_FRAMES)
        self._previous_box: Box | None = None
        self._crop: _Crop | None = None  # the crop the tracked face was last measured in
        self._previous_time: float | None = None
        self._last_seen: float | None = None
        self._baseline = EyeBaseline()
        self._mouth = MouthActivity()

    # -- lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        """Release both MediaPipe graphs; calling it again does nothing."""
        if self._closed:
            return
        self._closed = True
        self._mesh.close()
        self._counter.close()

    def __enter__(self) -> FaceAnalyzer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- per frame -------------------------------------------------------------------------------
    def analyze(self, image_bgr: np.ndarray, timestamp_s: float) -> FaceObservation | None:
        """Measure the largest face in a BGR uint8 frame; None when no face is found.

        ``timestamp_s`` (seconds) must not go back in tracking mode; it times the motion measure.
        """
        self._check(image_bgr, timestamp_s)
        h, w = image_bgr.shape[:2]
        if self.static_images or self._previous_box is None:
            self._detections = self._counter.update(image_bgr, everything=True)
        elif self._frame % self.detect_every == 0:
            self._detections = self._counter.update(image_bgr)
            self._retarget()
        self._frame += 1

        found = self._mesh_subject(image_bgr, w, h)
        if found is None and self._previous_box is not None and not self.static_images:
            self._previous_box = None  # lost the track: look again from the detections
            self._detections = self._counter.update(image_bgr, everything=True)
            found = self._mesh_subject(image_bgr, w, h)
        if found is None:
            self._forget(timestamp_s)
            return None
        points, mesh_boxes = found
        return self._observe(points, mesh_boxes, w, h, timestamp_s)

    # -- steps -----------------------------------------------------------------------------------
    def _check(self, image: np.ndarray, timestamp_s: float) -> None:
        if self._closed:
            raise ValueError("expected an open FaceAnalyzer, got one already closed")
        if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3:
            shape = getattr(image, "shape", type(image).__name__)
            raise ValueError(f"expected a BGR image of shape (H, W, 3), got {shape}")
        if image.dtype != np.uint8:
            raise ValueError(f"expected a uint8 image, got {image.dtype}")
        if not self.static_images and self._previous_time is not None and timestamp_s < self._previous_time:
            raise ValueError(
                f"expected increasing timestamps in tracking mode, got {timestamp_s} after {self._previous_time}"
            )

    def _retarget(self) -> None:
        """Follow the largest face: drop the track when a clearly larger face is elsewhere."""
        if not self._detections or self._previous_box is None:
            return
        largest = self._detections[0]
        cx, cy = (largest[0] + largest[2]) / 2.0, (largest[1] + largest[3]) / 2.0
        x0, y0, x1, y1 = self._previous_box
        inside = x0 <= cx <= x1 and y0 <= cy <= y1
        if not inside and area(largest) > 1.5 * area(self._previous_box):
            self._previous_box = None
            self._history.clear()

    def _candidates(self, w: int, h: int) -> list[_Crop]:
        if self._previous_box is not None and not self.static_images:
            wanted = _Crop.around(self._previous_box, CROP_SCALE_LANDMARKS)
            if self._crop is None or not self._crop.keeps(wanted):
                self._crop = wanted
            return [self._crop]
        crops = [_Crop.around(box, CROP_SCALE_DETECTION) for box in self._detections[:2]]
        frame_box = (0.0, 0.0, float(w), float(h))
        crops += [_Crop.around(frame_box, scale) for scale in FALLBACK_SCALES]
        return crops

    def _mesh_subject(self, image_bgr: np.ndarray, w: int, h: int) -> tuple[np.ndarray, list[Box]] | None:
        """Run the mesh on each candidate crop until a face is found; landmarks in frame pixels."""
        for crop in self._candidates(w, h):
            result = self._mesh.process(cv2.cvtColor(crop.cut(image_bgr), cv2.COLOR_BGR2RGB))
            if not result.multi_face_landmarks:
                continue
            self._crop = crop
            k = crop.side / CROP_PX
            faces = []
            for face in result.multi_face_landmarks:
                pts = np.array([(p.x, p.y, p.z) for p in face.landmark], dtype=np.float32) * CROP_PX
                pts *= k
                pts[:, 0] += crop.x0
                pts[:, 1] += crop.y0
                faces.append(pts)
            boxes = [
                (float(p[:, 0].min()), float(p[:, 1].min()), float(p[:, 0].max()), float(p[:, 1].max()))
                for p in faces
            ]
            largest = int(np.argmax([area(b) for b in boxes]))
            return faces[largest], boxes
        return None

    def _forget(self, timestamp_s: float) -> None:
        self._history.clear()
        self._mouth.reset()
        self._previous_box = None
        self._previous_time = timestamp_s if not self.static_images else None
        if self._last_seen is not None and timestamp_s - self._last_seen > BASELINE_RESET_S:
            self._baseline.reset()

    def _observe(self, points: np.ndarray, mesh_boxes: list[Box], w: int, h: int, t: float) -> FaceObservation:
        xy = points[:, :2]
        box = (float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max()))
        feats = measure(points)
        pose = estimate_pose(points, w, h, self.field_of_view_deg)

        # Faces are counted with a confidence gate: the detector's boxes (score >= MIN_CONFIDENCE), and a
        # mesh face only where a detection confirms it. The mesh has no score of its own and fits a face
        # to a blurred background object now and then; the subject (measured here) always counts.
        confirmed = [b for b in mesh_boxes if b == box or confirmed_by(b, self._detections)]
        boxes = self._detections if len(self._detections) >= len(confirmed) else confirmed
        faces = max(len(boxes), 1)
        ratio = _ratio([area(b) for b in boxes])

        motion = 0.0
        baseline: float | None = None
        blinking = talking = False
        if not self.static_images:
            if self._history and t > self._history[0][0]:
                then, before = self._history[0]
                motion = float(rigid_shift(before, xy) / feats.inter_eye_px / (t - then))
            if self._last_seen is not None and t - self._last_seen > BASELINE_RESET_S:
                self._baseline.reset()
            opening = (feats.eye_open_left + feats.eye_open_right) / 2.0
            baseline = self._baseline.update(opening)
            blinking = EyeBaseline.is_blink(opening, baseline)
            talking = self._mouth.update(feats.mouth_open, t)
            self._history.append((t, xy.copy()))
            self._previous_box = box
            self._previous_time = t
            self._last_seen = t

        return FaceObservation(
            image_size=(w, h),
            faces=faces,
            second_face_ratio=float(ratio),
            landmarks=points,
            face_box=box,
            left_eye=feats.left_eye,
            right_eye=feats.right_eye,
            chin=(float(points[lm.CHIN, 0]), float(points[lm.CHIN, 1])),
            forehead=(float(points[lm.FOREHEAD, 0]), float(points[lm.FOREHEAD, 1])),
            inter_eye_px=feats.inter_eye_px,
            eye_to_chin_px=feats.eye_to_chin_px,
            yaw_deg=pose.yaw_deg,
            pitch_deg=pose.pitch_deg,
            roll_deg=pose.roll_deg,
            eye_open_left=feats.eye_open_left,
            eye_open_right=feats.eye_open_right,
            eye_open_baseline=baseline,
            blinking=blinking,
            gaze=feats.gaze,
            gaze_x=feats.gaze_x,
            gaze_y=feats.gaze_y,
            mouth_open=feats.mouth_open,
            smile=feats.smile,
            motion_ied_per_s=motion,
            talking=talking,
        )
