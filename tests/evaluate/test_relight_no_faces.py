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
    assert R.markdown({"professional profile (0.4)": scores}).startswith("Relight: no faces")


def test_hairline_and_columns_on_a_real_face(tmp_path) -> None:
    from tests.engines.studio_scenes import astronaut_frame

    images, masks = tmp_path / "segmentation" / "images", tmp_path / "segmentation" / "masks"
    images.mkdir(parents=True)
    masks.mkdir(parents=True)
    cv2.imwrite(str(images / "astronaut.jpg"), astronaut_frame(), [cv2.IMWRITE_JPEG_QUALITY, 95])  # a real face at 720p
    cv2.imwrite(str(masks / "astronaut.png"), np.full((720, 1280), 255, np.uint8))  # all person: every pixel counts
    same = R.relight_scores(tmp_path, lambda image: image.copy())
    lifted = R.relight_scores(tmp_path, lambda image: cv2.convertScaleAbs(image, alpha=1.3))
    assert same["faces"] == lifted["faces"] == 1 and same["hairlines"] == 1
    assert same["hairline_lift"] == 1.0 and lifted["hairline_lift"] > 1.3  # 1.3x in sRGB is more in linear light
    table = R.markdown({"profile (0.4)": same, "engine default (0.8)": lifted})
    assert "| hairline band" in table and "| figure | profile (0.4) | engine default (0.8) | band |" in table
