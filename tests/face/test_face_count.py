"""Faces are counted with a confidence gate: a blurred background object never makes a second person."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from realtime.face.detection import confirmed_by


def _paste(photo: np.ndarray, head: np.ndarray, at: tuple[int, int]) -> np.ndarray:
    image = photo.copy()
    x, y = at
    h, w = min(head.shape[0], photo.shape[0] - y), min(head.shape[1], photo.shape[1] - x)
    image[y : y + h, x : x + w] = head[:h, :w]
    return image


def test_confirmed_by_needs_an_overlapping_detection() -> None:
    face = (100.0, 100.0, 200.0, 220.0)
    assert confirmed_by(face, [(105.0, 110.0, 195.0, 215.0)])
    assert confirmed_by(face, [(90.0, 90.0, 210.0, 230.0)])
    assert not confirmed_by(face, [(300.0, 100.0, 400.0, 220.0)])
    assert not confirmed_by(face, [])


@pytest.mark.parametrize("blur", [9, 15])
def test_blurred_background_face_is_not_a_second_person(photo_analyzer, astronaut, blur: int) -> None:
    small = cv2.resize(astronaut[40:240, 120:330], None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    defocused = cv2.GaussianBlur(small, (0, 0), blur)
    face = photo_analyzer.analyze(_paste(astronaut, defocused, (400, 300)), 0.0)
    assert face is not None
    assert face.faces == 1 and face.second_face_ratio == 0.0


def test_sharp_second_face_still_counts(photo_analyzer, astronaut) -> None:
    small = cv2.resize(astronaut[40:240, 120:330], None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    face = photo_analyzer.analyze(_paste(astronaut, small, (400, 300)), 0.0)
    assert face is not None and face.faces == 2
