"""fp16 ONNX conversion: same boundary types, runs in ONNX Runtime, close to fp32; int8 needs Q/DQ."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from engines.precision import has_qdq, is_fp16, model_for_precision, to_fp16
from realtime.errors import EngineError


def _io(model: onnx.ModelProto) -> list[tuple[str, int]]:
    return [(v.name, v.type.tensor_type.elem_type) for v in (*model.graph.input, *model.graph.output)]


def _session(model: onnx.ModelProto) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def test_segmentation_fp16_keeps_io_and_stays_close(segmentation_model, astronaut_bgr):
    import cv2

    half = to_fp16(segmentation_model)
    assert _io(half) == _io(segmentation_model) and is_fp16(half)
    assert any(i.data_type == TensorProto.FLOAT16 for i in half.graph.initializer)
    x = (cv2.resize(astronaut_bgr[:, :, ::-1], (256, 256)).astype(np.float32) / 255)[None]
    a = _session(segmentation_model).run(None, {"input": x})[0]
    b = _session(half).run(None, {"input": x})[0]
    assert np.abs(a - b).mean() < 2e-4
    assert ((a > 0.5) & (b > 0.5)).sum() / ((a > 0.5) | (b > 0.5)).sum() >= 0.995


def test_studio_graph_fp16_is_within_2_levels(studio_model, astronaut_bgr):
    from engines.backends import open_backend
    from engines.settings import StudioSettings

    half = to_fp16(studio_model)
    assert _io(half) == _io(studio_model)
    frame = astronaut_bgr[::2, ::2].copy()
    with open_backend("onnxruntime", studio_model, threads=1) as fp32, \
            open_backend("onnxruntime", studio_model, precision="fp16", threads=1) as fp16:
        for settings in (StudioSettings(), StudioSettings(background="studio"), StudioSettings(background="blur")):
            fp32.reset()
            fp16.reset()
            ref, out = fp32.run(frame, settings), fp16.run(frame, settings)
            image_diff = np.abs(ref.image.astype(np.int16) - out.image.astype(np.int16))
            assert np.mean(image_diff <= 2) >= 0.999
            assert np.mean(np.abs(ref.alpha - out.alpha) <= 2 / 255) >= 0.999


def test_resize_scales_stay_float32():
    nodes = [helper.make_node("Resize", ["x", "", "scales"], ["y"], mode="linear")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 3, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 4, 4])],
                              [helper.make_tensor("scales", TensorProto.FLOAT, [4], [1, 1, 4 / 3, 4 / 3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    half = to_fp16(model)
    resize = next(n for n in half.graph.node if n.op_type == "Resize")
    scales = next(i for i in half.graph.initializer if i.name == resize.input[2])
    assert scales.data_type == TensorProto.FLOAT
    x = np.arange(9, dtype=np.float32).reshape(1, 1, 3, 3)
    assert np.allclose(_session(model).run(None, {"x": x})[0], _session(half).run(None, {"x": x})[0], atol=1e-2)


def test_precision_selection(segmentation_model):
    assert model_for_precision(segmentation_model, "fp32") is segmentation_model
    assert is_fp16(model_for_precision(segmentation_model, "fp16"))
    assert not has_qdq(segmentation_model)
    with pytest.raises(EngineError, match="Q/DQ") as caught:
        model_for_precision(segmentation_model, "int8")
    assert "headshot calibrate" in caught.value.fix
    with pytest.raises(EngineError, match="expected an fp32 model"):
        model_for_precision(to_fp16(segmentation_model), "fp32")
