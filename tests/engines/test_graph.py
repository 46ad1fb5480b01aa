"""The studio graph: contract, plumbing, backgrounds, edge-following matte, temporal behaviour.

Plumbing and edge tests use the stand-in segmentation (person = bright pixels) on synthetic scenes
whose true edge is known to the pixel; photo tests use MediaPipe's converted selfie model.
"""

from __future__ import annotations

import cv2
import numpy as np
import onnx
import pytest

from engines import graph as G
from engines.backends.registry import graph_targets
from engines.graph import build_studio_graph, standin_segmentation
from engines.settings import SETTINGS_SIZE, StudioSettings
from realtime.errors import EngineError
from tests.engines.studio_scenes import astronaut_frame, real_segmentation, run_frames, session, settle

# Operators TensorRT 10's ONNX parser supports that this graph may use (opset 17, no control flow).
TRT_OPS = {
    "Abs", "Add", "AveragePool", "Cast", "Clip", "Concat", "ConstantOfShape", "Conv", "ConvTranspose", "Div",
    "Exp", "Gather", "HardSigmoid", "HardSwish", "Identity", "Log", "MatMul", "Max", "MaxPool", "Mul", "Pad",
    "Pow", "QuantizeLinear", "ReduceMean", "ReduceSum", "Relu", "Reshape", "Resize", "Round", "Shape", "Sigmoid",
    "Slice", "Split", "Sqrt", "Sub", "Transpose", "DequantizeLinear", "GlobalAveragePool", "Reciprocal",
}
SIZES = [(640, 360), (1280, 720), (1920, 1080), (640, 480)]


