"""Skin retouch on a real face: only skin changes, blotches soften, pores and edges stay."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from realtime.capture.retouch import retouch_skin
from realtime.face.lighting import skin_mask


@pytest.fixture(scope="module")
def blotchy(placed):
    """The placed face with mid-frequency blotches (uneven skin) painted on, deterministic."""
    rng = np.random.default_rng(7)
    h, w = placed.image.shape[:2]
    noise = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 4.0)
    noise *= 12.0 / noise.std()
    image = np.clip(placed.image.astype(np.float32) + noise[..., None], 0, 255).astype(np.uint8)
    return image


def band_energy(image: np.ndarray, mask: np.ndarray, low: float, high: float) -> float:
    """Energy of the grey image between two Gaussian scales (difference of Gaussians) inside ``mask``."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.float32)
    dog = cv2.GaussianBlur(gray, (0, 0), low) - cv2.GaussianBlur(gray, (0, 0), high)
    return float((dog[mask] ** 2).mean())


def test_only_skin_changes_and_the_input_is_untouched(placed, blotchy) -> None:
    before = blotchy.copy()
    out = retouch_skin(blotchy, placed.face, 0.5)
    np.testing.assert_array_equal(blotchy, before)
    skin = skin_mask(placed.face.landmarks[:, :2], blotchy.shape[:2]) > 0
    near_skin = cv2.dilate(skin.astype(np.uint8), np.ones((41, 41), np.uint8)) > 0
    changed = np.any(out != blotchy, axis=2)
    assert changed[skin].mean() > 0.5
    assert not changed[~near_skin].any()  # eyes' surroundings feathered at most; nothing far away moves


def test_blotches_soften_and_fine_texture_stays(placed, blotchy) -> None:
    skin = cv2.erode(skin_mask(placed.face.landmarks[:, :2], blotchy.shape[:2]), np.ones((15, 15), np.uint8)) > 0

    def blotch_left(image: np.ndarray) -> float:
        return float(((image.astype(np.float32) - placed.image)[skin] ** 2).mean())

    fine_before = band_energy(blotchy, skin, 0.5, 1.5)
    previous = blotch_left(blotchy)
    for strength in (0.25, 0.5, 1.0):  # stronger = smoother, and even full strength keeps texture
        out = retouch_skin(blotchy, placed.face, strength)
        left = blotch_left(out)
        assert left < previous
        previous = left
        assert band_energy(out, skin, 0.5, 1.5) > 0.6 * fine_before  # pores/noise kept (not airbrushed)
    assert previous < 0.8 * blotch_left(blotchy)


def test_default_strength_is_subtle(placed, professional) -> None:
    out = retouch_skin(placed.image, placed.face, professional.retouch_strength)
    skin = skin_mask(placed.face.landmarks[:, :2], placed.image.shape[:2]) > 0
    change = np.abs(out.astype(np.int16) - placed.image)[skin]
    assert 0.2 < change.mean() < 3.0 and np.percentile(change, 99) < 15


def test_eyes_stay_sharp(placed, blotchy) -> None:
    out = retouch_skin(blotchy, placed.face, 1.0)
    ied = placed.face.inter_eye_px
    for cx, cy in (placed.face.left_eye, placed.face.right_eye):
        x0, y0 = int(cx - 0.2 * ied), int(cy - 0.1 * ied)
        x1, y1 = int(cx + 0.2 * ied), int(cy + 0.1 * ied)
        np.testing.assert_array_equal(out[y0:y1, x0:x1], blotchy[y0:y1, x0:x1])


@pytest.mark.parametrize("strength", [0.0])
def test_zero_strength_is_a_copy(placed, strength) -> None:
    out = retouch_skin(placed.image, placed.face, strength)
    assert out is not placed.image
    np.testing.assert_array_equal(out, placed.image)


@pytest.mark.parametrize("strength", [-0.1, 1.5])
def test_strength_out_of_range_is_refused(placed, strength) -> None:
    with pytest.raises(ValueError, match="from 0 to 1"):
        retouch_skin(placed.image, placed.face, strength)


def test_id_profile_has_retouch_off(id_profile, professional) -> None:
    assert id_profile.retouch_enabled is False
    assert professional.retouch_enabled is True and 0 < professional.retouch_strength <= 0.5
