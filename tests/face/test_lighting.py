"""Lighting measures on the real photo relit by code: side light, dark, colour casts, blur, backgrounds."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from realtime.face.lighting import linear_luminance, measure_lighting, skin_mask
from realtime.face.observation import LightingObservation


def _side_light(photo: np.ndarray, face, darker: str) -> np.ndarray:
    """Darken one side of the face with a smooth ramp across it (x0.25 at one edge to x1 at the other)."""
    x0, _, x1, _ = face.face_box
    x = np.arange(photo.shape[1], dtype=np.float32)
    ramp = np.clip((x - x0) / (x1 - x0), 0.0, 1.0)  # 0 at the image-left edge of the face
    if darker == "left":  # the person's left is the image's right
        ramp = 1.0 - ramp
    gain = 0.25 + 0.75 * ramp
    return np.clip(photo * gain[None, :, None], 0, 255).astype(np.uint8)


def _cast(photo: np.ndarray, bgr_gain: tuple[float, float, float]) -> np.ndarray:
    return np.clip(photo * np.array(bgr_gain, dtype=np.float32), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def measure(photo_analyzer):
    def run(image: np.ndarray, alpha: np.ndarray | None = None) -> LightingObservation:
        face = photo_analyzer.analyze(image, 0.0)
        assert face is not None
        return measure_lighting(image, face, alpha)

    return run


@pytest.fixture(scope="module")
def base(measure, astronaut) -> LightingObservation:
    return measure(astronaut)


def test_astronaut_studio_light_is_plausible(base: LightingObservation) -> None:
    assert 0.25 < base.exposure < 0.6
    assert base.clipped_bright < 0.02 and base.clipped_dark < 0.03
    assert 0.5 < base.evenness <= 1.0
    assert 5 < base.lab_a < 25 and 5 < base.lab_b < 35  # natural skin box of the guidelines
    assert -60 < base.key_light_azimuth_deg < 60 and -60 < base.key_light_elevation_deg < 75
    assert base.sharpness > 50
    assert base.backlight is None and base.background_busyness is None


@pytest.mark.parametrize("darker, brighter", [("right", "left"), ("left", "right")])
def test_one_side_darkened(measure, astronaut, astronaut_face, base, darker: str, brighter: str) -> None:
    lit = measure(_side_light(astronaut, astronaut_face, darker))
    assert lit.brighter_side == brighter
    assert lit.evenness < 0.5
    assert lit.exposure < base.exposure
    # The key light moves toward the bright side: + azimuth is the person's left.
    if brighter == "left":
        assert lit.key_light_azimuth_deg > base.key_light_azimuth_deg + 15
        assert lit.key_light_azimuth_deg > 0
    else:
        assert lit.key_light_azimuth_deg < base.key_light_azimuth_deg - 10
        assert lit.key_light_azimuth_deg < 0


@pytest.mark.parametrize("gain", [0.5, 0.3])
def test_darkened_overall(measure, astronaut, base, gain: float) -> None:
    dark = measure(np.round(astronaut * gain).astype(np.uint8))
    # Linear luminance scales about as gain ** 2.2 (sRGB decoding).
    assert dark.exposure == pytest.approx(base.exposure * gain**2.2, rel=0.25)
    assert dark.clipped_dark >= base.clipped_dark
    assert dark.evenness == pytest.approx(base.evenness, abs=0.06)


@pytest.mark.parametrize(
    "name, gain, a_sign, b_sign",
    [("warm", (0.75, 1.0, 1.2), 0, 1), ("cold", (1.25, 1.0, 0.8), 0, -1), ("magenta", (1.0, 0.8, 1.0), 1, 0)],
)
def test_colour_cast_moves_lab(measure, astronaut, base, name: str, gain, a_sign: int, b_sign: int) -> None:
    cast = measure(_cast(astronaut, gain))
    if b_sign:
        assert (cast.lab_b - base.lab_b) * b_sign > 8, name
    if a_sign:
        assert (cast.lab_a - base.lab_a) * a_sign > 8, name


@pytest.mark.parametrize("sigma", [2.0, 4.0])
def test_blur_drops_sharpness(measure, astronaut, base, sigma: float) -> None:
    blurred = measure(cv2.GaussianBlur(astronaut, (0, 0), sigma))
    assert blurred.sharpness < 0.2 * base.sharpness


def test_sharpness_is_comparable_across_scales(measure, astronaut) -> None:
    # Faces with IED above SHARPNESS_IED_PX (every face the coach accepts) are shrunk to the same scale,
    # so the same photo at 2x and 3x reads alike; the raw Laplacian variance would differ about 5x.
    two = measure(cv2.resize(astronaut, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC))
    three = measure(cv2.resize(astronaut, None, fx=3.0, fy=3.0, interpolation=cv2.INTER_CUBIC))
    assert three.sharpness == pytest.approx(two.sharpness, rel=0.35)


def test_small_face_reads_softer(measure, astronaut, base) -> None:
    # Below SHARPNESS_IED_PX there is less detail to see: the measure says so (no false "sharp").
    smaller = measure(cv2.resize(astronaut, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA))
    assert smaller.sharpness < base.sharpness


def _person_alpha(face, shape: tuple[int, int]) -> np.ndarray:
    """A rough matte: the face box grown into a head-and-shoulders block."""
    alpha = np.zeros(shape, np.float32)
    x0, y0, x1, y1 = face.face_box
    w = x1 - x0
    alpha[int(max(y0 - 0.4 * w, 0)) :, int(max(x0 - 0.8 * w, 0)) : int(x1 + 0.8 * w)] = 1.0
    return alpha


def test_backlight_and_busy_background(measure, astronaut, astronaut_face) -> None:
    alpha = _person_alpha(astronaut_face, astronaut.shape[:2])
    behind = alpha < 0.5
    bright = astronaut.copy()
    bright[behind] = 250
    plain = astronaut.copy()
    plain[behind] = 90
    busy = astronaut.copy()
    checker = ((np.indices(astronaut.shape[:2]).sum(axis=0) // 6) % 2 * 200 + 20).astype(np.uint8)
    busy[behind] = checker[behind][:, None]
    # Real backlight: a white window behind a face left 1.5 stops dark (the camera exposed for the window).
    from realtime.evaluate.ev_sweep import shift_ev

    window = shift_ev(astronaut, -1.5)
    window[behind] = 255
    lit_bright, lit_plain, lit_busy = measure(bright, alpha), measure(plain, alpha), measure(busy, alpha)
    lit_window = measure(window, alpha)
    # A white wall behind a well-exposed face is an ordinary room, not backlight (the professional band is 2.0).
    assert lit_bright.backlight is not None and 0.8 < lit_bright.backlight < 2.0
    assert lit_window.backlight is not None and lit_window.backlight > 2.0
    assert lit_plain.backlight is not None and lit_plain.backlight < 0.5
    assert lit_plain.background_busyness is not None and lit_plain.background_busyness < 0.02
    assert lit_busy.background_busyness is not None and lit_busy.background_busyness > 10 * max(
        lit_plain.background_busyness, 0.01
    )


def test_skin_mask_leaves_out_eyes_and_mouth(astronaut_face) -> None:
    mask = skin_mask(astronaut_face.landmarks, (512, 512))
    for x, y in (astronaut_face.left_eye, astronaut_face.right_eye):
        assert mask[int(y), int(x)] == 0
    mouth = astronaut_face.landmarks[[13, 14], :2].mean(axis=0)
    assert mask[int(mouth[1]), int(mouth[0])] == 0
    cheek = astronaut_face.landmarks[[50, 280], :2]  # cheek points, both sides
    assert all(mask[int(y), int(x)] == 1 for x, y in cheek)
    nose = astronaut_face.landmarks[4, :2]
    assert mask[int(nose[1]), int(nose[0])] == 1


def test_linear_luminance_decodes_srgb() -> None:
    grey = np.full((2, 2, 3), 128, np.uint8)
    assert linear_luminance(grey)[0, 0] == pytest.approx(0.2158, abs=1e-3)
    assert linear_luminance(np.full((1, 1, 3), 255, np.uint8))[0, 0] == pytest.approx(1.0, abs=1e-5)


def test_bad_inputs_are_rejected(astronaut, astronaut_face) -> None:
    with pytest.raises(ValueError, match="frame the face was measured on"):
        measure_lighting(astronaut[:100], astronaut_face)
    with pytest.raises(ValueError, match="matte of shape"):
        measure_lighting(astronaut, astronaut_face, np.zeros((10, 10), np.float32))
