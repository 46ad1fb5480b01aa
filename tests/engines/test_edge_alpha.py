"""Per-pixel edge alpha from the colour line (engines.edge_alpha): wall pixels under a soft matte leave it,
mixed pixels show the person's colour, close colours leave the matte alone, and the NumPy (CPU compose) and
ONNX (TensorRT graph) forms agree."""

from __future__ import annotations

import cv2
import numpy as np
import onnx
import onnxruntime as ort
import pytest

from engines import edge_alpha as E
from engines.edge_alpha import LINE_CHANNELS, LineSampler, refine, refine_graph, smoothed
from engines.graph_builder import FLOAT, GraphBuilder, value_info

WALL = np.array([45.0, 45.0, 45.0], np.float32)  # BGR: a dark room
PERSON = np.array([150.0, 175.0, 215.0], np.float32)  # BGR: skin
BACKDROP = np.array([227.0, 221.0, 217.0], np.float32)  # the light studio colour


def _edge(person: np.ndarray, wall: np.ndarray, width: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One row of pixels: a hard edge at column width/2 (person on the right), a soft matte 12 px wide
    centred on it (so it reaches over the wall), and the line map (wall, person, near = 1) everywhere."""
    x = np.arange(width, dtype=np.float32)
    truth = (x >= width // 2).astype(np.float32)
    pixels = np.where(truth[:, None] > 0, person, wall).astype(np.uint8)[None]
    matte = np.clip((x - width // 2 + 6) / 12.0, 0.0, 1.0)[None].astype(np.float32)
    line = np.concatenate([wall, person, [1.0]]).astype(np.float32)
    return pixels, matte, np.broadcast_to(line, (1, width, LINE_CHANNELS)).copy()


def _composite(pixels: np.ndarray, alpha: np.ndarray, correction: np.ndarray) -> np.ndarray:
    """What the composite shows over the backdrop: ``a (I + correction) + (1 - a) N``."""
    return alpha[..., None] * (pixels + correction) + (1.0 - alpha[..., None]) * BACKDROP


def _off_person_backdrop(colours: np.ndarray) -> np.ndarray:
    """Distance of each colour from the segment between the backdrop and the person colour."""
    axis = PERSON - BACKDROP
    share = np.clip(((colours - BACKDROP) @ axis) / (axis @ axis), 0.0, 1.0)
    return np.linalg.norm(colours - BACKDROP - share[..., None] * axis, axis=-1)


def test_wall_pixels_under_a_soft_matte_leave_it_and_no_wall_colour_stays() -> None:
    pixels, matte, line = _edge(PERSON, WALL)
    refined, correction = refine(pixels, matte, line)
    wall = pixels[0, :, 0] == WALL[0]
    assert matte[0, wall].max() > 0.4  # the soft matte reaches well over the wall
    assert refined[0, wall].max() < 0.02, refined[0, wall]
    person = ~wall
    assert np.all(refined[0, person] >= matte[0, person] - 1e-6)  # the person's side is never cut
    # No wall colour anywhere: every pixel is a mix of the person and the backdrop (within two levels).
    off = _off_person_backdrop(_composite(pixels, refined, correction))
    assert off.max() < 2.0, off
    # The plain blend with the soft matte does leave it: a dark band (the test can fail).
    assert _off_person_backdrop(_composite(pixels, matte, 0.0 * correction)).max() > 40


def test_a_mixed_pixel_is_covered_and_shows_the_person_colour() -> None:
    """A camera-soft edge ``I = t F + (1 - t) B``: the refined alpha follows the coverage ``t`` (0 up to
    E.LINE_NOISE, 1 from E.LINE_COVER) where the matte can reach it, and the correction moves the edge colour
    towards the person's."""
    x = np.arange(40, dtype=np.float32)
    t = np.clip((x - 17) / 6.0, 0.0, 1.0)
    pixels = np.rint(t[:, None] * PERSON + (1 - t[:, None]) * WALL).astype(np.uint8)[None]
    _, matte, line = _edge(PERSON, WALL)
    refined, correction = refine(pixels, matte, line)
    covered = np.clip((t - E.LINE_NOISE) / (E.LINE_COVER - E.LINE_NOISE), 0.0, 1.0)
    bound = 4 * E.LINE_LIMIT * matte[0] * (1 - matte[0])
    reach = (matte[0] - covered <= bound) & (covered - matte[0] <= E.LINE_UP * bound)
    assert reach.sum() >= 6
    assert np.abs(refined[0] - covered)[reach].max() < 0.03
    wanted = refined[..., None] * PERSON + (1.0 - refined[..., None]) * BACKDROP
    err = np.abs(_composite(pixels, refined, correction) - wanted).max(-1)
    plain = np.abs(_composite(pixels, refined, 0.0 * correction) - wanted).max(-1)
    mixed = (t > 0.05) & (t < 0.95)
    assert plain[0, mixed].max() > 30  # the wall shows in the plain blend of mixed pixels
    assert np.all(err[0, mixed] <= 0.5 * plain[0, mixed] + 1.0), (err[0, mixed], plain[0, mixed])


@pytest.mark.parametrize("near", [0.0, 1.0])
def test_close_colours_or_no_sure_sides_leave_the_matte_unchanged(near: float) -> None:
    """Person and wall 10 levels apart per channel (17 in RGB distance, under LINE_MIN): the line says
    nothing; with near = 0 the sides are not known: either way the matte stays as it is."""
    person = WALL + (10.0 if near else 120.0)
    pixels, matte, line = _edge(person, WALL)
    line[..., 6] = near
    refined, correction = refine(pixels, matte, line)
    np.testing.assert_allclose(refined, matte, atol=1e-6)
    assert np.abs(correction).max() <= (10.0 if near else 0.0) + 1e-4


def test_step_is_limited_and_ends_of_the_matte_never_move() -> None:
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, (30, 50, 3)).astype(np.uint8)
    matte = rng.choice([0.0, 1.0, 0.3, 0.5, 0.9], (30, 50)).astype(np.float32)
    line = np.concatenate([rng.uniform(0, 255, (30, 50, 6)), rng.uniform(0, 1, (30, 50, 1))], axis=-1)
    refined, _ = refine(pixels, matte, line.astype(np.float32))
    ends = (matte == 0) | (matte == 1)
    np.testing.assert_array_equal(refined[ends], matte[ends])
    bound = 4 * E.LINE_LIMIT * matte * (1 - matte) + 1e-6
    assert np.all(matte - refined <= bound) and np.all(refined - matte <= E.LINE_UP * bound)
    assert 0.0 <= refined.min() and refined.max() <= 1.0


