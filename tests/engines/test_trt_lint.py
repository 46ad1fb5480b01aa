"""Every ONNX the TensorRT backend would build (fp32, fp16, int8 Q/DQ) against TensorRT 10's parsing rules.

The rules are in ``trt_rules``; the fake TensorRT's parser applies the same ones (``test_tensorrt``).
The graph as built before the TensorRT target cast at its boundary (uint8 transposes inside) must fail.
"""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from engines.graph import build_studio_graph
from engines.precision import model_for_precision
from tests.engines.trt_rules import lint

REPO = Path(__file__).resolve().parents[2]
# The last commit whose studio graph had uint8 intermediates in its TensorRT target (issue 20, item 1).
UINT8_GRAPH_COMMIT = "c726656"


def test_tensorrt_graph_passes_at_every_precision(trt_studio_model, trt_qdq_segmentation):
    assert lint(trt_studio_model) == []  # fp32 (and TensorRT 10's fp16: the same ONNX with BuilderFlag.FP16)
    assert lint(model_for_precision(trt_studio_model, "fp16")) == []  # TensorRT 11: the fp16 ONNX
    int8 = build_studio_graph(trt_qdq_segmentation, variant="general", target="tensorrt")
    assert lint(model_for_precision(int8, "int8")) == []
    assert any(n.op_type == "DequantizeLinear" for n in int8.graph.node)


def test_bare_segmentation_models_pass(segmentation_model, trt_qdq_segmentation):
    """``--segmentation-only`` hands TensorRT the bare model (fp32, or the Q/DQ one for int8)."""
    assert lint(segmentation_model) == []
    assert lint(trt_qdq_segmentation) == []


def test_boundary_is_uint8_only_through_casts(trt_studio_model):
    g = trt_studio_model.graph
    producers = {o: n for n in g.node for o in n.output}
    consumers = [n for n in g.node if "frame" in n.input]
    assert [n.op_type for n in consumers] == ["Cast"]
    assert producers["image"].op_type == "Cast"


def test_onnxruntime_graph_is_not_for_tensorrt(studio_model):
    """The CPU graph transposes its uint8 grid input before the Cast (a quarter of the bytes): the lint says why
    TensorRT would refuse it."""
    problems = "\n".join(lint(studio_model))
    assert "UINT8 intermediate" in problems and "only a Cast may read it" in problems


def test_int32_bias_dequantization_fails(int32_bias_qdq_segmentation):
    """ONNX Runtime's default QuantizeBias=True (issue 20, item 2): int32 biases behind DequantizeLinear."""
    graph = build_studio_graph(int32_bias_qdq_segmentation, variant="general", target="tensorrt")
    problems = [p for p in lint(graph) if "DequantizeLinear" in p]
    assert problems and all("INT32" in p for p in problems)


def _old_graph_module():
    try:
        source = subprocess.run(["git", "show", f"{UINT8_GRAPH_COMMIT}:engines/graph.py"], cwd=REPO,
                                capture_output=True, check=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip(f"git history with commit {UINT8_GRAPH_COMMIT} is not available")
    spec = importlib.util.spec_from_loader("old_studio_graph", loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(compile(source, "old_graph.py", "exec"), module.__dict__)  # noqa: S102 - our own file from history
    return module


def test_the_graph_before_the_fix_fails(segmentation_model):
    """The TensorRT target as built at UINT8_GRAPH_COMMIT: uint8 Transpose of the frame, Cast to uint8 and a
    Transpose after it, all inside the network."""
    old = _old_graph_module().build_studio_graph(segmentation_model, variant="general", target="tensorrt")
    problems = lint(old)
    assert sum("is a UINT8 intermediate" in p for p in problems) == 3  # the three of issue 20
    assert any("Transpose" in p and "UINT8" in p for p in problems)
    assert any("UINT8 output 'image' must be produced by a Cast" in p for p in problems)


# -- each rule on a small graph -----------------------------------------------------------------------
def _model(nodes, inputs, outputs, initializers=(), opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _vi(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


F, U8 = TensorProto.FLOAT, TensorProto.UINT8
GOOD = _model([helper.make_node("Relu", ["x"], ["y"])], [_vi("x", F, [1, 3, 4, 4])], [_vi("y", F, [1, 3, 4, 4])])


def _dq(x_type, zero=0):
    inits = [numpy_helper.from_array(np.ones(3, {TensorProto.INT8: np.int8, TensorProto.INT32: np.int32,
                                                 U8: np.uint8}[x_type]), "q"),
             numpy_helper.from_array(np.float32(0.1), "s"),
             numpy_helper.from_array(np.array(zero, {TensorProto.INT8: np.int8, TensorProto.INT32: np.int32,
                                                     U8: np.uint8}[x_type]), "z")]
    return _model([helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y"])], [], [_vi("y", F, [3])], inits)


@pytest.mark.parametrize(("model", "expected"), [
    (GOOD, None),
    (_model([helper.make_node("Relu", ["x"], ["y"])], [_vi("x", F, [1, "n", 4, 4])], [_vi("y", F, [1, "n", 4, 4])]),
     "optimisation profile"),
    (_model([helper.make_node("Relu", ["x"], ["y"])], [_vi("x", F, [1, 3])], [_vi("y", F, [1, 3])], opset=21),
     "opset 21"),
    (_model([helper.make_node("Mystery", ["x"], ["y"], domain="com.example")], [_vi("x", F, [1])],
            [_vi("y", F, [1])]), "custom domain"),
    (_model([helper.make_node("NonZero", ["x"], ["y"])], [_vi("x", F, [3])], [_vi("y", TensorProto.INT64, [1, 3])]),
     "not supported"),
    (_model([helper.make_node("Transpose", ["x"], ["t"], perm=[1, 0]), helper.make_node("Cast", ["t"], ["y"], to=F)],
            [_vi("x", U8, [2, 3])], [_vi("y", F, [3, 2])]), "UINT8 intermediate"),
    (_model([helper.make_node("Cast", ["x"], ["y"], to=F)], [_vi("x", U8, [2, 3])], [_vi("y", F, [2, 3])]), None),
    (_model([helper.make_node("Round", ["x"], ["y"])], [_vi("x", TensorProto.DOUBLE, [2])],
            [_vi("y", TensorProto.DOUBLE, [2])]), "DOUBLE"),
    (_dq(TensorProto.INT8), None),
    (_dq(TensorProto.INT32), "INT32"),
    (_dq(U8), "UINT8"),
    (_dq(TensorProto.INT8, zero=3), "zero point must be 0"),
    (_model([helper.make_node("Resize", ["x", "", "s"], ["y"], mode="cubic",
                              coordinate_transformation_mode="tf_crop_and_resize")],
            [_vi("x", F, [1, 1, 2, 2])], [_vi("y", F, [1, 1, 4, 4])],
            [numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "s")]), "resize mode"),
])
def test_rules(model, expected):
    problems = lint(model)
    if expected is None:
        assert problems == []
    else:
        assert any(expected in p for p in problems), problems


def test_quantize_to_uint8_is_refused():
    inits = [numpy_helper.from_array(np.float32(1.0), "s"), numpy_helper.from_array(np.uint8(0), "z")]
    model = _model([helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"]),
                    helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y"])],
                   [_vi("x", F, [3])], [_vi("y", F, [3])], inits)
    problems = "\n".join(lint(model))
    assert "quantizes to INT8 only" in problems and "UINT8 intermediate" in problems
    onnx.checker.check_model(model)
