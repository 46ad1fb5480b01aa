"""INT8 calibration on the real segmentation network: accuracy on held-back frames, CPU run, cache, look-up."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest

from calibration import CalibrationError
from calibration.frames import FrameSet, astronaut_frames, model_grid, representative_frames, to_model_inputs
from calibration.int8 import MIN_IOU, calibrate_int8, cpu_session, matte_iou
from engines.cache import ArtifactCache
from engines.int8 import find_int8_model, int8_model_path, load_int8_model
from realtime.errors import EngineError

COUNT, SIZE = 24, (320, 180)  # small and fast; `headshot calibrate int8` uses 64 by default


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> ArtifactCache:
    return ArtifactCache(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def frames() -> FrameSet:
    return representative_frames(COUNT, SIZE)


@pytest.fixture(scope="module")
def calibrated(cache: ArtifactCache, frames: FrameSet):
    return calibrate_int8(frames, backend="onnxruntime", cache=cache)


def test_frame_set_covers_demo_and_photo_and_splits_by_index(frames: FrameSet) -> None:
    calibration_idx, holdout_idx = frames.split()
    assert len(frames) == COUNT and holdout_idx == [3, 7, 11, 15, 19, 23]
    assert not set(calibration_idx) & set(holdout_idx)
    held_kinds = {frames.labels[i].split()[0] for i in holdout_idx}
    assert held_kinds == {"demo", "astronaut"}
    assert frames.sha256() == representative_frames(COUNT, SIZE).sha256()  # deterministic
    assert astronaut_frames(4, SIZE).sha256() != astronaut_frames(4, (SIZE[0] + 2, SIZE[1])).sha256()


def test_model_input_matches_the_graphs_resize(frames: FrameSet) -> None:
    """Top-left corner aligned bilinear (ONNX 'asymmetric'): grid pixel j reads frame pixel j * W / w."""
    image = np.zeros((180, 384, 3), np.uint8)
    image[:, :, 2] = (np.arange(384) % 256).astype(np.uint8)[None, :]  # red ramp in BGR's last channel
    single = FrameSet((image,), ("ramp",))
    x = to_model_inputs(single, (256, 256))[0]
    assert x.shape == (1, 256, 256, 3) and x.dtype == np.float32
    j = np.arange(0, 170, 2)  # grid pixel j samples frame x = 1.5 j, a whole pixel for even j, on the ramp
    # half_pixel would sample 1.5 j + 0.25 and align_corners 383 / 255 j: both miss by more than 0.25 / 255
    assert np.allclose(x[0, 0, j, 0], 1.5 * j / 255.0, atol=1e-6)  # R first: RGB for the network
    assert np.all(x[0, :, :, 1:] == 0)


def test_int8_meets_the_iou_bar_on_held_back_frames(calibrated) -> None:
    assert calibrated.built
    assert calibrated.pooled_iou >= MIN_IOU
    assert calibrated.holdout_frames == COUNT // 4 and calibrated.calibration_frames == COUNT - COUNT // 4
    report = json.loads(calibrated.calibration_path.read_text())
    assert report["format"] == "QDQ" and report["per_channel"] is True
    assert report["excluded_nodes"] == list(calibrated.excluded_nodes)
    assert len(report["scales"]) > 50  # a scale and zero point per quantised activation


def test_int8_model_is_qdq_and_runs_on_the_cpu(calibrated, frames: FrameSet) -> None:
    model = calibrated.load()
    ops = {node.op_type for node in model.graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops
    grid = model_grid(model)
    x = to_model_inputs(frames, grid, [3])[0]
    session = cpu_session(calibrated.path)
    assert session.get_providers() == ["CPUExecutionProvider"]
    matte = session.run(None, {session.get_inputs()[0].name: x})[0]
    assert matte.shape == (1, *grid, 1) and 0.0 <= matte.min() and matte.max() <= 1.0
    assert 0.05 < float((matte > 0.5).mean()) < 0.6  # a person, not an empty or full matte


def test_cached_and_found_by_the_engine_builder(calibrated, cache: ArtifactCache, frames: FrameSet) -> None:
    again = calibrate_int8(frames, backend="onnxruntime", cache=cache)
    assert not again.built and again.path == calibrated.path
    assert int8_model_path(backend="onnxruntime", cache=cache) == calibrated.path
    assert load_int8_model(backend="onnxruntime", cache=cache).path == calibrated.path
    assert find_int8_model(backend="tensorrt", cache=cache) is None
    with pytest.raises(EngineError, match="no INT8 calibration") as info:
        load_int8_model(backend="tensorrt", cache=cache)
    assert "headshot calibrate int8 --backend tensorrt" in info.value.one_line()


def test_corrupt_cached_model_is_rebuilt(calibrated, cache: ArtifactCache, frames: FrameSet, tmp_path) -> None:
    copy = ArtifactCache(tmp_path)
    first = calibrate_int8(frames, cache=copy)
    first.path.write_bytes(first.path.read_bytes()[:1000])
    assert int8_model_path(cache=copy) is None  # truncated: not offered to the engine builder
    rebuilt = calibrate_int8(frames, cache=copy)
    assert rebuilt.built and onnx.load(str(rebuilt.path)).graph.node


def test_unreachable_bar_is_a_calibration_error(cache: ArtifactCache, frames: FrameSet) -> None:
    with pytest.raises(CalibrationError, match="misses the accuracy bar") as info:
        calibrate_int8(frames, cache=cache, min_iou=1.01, force=True)
    assert "decoder" in info.value.problem  # every step of the ladder was tried and reported


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (np.zeros((4, 4)), np.zeros((4, 4)), 1.0),
        (np.ones((4, 4)), np.ones((4, 4)), 1.0),
        (np.eye(4), np.zeros((4, 4)), 0.0),
        (np.pad(np.ones((2, 2)), 1), np.pad(np.ones((2, 3)), ((1, 1), (1, 0))), 4 / 6),
    ],
)
def test_matte_iou(a: np.ndarray, b: np.ndarray, expected: float) -> None:
    assert matte_iou(a, b) == pytest.approx(expected)


def test_frames_from_a_folder_are_spread_evenly(tmp_path) -> None:
    import cv2

    from calibration.frames import source_frames

    for i, image in enumerate(astronaut_frames(12, SIZE).images):
        cv2.imwrite(str(tmp_path / f"booth_{i:02d}.png"), image)
    picked = source_frames(str(tmp_path), 8)
    assert len(picked) == 8 and picked.images[0].shape == (SIZE[1], SIZE[0], 3)
    assert picked.labels[0].endswith("frame 0") and picked.labels[-1].endswith("frame 10")
    with pytest.raises(CalibrationError, match="at least 8 frames"):
        source_frames(str(tmp_path / "booth_00.png"), 8)
