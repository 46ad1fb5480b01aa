"""The CPU form's full-resolution step (engines.compose) against the function written out in float."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from engines import compose as C
from tests.engines.studio_scenes import astronaut_frame

GRID = (256, 256)


def _maps(seed: int, *, relit: bool, backdrop: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A soft disc matte, a gain that lifts a patch (1 elsewhere), a smooth backdrop: like the graph's maps."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:GRID[0], 0:GRID[1]].astype(np.float32)
    alpha = np.clip((60 - np.hypot(yy - 128, xx - 128)) / 3 + 0.5, 0, 1).astype(np.float32)
    gain = np.ones((*GRID, 3), np.float32)
    if relit:
        bump = np.exp(-((yy - 110) ** 2 + (xx - 140) ** 2) / (2 * 15.0**2)).astype(np.float32)
        gain += bump[..., None] * rng.uniform(0.2, 0.6, 3).astype(np.float32)
    back = np.zeros((*GRID, 3), np.float32)
    if backdrop:
        back = cv2.GaussianBlur(rng.uniform(0, 255, (*GRID, 3)).astype(np.float32), (0, 0), 8)
    return alpha, gain, back


def _reference(frame: np.ndarray, alpha_g, gain_g, back_g, keep: float) -> tuple[np.ndarray, np.ndarray]:
    """The module doc's function in float64, one rounding at the end."""
    size = frame.shape[:2]
    alpha = C.up(alpha_g, size).astype(np.float64)[..., None]
    gain, back = C.up(gain_g, size).astype(np.float64), C.up(back_g, size).astype(np.float64)
    f = frame.astype(np.float64)
    out = alpha * f * gain + (1 - alpha) * (keep * f + back)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8), alpha[..., 0]


@pytest.mark.parametrize(("keep", "relit", "backdrop"), [(1.0, True, False), (0.0, True, True), (0.0, False, True),
                                                         (1.0, False, False), (0.5, True, True)])
@pytest.mark.parametrize("size", [(1280, 720), (640, 480), (1920, 1080)])
def test_compose_is_the_function_up_to_a_level(keep, relit, backdrop, size) -> None:
    frame = cv2.resize(astronaut_frame(), size, interpolation=cv2.INTER_AREA)
    maps = _maps(1, relit=relit, backdrop=backdrop)
    image, alpha = C.compose(frame, *maps, keep)
    ref_image, ref_alpha = _reference(frame, *maps, keep)
    assert image.shape == frame.shape and image.dtype == np.uint8 and alpha.dtype == np.float32
    np.testing.assert_allclose(alpha, ref_alpha, atol=1e-6)
    diff = np.abs(image.astype(np.int16) - ref_image.astype(np.int16))
    assert diff.max() <= 1 and diff.mean() < 0.2, (diff.max(), diff.mean())
    if keep == 1.0 and not relit:
        np.testing.assert_array_equal(image, frame)  # nothing to do: the frame itself (a copy)
        assert image is not frame


def test_changed_box_bounds_every_change() -> None:
    _, gain, _ = _maps(2, relit=True, backdrop=False)
    size = (720, 1280)
    box = C.changed_box(gain, 1.0, size, C.GAIN_NEUTRAL)
    assert box is not None
    outside = np.ones(size, bool)
    outside[box] = False
    far = np.abs(C.up(gain, size) - 1.0).max(axis=2) > C.GAIN_NEUTRAL
    assert not far[outside].any()
    assert outside.mean() > 0.5  # the box is the patch, not the frame
    assert C.changed_box(np.ones_like(gain), 1.0, size) is None


def test_gain_within_the_neutral_band_leaves_levels_unchanged() -> None:
    levels = np.arange(256, dtype=np.uint8).reshape(16, 16, 1).repeat(3, axis=2)
    for g in (1.0 - C.GAIN_NEUTRAL, 1.0 + C.GAIN_NEUTRAL):
        out = cv2.multiply(levels, np.full(levels.shape, g, np.float32), dtype=cv2.CV_8U)
        np.testing.assert_array_equal(out, levels)


def test_to_grid_is_the_centred_bilinear_resize() -> None:
    frame = astronaut_frame()
    small = C.to_grid(frame, GRID)
    assert small.shape == (1, *GRID, 3) and small.dtype == np.uint8
    exact = cv2.resize(frame.astype(np.float32), GRID[::-1], interpolation=cv2.INTER_LINEAR)
    assert np.abs(small[0] - exact).max() <= 1.0  # uint8 rounding of the same mapping


def _full_blend(frame: np.ndarray, alpha_g, gain_g, back_g, keep: float) -> np.ndarray:
    """The blend over every pixel (what the composer did before it blended only the edge), keep 0 or 1."""
    size = frame.shape[:2]
    alpha = C.up(alpha_g, size)
    box = C.changed_box(gain_g, 1.0, size, C.GAIN_NEUTRAL)
    person = frame.copy()
    if box is not None:
        person[box] = C.Composer()._relit(frame, gain_g, box)
    background = frame if keep == 1.0 else C.up(cv2.convertScaleAbs(back_g), size)
    return cv2.blendLinear(person, background, alpha, np.float32(1.0) - alpha)


@pytest.mark.parametrize(("keep", "backdrop"), [(0.0, True), (1.0, False)])
@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080), (640, 360)])
@pytest.mark.parametrize("shift", [0, 37])
def test_edge_only_blend_is_the_full_blend(keep, backdrop, size, shift) -> None:
    frame = cv2.resize(astronaut_frame(), size, interpolation=cv2.INTER_AREA)
    alpha, gain, back = _maps(3, relit=True, backdrop=backdrop)
    alpha = np.roll(alpha, (shift, -shift), axis=(0, 1))  # the disc at the border too
    image, _ = C.Composer()(frame, alpha, gain, back, keep)
    np.testing.assert_array_equal(image, _full_blend(frame, alpha, gain, back, keep))


@pytest.mark.parametrize("grid", [(256, 256), (144, 256)])
def test_blend_plan_lists_every_pixel_the_matte_touches(grid) -> None:
    size = (720, 1280)
    yy, xx = np.mgrid[0:grid[0], 0:grid[1]].astype(np.float32)
    alpha = np.clip((50 - np.hypot(yy - grid[0] / 2, xx - 100)) / 2 + 0.5, 0, 1).astype(np.float32)
    alpha[:, 200:203] = 0.3  # a thin soft stripe: edge runs one cell wide
    full = C.up(alpha, size)
    covered = np.zeros(size, np.int8)
    plan = C.blend_plan(alpha, size, (slice(0, size[0]), slice(0, size[1])))
    for rows, cols, kind in plan:
        assert not covered[rows, cols].any()  # rectangles do not overlap
        covered[rows, cols] = kind
        if kind == C.PERSON:
            assert full[rows, cols].min() >= 1.0 - 1e-6
    assert (full[covered == C.BACKGROUND] == 0.0).all()  # unlisted pixels have alpha exactly 0
    edge = covered == C.EDGE
    assert edge.mean() < 0.25 and (covered == C.PERSON).mean() > 0.05  # the interior is copied, not blended
    # A region cuts the plan to it.
    inside = C.blend_plan(alpha, size, (slice(100, 300), slice(50, 400)))
    assert inside and all(r.start >= 100 and r.stop <= 300 and c.start >= 50 and c.stop <= 400
                          for r, c, _ in inside)
    # The composer cuts the whole frame's plan instead of finding it again: the same rectangles.
    assert C.within(plan, (slice(100, 300), slice(50, 400))) == inside
