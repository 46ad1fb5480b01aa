"""Matte and relight evaluator metrics on masks and images made by code (no devdata needed)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from realtime.evaluate.matte import edge_band, iou
from realtime.evaluate.relight import half_ratio, side_light


def _disc(shift: int = 0) -> np.ndarray:
    mask = np.zeros((200, 300), np.uint8)
    cv2.circle(mask, (150 + shift, 100), 60, 1, -1)
    return mask.astype(bool)


def test_edge_band_is_a_ring_around_the_edge() -> None:
    band = edge_band(_disc(), px=10)
    assert band[100, 150 - 60] and band[100, 150 - 69] and band[100, 150 - 51]
    assert not band[100, 150] and not band[100, 10]


@pytest.mark.parametrize("shift", [2, 5])
def test_boundary_iou_punishes_a_shifted_edge_more_than_iou(shift: int) -> None:
    truth, pred = _disc(), _disc(shift)
    whole, boundary = iou(pred, truth), iou(pred, truth, edge_band(truth))
    assert iou(truth, truth) == 1.0 and iou(truth, truth, edge_band(truth)) == 1.0
    assert boundary < whole < 1.0


def test_side_light_darkens_one_half_by_the_stops_asked() -> None:
    flat = np.full((100, 200, 3), 160, np.uint8)
    box = (40, 10, 120, 80)
    assert half_ratio(flat, box) == pytest.approx(1.0)
    lit = side_light(flat, 100.0, 2.0, 1.0)
    assert half_ratio(lit, box) == pytest.approx(0.5, abs=0.05)
