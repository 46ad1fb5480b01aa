"""The relight evaluation on photos where no face is found: 'no faces', not a crash (np.percentile of [])."""

from __future__ import annotations

import cv2
import numpy as np

from realtime.evaluate import relight as R


def test_no_faces_is_reported_not_a_crash(tmp_path) -> None:
    images, masks = tmp_path / "segmentation" / "images", tmp_path / "segmentation" / "masks"
    images.mkdir(parents=True)
    masks.mkdir(parents=True)
    wall = np.full((480, 640, 3), 128, np.uint8)  # a plain wall: the cascade finds no face
    cv2.imwrite(str(images / "wall.jpg"), wall)
    cv2.imwrite(str(masks / "wall.png"), np.zeros((480, 640), np.uint8))
    calls = []
    scores = R.relight_scores(tmp_path, lambda image: calls.append(image) or image, limit=2)
    assert scores == {"faces": 0} and not calls
    assert R.markdown(scores).startswith("Relight: no faces")
