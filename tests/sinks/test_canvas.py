"""The screens' pixel helpers (issue #16, speed): the fast fit-to-screen resize stays within a fraction of
a level of OpenCV's area resize, the cv2 fill paints exactly what a NumPy slice assignment paints, and the
preview's cached panel and band are the pixels a fresh draw gives."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from realtime.coach.assessment import Assessment, CheckResult
from realtime.sinks.canvas import fill, scale_image
from realtime.sinks.overlay import OverlayView, render_overlay

ASTRONAUT = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)  # 512x512, sharp detail (badges, hair)


def photo(size: tuple[int, int]) -> np.ndarray:
    """The astronaut stretched to a camera size with cubic interpolation (keeps edges sharp)."""
    return cv2.resize(ASTRONAUT, size, interpolation=cv2.INTER_CUBIC)


@pytest.mark.parametrize(("source", "target"), [
    ((1280, 720), (980, 551)),  # 720p into the preview beside the panel: one bilinear step
    ((1920, 1080), (980, 551)),  # 0.51x: still one step
    ((2560, 1440), (640, 360)),  # 0.25x: two exact halvings
    ((1920, 1080), (700, 394)),  # 0.36x: a halving, then bilinear
])
def test_scale_image_is_within_a_fraction_of_a_level_of_area_resize(source, target):
    image = photo(source)
    ours = scale_image(image, target)
    area = cv2.resize(image, target, interpolation=cv2.INTER_AREA)
    assert ours.shape == area.shape and ours.dtype == np.uint8
    diff = np.abs(ours.astype(int) - area)
    assert diff.mean() < 1.0 and np.percentile(diff, 99) <= 12  # the same picture, edges a touch sharper


def test_scale_image_returns_an_image_of_the_right_size_unchanged():
    image = photo((640, 360))
    assert scale_image(image, (640, 360)) is image
    assert np.array_equal(scale_image(photo((1280, 720)), (640, 360)),
                          cv2.resize(photo((1280, 720)), (640, 360), interpolation=cv2.INTER_AREA))


@pytest.mark.parametrize("rect", [(0, 0, 300, 720), (980, 0, 1280, 720), (0, 551, 980, 720), (5, 7, 6, 8),
                                  (100, 100, 100, 200), (1200, 700, 1280, 720)])
def test_fill_paints_exactly_the_slice(rect):
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (720, 1280, 3), dtype=np.uint8)
    expected = image.copy()
    x0, y0, x1, y1 = rect
    expected[y0:y1, x0:x1] = (34, 32, 30)
    fill(image, rect, (34, 32, 30))
    assert np.array_equal(image, expected)


def _assessment(instruction: str | None, status: str = "fail", arrow: str | None = None) -> Assessment:
    check = CheckResult("horizontal_centring", 0.3, (0.0, 0.1), status == "pass", status, instruction)
    if arrow is not None:
        object.__setattr__(check, "arrow", arrow)
    return Assessment({"horizontal_centring": check}, instruction, "horizontal_centring", False,
                      status == "pass", (100, 40, 260, 240), 120.0)


def test_cached_band_is_the_band_a_fresh_draw_gives():
    """Band and panel come from the cache while the words stay; a new instruction, arrow or countdown
    number is drawn anew. Every cached canvas equals a canvas drawn from scratch."""
    frames = [photo((1280, 720)), photo((1280, 720))[:, ::-1].copy()]  # the picture changes every frame
    cache: dict = {}
    steps = [
        (_assessment("Move a little to your left", arrow="left"), OverlayView()),
        (_assessment("Move a little to your left", arrow="left"), OverlayView()),  # same words: cached band
        (_assessment("Move about 5 cm back", arrow="back"), OverlayView()),
        (_assessment(None, "pass"), OverlayView(countdown=3, auto=True)),
        (_assessment(None, "pass"), OverlayView(countdown=2, auto=True)),
        (_assessment(None, "pass"), OverlayView(countdown=2, auto=True, message="Saved a.jpg")),
        (None, OverlayView()),
    ]
    keys = []
    for i, (a, view) in enumerate(steps):
        frame = frames[i % 2]
        cached = render_overlay(frame, a, view, panel_cache=cache)
        assert np.array_equal(cached, render_overlay(frame, a, view))
        keys.append(cache["band:key"])
    assert keys[0] == keys[1] and keys[4] == keys[5] and len(set(keys)) == 5
