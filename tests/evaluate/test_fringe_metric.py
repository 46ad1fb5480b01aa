"""The edge-colour figure (realtime.evaluate.fringe): 0 for a composite that shows the person's own colour at
the edge, the plain blend's figure for one that shows the camera's pixel, on a photo and mask made by code."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from realtime.evaluate import fringe as F


@pytest.fixture()
def data_dir(tmp_path):
    images, masks = tmp_path / "segmentation" / "images", tmp_path / "segmentation" / "masks"
    images.mkdir(parents=True)
    masks.mkdir(parents=True)
    photo = np.full((360, 240, 3), (60, 140, 200), np.uint8)  # a warm person colour everywhere
    mask = np.zeros((360, 240), np.uint8)
    cv2.ellipse(mask, (120, 200), (70, 110), 0, 0, 360, 255, -1)
    cv2.imwrite(str(images / "001.jpg"), photo, [cv2.IMWRITE_JPEG_QUALITY, 100])
    cv2.imwrite(str(masks / "001.png"), mask)
    return tmp_path


def _alpha(frame: np.ndarray) -> np.ndarray:
    """A matte that sees the person (far from every old background) with a soft edge."""
    person = np.linalg.norm(frame.astype(np.float32) - np.array([60, 140, 200], np.float32), axis=2) < 120
    return np.clip(cv2.GaussianBlur(person.astype(np.float32), (0, 0), 3.0), 0.0, 1.0)


def test_true_colour_at_the_edge_scores_zero_and_the_plain_blend_does_not(data_dir) -> None:
    def ideal(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = _alpha(frame)[..., None]
        shown = a * np.array([60.0, 140.0, 200.0]) + (1 - a) * np.array(F.BACKDROP)
        return np.clip(np.rint(shown), 0, 255).astype(np.uint8), a[..., 0]

    def plain(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = _alpha(frame)[..., None]
        return np.clip(np.rint(a * frame + (1 - a) * np.array(F.BACKDROP)), 0, 255).astype(np.uint8), a[..., 0]

    good, bad = F.fringe_scores(data_dir, ideal), F.fringe_scores(data_dir, plain)
    assert good["photos"] == bad["photos"] == 1
    for edge in F.EDGES:
        assert bad[f"{edge}.plain"] > 10  # the dark wall shows in the plain blend
        assert good[f"{edge}.live"] < 2.5 and good[f"{edge}.ratio"] < 0.2
        assert bad[f"{edge}.ratio"] == pytest.approx(1.0, abs=1e-3)  # the same blend, rounded the same way
    assert "| 2 px soft |" in F.markdown(good)


def test_no_photos_is_reported(tmp_path) -> None:
    assert F.markdown({"photos": 0}).startswith("Edge colour: no photos")
