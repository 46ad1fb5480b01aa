"""The graph's fast colour guided filter against an independent NumPy one (per-pixel 3x3 solves)."""

from __future__ import annotations

import cv2
import numpy as np
import onnxruntime as ort
import pytest

from engines import graph as G
from engines.graph_builder import FLOAT, GraphBuilder, value_info
from tests.engines.studio_scenes import astronaut_frame


def _box(x: np.ndarray, radius: int) -> np.ndarray:
    """Window mean over real pixels only (AveragePool with count_include_pad=0)."""
    k = 2 * radius + 1
    ones = np.ones(x.shape[:2], np.float64)
    sums = cv2.boxFilter(x, -1, (k, k), normalize=False, borderType=cv2.BORDER_CONSTANT)
    count = cv2.boxFilter(ones, -1, (k, k), normalize=False, borderType=cv2.BORDER_CONSTANT)
    return sums / (count[..., None] if x.ndim == 3 else count)


def _reference(guide: np.ndarray, matte: np.ndarray) -> np.ndarray:
    """He & Sun's fast guided filter written directly: guide [h, w, 3], matte [h, w] in float64."""
    s, radius = G.GUIDE_SUBSAMPLE, max(1, G.GUIDE_RADIUS // G.GUIDE_SUBSAMPLE)
    h, w = matte.shape
    low_g = guide.reshape(h // s, s, w // s, s, 3).mean(axis=(1, 3))
    low_p = matte.reshape(h // s, s, w // s, s).mean(axis=(1, 3))
    mean_i, mean_p = _box(low_g, radius), _box(low_p, radius)
    cov_ip = _box(low_g * low_p[..., None], radius) - mean_i * mean_p[..., None]
    outer = np.einsum("hwi,hwj->hwij", low_g, low_g).reshape(h // s, w // s, 9)
    sigma = (_box(outer, radius) - np.einsum("hwi,hwj->hwij", mean_i, mean_i).reshape(h // s, w // s, 9))
    sigma = sigma.reshape(h // s, w // s, 3, 3) + G.GUIDE_EPS * np.eye(3)
    a = np.linalg.solve(sigma, cov_ip[..., None])[..., 0]
    b = mean_p - (a * mean_i).sum(axis=2)
    coeffs = np.dstack([_box(a, radius), _box(b, radius)]).astype(np.float32)
    up = cv2.resize(coeffs, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float64)
    return (up[..., :3] * guide).sum(axis=2) + up[..., 3]


def _graph_filter(grid: tuple[int, int]) -> ort.InferenceSession:
    b = GraphBuilder()
    out = G._colour_guided(b, "guide", "matte", grid)
    b.op("Identity", out)
    b.nodes[-1].output[0] = "refined"
    model = b.model([value_info("guide", FLOAT, [1, 3, *grid]), value_info("matte", FLOAT, [1, 1, *grid])],
                    [value_info("refined", FLOAT, [1, 1, *grid])], name="guided", doc="test")
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("grid", [(256, 256), (144, 256)])
def test_fast_guided_filter_is_he_and_sun(grid) -> None:
    h, w = grid
    guide = cv2.resize(astronaut_frame(), (w, h), interpolation=cv2.INTER_AREA).astype(np.float64) / 255.0
    yy, xx = np.mgrid[0:h, 0:w]
    # A soft matte whose edge cuts across the photo's colours, plus noise for the filter to smooth.
    clean = np.clip((0.45 * w - np.hypot(yy - h / 2, xx - w / 2)) / 6 + 0.5, 0, 1)
    matte = clean + np.random.default_rng(0).normal(0, 0.05, clean.shape)
    feeds = {"guide": guide.transpose(2, 0, 1)[None].astype(np.float32),
             "matte": matte[None, None].astype(np.float32)}
    refined = _graph_filter(grid).run(None, feeds)[0][0, 0]
    expected = _reference(guide, matte)
    assert np.abs(refined - expected).max() < 2e-3
    # And it does filter: away from the edge most of the noise is gone.
    flat = cv2.erode((np.abs(clean - 0.5) == 0.5).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    assert np.abs(refined - clean)[flat].mean() < 0.5 * np.abs(matte - clean)[flat].mean()
