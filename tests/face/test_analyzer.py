"""FaceAnalyzer on the real photo transformed by code: placement, scale, crops, two people, eyes, motion."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from realtime.face import landmarks as lm
from realtime.face.analyzer import FaceAnalyzer


def _on_canvas(photo: np.ndarray, scale: float, at: tuple[int, int], size: tuple[int, int] = (1280, 720)) -> np.ndarray:
    canvas = np.full((size[1], size[0], 3), 100, np.uint8)
    small = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    x, y = at
    h, w = min(small.shape[0], size[1] - y), min(small.shape[1], size[0] - x)
    canvas[y : y + h, x : x + w] = small[:h, :w]
    return canvas


CASES = {
    # name: (transform, expected IED relative to the original, face box shift (dx, dy) in pixels or None)
    "shifted": (lambda p: _on_canvas(p, 1.0, (600, 150)), 1.0, (600, 150)),
    "scaled_up": (lambda p: _on_canvas(p, 2.0, (100, 0), (1280, 1024)), 2.0, None),
    "scaled_down": (lambda p: _on_canvas(p, 0.6, (50, 300)), 0.6, None),
    "small_in_big_frame": (lambda p: _on_canvas(p, 0.35, (900, 200)), 0.35, None),
    "tight_crop": (lambda p: p[85:165, 180:275], 1.0, (-180, -85)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_face_is_measured_wherever_and_however_big(photo_analyzer, astronaut, astronaut_face, name: str) -> None:
    transform, ied_ratio, shift = CASES[name]
    image = transform(astronaut)
    face = photo_analyzer.analyze(image, 0.0)
    assert face is not None, name
    assert face.image_size == (image.shape[1], image.shape[0])
    assert face.faces == 1 and face.second_face_ratio == 0.0
    assert face.inter_eye_px == pytest.approx(astronaut_face.inter_eye_px * ied_ratio, rel=0.08)
    assert abs(face.roll_deg - astronaut_face.roll_deg) < 2.0
    assert abs(face.yaw_deg - astronaut_face.yaw_deg) < 4.0
    if shift is not None:
        assert face.left_eye[0] == pytest.approx(astronaut_face.left_eye[0] + shift[0], abs=3.0)
        assert face.left_eye[1] == pytest.approx(astronaut_face.left_eye[1] + shift[1], abs=3.0)
    # Landmarks are in the analysed frame's pixels, person's left eye on the image's right.
    assert face.landmarks.shape == (478, 3) and face.landmarks.dtype == np.float32
    assert face.left_eye[0] > face.right_eye[0]
    assert face.forehead[1] < face.eye_mid[1] < face.chin[1]


def test_astronaut_measures_are_plausible(astronaut_face) -> None:
    f = astronaut_face
    assert 0.08 < f.eye_open_left < 0.18 and 0.08 < f.eye_open_right < 0.18  # lid gap / inter-eye distance
    assert f.eye_open_baseline is None and not f.blinking  # photos carry no baseline
    assert f.gaze < 0.12  # she looks into the lens
    assert f.smile > 0.5  # a broad smile, teeth showing
    assert 0.03 < f.mouth_open < 0.2
    assert f.motion_ied_per_s == 0.0
    assert f.eye_to_chin_px > f.inter_eye_px


@pytest.mark.parametrize("paste_at, scale", [((400, 300), 0.5), ((20, 330), 0.6)])
def test_second_face_is_counted(photo_analyzer, astronaut, paste_at: tuple[int, int], scale: float) -> None:
    image = astronaut.copy()
    head = cv2.resize(astronaut[40:240, 120:330], None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    x, y = paste_at
    h, w = min(head.shape[0], 512 - y), min(head.shape[1], 512 - x)
    image[y : y + h, x : x + w] = head[:h, :w]
    face = photo_analyzer.analyze(image, 0.0)
    assert face is not None
    assert face.faces == 2
    assert face.second_face_ratio == pytest.approx(scale**2, abs=0.1)
    assert face.inter_eye_px > 35  # the subject is still the larger face


def test_no_face_gives_none(photo_analyzer) -> None:
    assert photo_analyzer.analyze(np.full((480, 640, 3), 120, np.uint8), 0.0) is None


def _eyes_painted_shut(photo: np.ndarray, face) -> np.ndarray:
    """Paint skin over each eye (its hull, enlarged) and draw a thin lash line: a closed eye."""
    out = photo.copy()
    for eye in (lm.LEFT_EYE, lm.RIGHT_EYE):
        hull = cv2.convexHull(face.landmarks[list(eye), :2]).reshape(-1, 2)
        centre = hull.mean(axis=0)
        hull = centre + (hull - centre) * 1.3
        skin = photo[int(centre[1] + 0.25 * face.inter_eye_px), int(centre[0])].tolist()
        cv2.fillPoly(out, [np.round(hull).astype(np.int32)], skin)
        x0, x1 = int(hull[:, 0].min()), int(hull[:, 0].max())
        cv2.line(out, (x0, int(centre[1])), (x1, int(centre[1])), (40, 40, 60), 1)
    return out


def test_painted_shut_eyes_read_closed(photo_analyzer, astronaut, astronaut_face) -> None:
    closed = photo_analyzer.analyze(_eyes_painted_shut(astronaut, astronaut_face), 0.0)
    assert closed is not None
    assert closed.eye_open_left < 0.5 * astronaut_face.eye_open_left
    assert closed.eye_open_right < 0.5 * astronaut_face.eye_open_right
    assert max(closed.eye_open_left, closed.eye_open_right) < 0.068  # the professional profile's floor


def test_tracking_motion_baseline_and_blink(astronaut, astronaut_face) -> None:
    frame = _on_canvas(astronaut, 1.0, (400, 100))
    shut = _on_canvas(_eyes_painted_shut(astronaut, astronaut_face), 1.0, (400, 100))
    with FaceAnalyzer() as analyzer:
        first = analyzer.analyze(frame, 0.0)
        assert first is not None and first.motion_ied_per_s == 0.0 and first.eye_open_baseline is None
        still = None
        for i in range(1, 20):
            still = analyzer.analyze(frame, i / 30.0)
        assert still is not None and still.motion_ied_per_s < 0.1
        assert still.eye_open_baseline == pytest.approx(still.eye_open_left, rel=0.2)
        assert not still.blinking
        blink = analyzer.analyze(shut, 20 / 30.0)
        assert blink is not None and blink.blinking
        # Moving 4 px per frame at 30 fps is 120 px/s, about 2.8 IED/s for a 42 px IED.
        moving = None
        for i in range(21, 27):
            moving = analyzer.analyze(np.roll(frame, 4 * (i - 20), axis=1), i / 30.0)
        assert moving is not None
        assert moving.motion_ied_per_s == pytest.approx(120.0 / moving.inter_eye_px, rel=0.3)
        with pytest.raises(ValueError, match="increasing timestamps"):
            analyzer.analyze(frame, 0.1)


@pytest.mark.parametrize(
    "bad, message",
    [(np.zeros((10, 10), np.uint8), "shape"), (np.zeros((10, 10, 3), np.float32), "uint8"), ("x", "shape")],
)
def test_bad_input_is_rejected(photo_analyzer, bad, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        photo_analyzer.analyze(bad, 0.0)


def test_close_is_safe_twice_and_analyze_after_close_fails() -> None:
    analyzer = FaceAnalyzer(static_images=True)
    analyzer.close()
    analyzer.close()
    with pytest.raises(ValueError, match="closed"):
        analyzer.analyze(np.zeros((64, 64, 3), np.uint8), 0.0)


@pytest.mark.parametrize("kwargs", [{"max_faces": 0}, {"field_of_view_deg": 0.0}, {"detect_every": 0}])
def test_bad_settings_are_rejected(kwargs) -> None:
    with pytest.raises(ValueError, match="expected"):
        FaceAnalyzer(**kwargs)