@pytest.mark.parametrize("size", [(720, 1280), (480, 480), (1080, 1920)])
def test_line_sampler_is_the_bilinear_upsample(size: tuple[int, int]) -> None:
    rng = np.random.default_rng(5)
    line = rng.uniform(0, 255, (64, 64, LINE_CHANNELS)).astype(np.float32)
    whole = np.dstack([cv2.resize(line[..., i], size[::-1], interpolation=cv2.INTER_LINEAR)
                       for i in range(LINE_CHANNELS)])
    sampler = LineSampler(line, size)
    for rows, cols in ((slice(0, 23), slice(0, size[1])), (slice(100, 140), slice(17, 300)),
                       (slice(size[0] - 9, size[0]), slice(size[1] - 40, size[1]))):
        np.testing.assert_allclose(np.moveaxis(sampler(rows, cols), 0, -1), whole[rows, cols], atol=1e-2)


def test_graph_form_computes_the_same_function() -> None:
    """``refine_graph`` (the TensorRT graph's ops, run here by ONNX Runtime) equals ``refine``."""
    b = GraphBuilder()
    alpha, correction = refine_graph(b, "planar", "alpha", "line")
    model = b.model(
        inputs=[value_info("planar", FLOAT, [1, 3, 37, 53]), value_info("alpha", FLOAT, [1, 1, 37, 53]),
                value_info("line", FLOAT, [1, LINE_CHANNELS, 37, 53])],
        outputs=[value_info(alpha, FLOAT, [1, 1, 37, 53]), value_info(correction, FLOAT, [1, 3, 37, 53])],
        name="edge_alpha", doc="test")
    onnx.checker.check_model(model)
    rng = np.random.default_rng(11)
    pixels = rng.integers(0, 256, (37, 53, 3)).astype(np.uint8)
    matte = rng.uniform(0, 1, (37, 53)).astype(np.float32)
    line = np.concatenate([rng.uniform(0, 255, (37, 53, 6)), rng.uniform(0, 1, (37, 53, 1))], -1).astype(np.float32)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    got_alpha, got_correction = session.run(None, {
        "planar": pixels.astype(np.float32).transpose(2, 0, 1)[None], "alpha": matte[None, None],
        "line": line.transpose(2, 0, 1)[None]})
    # The graph reads the 3x3 mean of the frame (``smoothed``; the borders are averaged over the pixels that
    # exist there, OpenCV replicates them: compared inside).
    want_alpha, want_correction = refine(smoothed(pixels, slice(0, 37), slice(0, 53)), matte, line)
    inner = (slice(1, -1), slice(1, -1))
    np.testing.assert_allclose(got_alpha[0, 0][inner], want_alpha[inner], atol=1e-4)
    np.testing.assert_allclose(got_correction[0].transpose(1, 2, 0)[inner], want_correction[inner], atol=1e-2)


def test_smoothed_rectangles_are_the_whole_frame_mean() -> None:
    frame = np.random.default_rng(2).integers(0, 256, (90, 160, 3)).astype(np.uint8)
    whole = cv2.blur(frame.astype(np.float32), (3, 3), borderType=cv2.BORDER_REPLICATE)
    for rows, cols in ((slice(0, 23), slice(0, 160)), (slice(40, 63), slice(17, 30)), (slice(80, 90), slice(150, 160))):
        np.testing.assert_allclose(smoothed(frame, rows, cols), whole[rows, cols], atol=1e-4)
