"""Edge colour over a replaced backdrop: light hair on a dark wall keeps less of a dark fringe (edge_alpha).

Scene made by code: a light, hair-coloured head on a dark wall, mixed with a soft edge (``I = a F + (1 - a) B``
with a known F and B), placed on the light studio backdrop. What the composite shows as the person's colour
at the edge is read back from the output: the old-background residue is ``out - (1 - a) N - a F`` (a the
engine's own alpha, N the backdrop), 0 when the edge shows the person's colour.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from engines.settings import StudioSettings
from tests.engines.studio_scenes import session, settle

HAIR = np.array([150.0, 190.0, 225.0])  # BGR: blonde
WALL = np.array([40.0, 45.0, 50.0])
BACKDROP = (215.0, 215.0, 215.0)


def _scene(width: int = 1280, height: int = 720) -> tuple[np.ndarray, np.ndarray]:
    """A blonde head-and-shoulders on a dark wall with a soft (blurred) edge, and that edge's alpha."""
    mask = np.zeros((height, width), np.float32)
    cv2.ellipse(mask, (width // 2, int(height * 0.4)), (int(height * 0.17), int(height * 0.22)), 0, 0, 360, 1, -1)
    cv2.ellipse(mask, (width // 2, height), (int(height * 0.45), int(height * 0.3)), 0, 180, 360, 1, -1)
    alpha = cv2.GaussianBlur(mask, (0, 0), 4.0)
    rng = np.random.default_rng(3)
    frame = alpha[..., None] * HAIR + (1 - alpha[..., None]) * WALL + rng.normal(0, 3, (height, width, 3))
    return np.clip(np.rint(frame), 0, 255).astype(np.uint8), alpha


def _residue(image: np.ndarray, alpha: np.ndarray, band: np.ndarray) -> float:
    """Alpha-weighted mean distance (8-bit RGB) between the colour shown at the edge and the person's."""
    a = alpha[band][:, None]
    shown = image[band].astype(np.float64) - (1 - a) * np.array(BACKDROP)
    return float(np.linalg.norm(shown - a * HAIR, axis=1).sum() / a.sum())


@pytest.fixture(scope="module")
def composed() -> dict[str, np.ndarray]:
    frame, truth = _scene()
    settings = StudioSettings(relight=False, background="studio", studio_color_bgr=BACKDROP, studio_gradient=0.0)
    image, alpha = settle(session("standin"), frame, settings)
    return {"frame": frame, "truth": truth, "image": image, "alpha": alpha}


def test_the_old_background_leaves_the_edge(composed: dict) -> None:
    alpha, frame = composed["alpha"], composed["frame"].astype(np.float64)
    band = (alpha > 0.05) & (alpha < 0.95)
    assert band.sum() > 2000  # an edge to judge
    plain = np.clip(np.rint(alpha[..., None] * frame + (1 - alpha[..., None]) * np.array(BACKDROP)), 0, 255)
    before, after = _residue(plain, alpha, band), _residue(composed["image"], alpha, band)
    assert before > 40  # the dark wall shows in the plain blend: the case is honest
    # The backdrop (215) leaves 40 levels of headroom for the correction, so not all of it fits.
    assert after < 0.65 * before, (before, after)


def test_the_edge_is_not_lifted_past_the_person(composed: dict) -> None:
    # The correction moves the edge toward the person's colour, not beyond it (no bright halo).
    alpha, image = composed["alpha"], composed["image"].astype(np.float64)
    band = (alpha > 0.05) & (alpha < 0.95)
    ceiling = alpha[band][:, None] * HAIR + (1 - alpha[band][:, None]) * np.array(BACKDROP)
    assert np.mean(np.all(image[band] <= ceiling + 12, axis=1)) > 0.97


def test_inside_and_wall_are_untouched(composed: dict) -> None:
    alpha, image, frame = composed["alpha"], composed["image"], composed["frame"]
    # Inside: the person, not a mixed pixel (those at coverage LINE_COVER and up get alpha 1 and the
    # person's colour, engines.edge_alpha).
    inside, wall = (alpha > 0.999) & (composed["truth"] > 0.999), alpha < 0.001
    assert np.abs(image[inside].astype(int) - frame[inside].astype(int)).max() <= 1
    np.testing.assert_allclose(image[wall].mean(axis=0), BACKDROP, atol=1.0)


def test_kept_background_is_not_corrected() -> None:
    frame, _ = _scene(640, 360)
    image, _ = settle(session("standin"), frame, StudioSettings(relight=False, background="keep"))
    np.testing.assert_array_equal(image, frame)