def _synthetic_person(width: int, height: int, dx: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A bright textured head-and-shoulders on a dark textured wall, with its exact mask."""
    rng = np.random.default_rng(7)
    mask = np.zeros((height, width), np.uint8)
    cx = width // 2 + dx
    cv2.ellipse(mask, (cx, int(height * 0.38)), (int(height * 0.16), int(height * 0.21)), 0, 0, 360, 1, -1)
    cv2.ellipse(mask, (cx, height), (int(height * 0.45), int(height * 0.32)), 0, 180, 360, 1, -1)
    wall = 45 + rng.normal(0, 6, (height, width, 3))
    skin = np.array([150, 175, 215]) + rng.normal(0, 6, (height, width, 3))
    frame = np.where(mask[..., None] > 0, skin, wall)
    return np.clip(frame, 0, 255).astype(np.uint8), mask.astype(bool)


@pytest.mark.parametrize("target", graph_targets())
def test_graph_contract(target: str) -> None:
    model = build_studio_graph(standin_segmentation(), target=target)
    types = {v.name: v.type.tensor_type for v in [*model.graph.input, *model.graph.output]}
    shapes = {name: [d.dim_param or d.dim_value for d in t.shape.dim] for name, t in types.items()}
    if target in G.GRID_TARGETS:  # stops at the grid: the backend resizes and composes (engines.compose)
        assert [i.name for i in model.graph.input] == list(G.GRID_INPUTS)
        assert [o.name for o in model.graph.output] == list(G.GRID_OUTPUTS)
        assert types["frame_grid"].elem_type == onnx.TensorProto.UINT8 and shapes["frame_grid"] == [1, 256, 256, 3]
        assert shapes["alpha_grid"] == [1, 256, 256, 1]
        assert shapes["gain_grid"] == shapes["backdrop_grid"] == [1, 256, 256, 3]
    else:
        assert [i.name for i in model.graph.input] == list(G.INPUTS)
        assert [o.name for o in model.graph.output] == list(G.OUTPUTS)
        assert types["frame"].elem_type == onnx.TensorProto.UINT8
        assert types["image"].elem_type == onnx.TensorProto.UINT8
        assert shapes["frame"] == [1, "H", "W", 3]
    assert [d.dim_value for d in types["settings"].shape.dim] == [SETTINGS_SIZE]
    assert {o.domain: o.version for o in model.opset_import} == {"": 17}
    used = {n.op_type for n in model.graph.node}
    assert used <= TRT_OPS, used - TRT_OPS
    assert all(n.domain in ("", "ai.onnx") for n in model.graph.node)


def test_tensorrt_graph_has_no_uint8_quantize() -> None:
    ops = {n.op_type for n in build_studio_graph(standin_segmentation(), target="tensorrt").graph.node}
    assert "QuantizeLinear" not in ops and "Round" in ops


def test_real_model_graph_uses_only_tensorrt_operators() -> None:
    used = {n.op_type for n in build_studio_graph(real_segmentation(), target="tensorrt").graph.node}
    assert used <= TRT_OPS, used - TRT_OPS


@pytest.mark.parametrize("size", SIZES)
def test_outputs_have_the_frame_size_and_keep_is_identity(size: tuple[int, int]) -> None:
    frame, _ = _synthetic_person(*size)
    image, alpha = settle(session("standin"), frame, StudioSettings(relight=False))
    assert image.shape == frame.shape and image.dtype == np.uint8
    assert alpha.shape == frame.shape[:2] and alpha.dtype == np.float32
    assert 0.0 <= alpha.min() and alpha.max() <= 1.0
    np.testing.assert_array_equal(image, frame)


@pytest.mark.parametrize("background", ["keep", "blur", "studio"])
def test_both_targets_compute_the_same_function(background: str) -> None:
    """The CPU form (frame resized to the grid in uint8 by OpenCV, maps composed in engines.compose) and the
    TensorRT form (everything in float in the graph) agree up to rounding: the uint8 grid input moves the
    model's output by up to a few hundredths at the matte's edge (so the image there, between a person and a
    backdrop 100+ levels apart, by a few levels), and the CPU blend rounds the relit frame and the backdrop
    to uint8 before it blends them (a level). The per-pixel edge alpha (engines.edge_alpha) reads the pixel's
    place on the colour line with a gain of 1 / (LINE_COVER - LINE_NOISE) (4.5): the two forms' edge colours
    (from the uint8 and the float grid) differ slightly, so a few dozen edge pixels of the 921,600 differ by
    up to ~0.15 (measured 0.14, 36 pixels over 0.05)."""
    frame = astronaut_frame()
    settings = StudioSettings(background=background, relight_strength=1.0)
    a = settle(session("real", "onnxruntime"), frame, settings)
    b = settle(session("real", "tensorrt"), frame, settings)
    image_diff = np.abs(a[0].astype(np.int16) - b[0].astype(np.int16))
    alpha_diff = np.abs(a[1] - b[1])
    assert np.mean(image_diff <= 2) >= 0.998 and image_diff.mean() < 0.15, (image_diff.max(), image_diff.mean())
    assert alpha_diff.max() < 0.2 and np.mean(alpha_diff <= 2 / 255) >= 0.98, alpha_diff.max()  # edge band
    assert np.mean(alpha_diff > 0.05) < 1e-4, np.mean(alpha_diff > 0.05)


def test_real_matte_finds_the_person() -> None:
    _, alpha = settle(session("real"), astronaut_frame(), StudioSettings())
    h, w = alpha.shape
    assert alpha[int(h * 0.35), w // 2] > 0.95  # the face
    assert alpha[int(h * 0.9), w // 2] > 0.95  # the chest
    assert alpha[:40, :200].max() < 0.05 and alpha[:40, -200:].max() < 0.05  # top corners: wall


@pytest.fixture(scope="module")
def person() -> tuple[np.ndarray, np.ndarray]:
    return _synthetic_person(1280, 720)


@pytest.mark.parametrize("mode", ["studio", "blur"])
def test_replaced_background_changes_the_wall_not_the_person(mode: str, person) -> None:
    frame, mask = person
    image, alpha = settle(session("standin"), frame, StudioSettings(relight=False, background=mode))
    inside = cv2.erode(mask.astype(np.uint8), np.ones((13, 13), np.uint8)) > 0
    outside = cv2.erode((~mask).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    diff = np.abs(image.astype(int) - frame.astype(int))
    # The person keeps its pixels up to the guided filter's leakage on a noisy guide (a few levels).
    assert diff[inside].mean() < 0.5 and np.percentile(diff[inside], 99) <= 3
    assert diff[outside].mean() > 15 if mode == "studio" else np.std(image[outside]) < 0.5 * np.std(frame[outside])


def test_studio_backdrop_has_the_colour_and_gradient(person) -> None:
    frame, _ = person
    colour = (200.0, 150.0, 100.0)
    image, _ = settle(
        session("standin"), frame, StudioSettings(background="studio", studio_color_bgr=colour, studio_gradient=1.0)
    )
    np.testing.assert_allclose(image[2, 5].astype(float), colour, atol=2)
    assert np.all(image[-3, 5].astype(int) < image[2, 5].astype(int) - 50)  # darker toward the floor


def test_matte_edge_is_smooth_and_in_place(person, tmp_path) -> None:
    """The matte is refined at the grid (colour guided) and upsampled bilinearly: on real photos a
    full-resolution step edge scored worse (docs/QUALITY.md). Its ramp is at most a grid pixel wide
    (5 px at 1280 wide), the 0.5 cut sits on the true edge, and there is no nearest-neighbour staircase."""
    frame, mask = person
    _, alpha = settle(session("standin"), frame, StudioSettings(relight=False))
    cv2.imwrite(str(tmp_path / "matte_synthetic.png"), (alpha * 255).astype(np.uint8))
    dist_in = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 3)
    dist_out = cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, 3)
    assert alpha[dist_out > 5].max() < 0.1  # no halo wider than one grid pixel
    assert alpha[dist_in > 5].min() > 0.9
    band = (dist_in <= 3) | (dist_out <= 3)
    assert np.mean((alpha[band] > 0.5) == mask[band]) > 0.97
    grid = cv2.resize(mask.astype(np.float32), (256, 256), interpolation=cv2.INTER_AREA)
    stairs = cv2.resize(cv2.resize(grid, (640, 360)), mask.shape[::-1], interpolation=cv2.INTER_NEAREST)
    assert np.abs(alpha - mask)[band].mean() < np.abs(stairs - mask)[band].mean()


def _noisy_still(n: int) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    base = astronaut_frame().astype(np.int16)
    return [np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8) for _ in range(n)]


def _states(frames: list[np.ndarray], settings: StudioSettings) -> list[np.ndarray]:
    engine, out = session("real"), []
    engine.reset()
    for frame in frames:
        engine.run(frame, settings)
        out.append(engine._state[0, ..., 0].copy())
    return out


def test_smoothing_cuts_matte_flicker_on_a_still_noisy_person() -> None:
    frames = _noisy_still(10)

    def flicker(smoothing: float) -> float:
        states = _states(frames, StudioSettings(smoothing=smoothing, relight=False))[3:]
        return float(np.mean([np.abs(a - b).mean() for a, b in zip(states, states[1:])]))

    raw, smoothed = flicker(0.0), flicker(StudioSettings().smoothing)
    assert smoothed < 0.5 * raw, (raw, smoothed)


@pytest.mark.parametrize("shift, frames_allowed", [(60, 1), (20, 1)])
def test_motion_is_followed_without_lag(shift: int, frames_allowed: int) -> None:
    still = astronaut_frame()
    moved = np.roll(still, shift, axis=1)
    truth = run_frames(session("real"), [moved], StudioSettings(smoothing=0.0))[0][1]
    out = run_frames(session("real"), [still] * 4 + [moved] * 3, StudioSettings())
    errors = [float(np.abs(alpha - truth).mean()) for _, alpha in out[4:]]
    lag = next(i + 1 for i, e in enumerate(errors) if e < 2e-3)
    assert lag <= frames_allowed, errors


def test_first_frame_needs_no_warm_up() -> None:
    frame = astronaut_frame()
    first = run_frames(session("real"), [frame], StudioSettings())[0][1]
    settled = run_frames(session("real"), [frame] * 5, StudioSettings())[-1][1]
    assert np.abs(first - settled).mean() < 2e-3


@pytest.mark.parametrize(
    "variant, message", [("landscape", "expected a (144, 256) input grid"), ("portrait", "expected one of")]
)
def test_wrong_variant_is_a_typed_error(variant: str, message: str) -> None:
    with pytest.raises(EngineError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build_studio_graph(standin_segmentation(), variant=variant)


def test_landscape_variant_builds_with_its_own_grid() -> None:
    model = build_studio_graph(standin_segmentation((144, 256)), variant="landscape")
    state = next(i for i in model.graph.input if i.name == "state_in")
    assert [d.dim_value for d in state.type.tensor_type.shape.dim] == [1, 144, 256, 1]
