"""Precision variants of an ONNX graph: fp16 made here, int8 (Q/DQ) checked here and made by calibration.

TensorRT 11 builds strongly typed networks only (no FP16 builder flag), so an fp16 engine needs an
fp16 ONNX; ONNX Runtime can run the same file. The conversion keeps the graph's boundary as it is
(uint8 frame, float32 settings/state in, float32 alpha/state out): float32 graph inputs are cast to
fp16 on the way in, float32 outputs cast back on the way out, so callers never see the difference.

Written here rather than taken from onnxconverter-common, whose releases pin an old protobuf that
conflicts with mediapipe's; the job is small: retype float tensors, initializers and dtype attributes.
"""

from __future__ import annotations

import logging

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from engines.errors import EngineError

log = logging.getLogger(__name__)

FP16_MAX = float(np.finfo(np.float16).max)
PRECISION_KEY = "headshot.precision"
# (op_type, input index) slots whose type is float32 only in the ONNX spec (Resize roi/scales).
KEEP_FP32_INPUTS = {("Resize", 1), ("Resize", 2), ("Upsample", 1)}
# Operators without fp16 in the ONNX spec at opset 17 (Q/DQ gain it at 19): run in fp32 between casts.
FP32_OPS = {"Range", "NonMaxSuppression", "RandomNormalLike", "RandomUniformLike", "QuantizeLinear",
            "DequantizeLinear"}
_DTYPE_ATTRS = {"Cast": "to", "EyeLike": "dtype", "RandomNormal": "dtype", "RandomUniform": "dtype"}


def _float_values(model: onnx.ModelProto) -> set[str]:
    """Names of every float32 value in the main graph, by shape inference."""
    inferred = onnx.shape_inference.infer_shapes(model, check_type=False, strict_mode=False)
    g = inferred.graph
    out = {i.name for i in g.initializer if i.data_type == TensorProto.FLOAT}
    for v in (*g.input, *g.output, *g.value_info):
        if v.type.tensor_type.elem_type == TensorProto.FLOAT:
            out.add(v.name)
    for node in g.node:  # Constant outputs are not always in value_info
        if node.op_type == "Constant":
            for a in node.attribute:
                if a.name == "value" and a.t.data_type == TensorProto.FLOAT:
                    out.add(node.output[0])
    return out


def _to_half(array: np.ndarray) -> np.ndarray:
    return np.clip(array, -FP16_MAX, FP16_MAX).astype(np.float16)


def is_fp16(model: onnx.ModelProto) -> bool:
    props = {p.key: p.value for p in model.metadata_props}
    return props.get(PRECISION_KEY) == "fp16"


def has_qdq(model: onnx.ModelProto) -> bool:
    """True for an explicitly quantized (Q/DQ) model, the only int8 form both backends accept."""
    ops = {n.op_type for n in model.graph.node}
    return {"QuantizeLinear", "DequantizeLinear"} <= ops


def to_fp16(model: onnx.ModelProto) -> onnx.ModelProto:
    """An fp16 copy of ``model`` with the same inputs and outputs (names, dtypes, shapes)."""
    if is_fp16(model):
        return model
    for node in model.graph.node:
        if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for a in node.attribute):
            raise EngineError(f"fp16 conversion: node {node.name or node.op_type} has a subgraph",
                              "use --precision fp32 for models with If/Loop")
    floats = _float_values(model)
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    init = {i.name: i for i in g.initializer}
    new_nodes: list[onnx.NodeProto] = []
    fp32_copies: dict[str, str] = {}

    def fp32_view(name: str, where: str) -> str:
        """A float32 version of an (fp16-converted) float value, for a slot that must stay float32."""
        if name in fp32_copies:
            return fp32_copies[name]
        alias = f"{name}__fp32"
        if name in init:
            g.initializer.append(numpy_helper.from_array(numpy_helper.to_array(init[name]).astype(np.float32),
                                                         alias))
        else:
            new_nodes.append(helper.make_node("Cast", [name], [alias], name=f"{where}/to_fp32",
                                              to=TensorProto.FLOAT))
        fp32_copies[name] = alias
        return alias

    graph_inputs = {i.name for i in g.input if i.name in floats}
    renamed_inputs = {name: f"{name}__fp16" for name in graph_inputs}
    for name, alias in renamed_inputs.items():
        new_nodes.append(helper.make_node("Cast", [name], [alias], name=f"{name}/to_fp16",
                                          to=TensorProto.FLOAT16))
    graph_outputs = {o.name for o in g.output if o.name in floats}
    out_alias = {name: f"{name}__fp16" for name in graph_outputs}

    for node in g.node:
        if node.op_type in FP32_OPS:
            for i, name in enumerate(node.input):
                if name in graph_inputs:
                    continue  # already float32
                if name in floats:
                    node.input[i] = fp32_view(name, node.name or node.op_type)
            casts = []
            for i, name in enumerate(node.output):
                if name in floats:
                    node.output[i] = f"{name}__fp32out"
                    target = out_alias.get(name, name)
                    casts.append(helper.make_node("Cast", [node.output[i]], [target], to=TensorProto.FLOAT16,
                                                  name=f"{name}/to_fp16"))
            new_nodes.extend([node, *casts])
            continue
        for i, name in enumerate(node.input):
            if name in renamed_inputs:
                node.input[i] = renamed_inputs[name]
        for i, name in enumerate(node.input):
            if (node.op_type, i) in KEEP_FP32_INPUTS and name and name in floats:
                node.input[i] = fp32_view(name, node.name or node.op_type)
        attr = _DTYPE_ATTRS.get(node.op_type)
        for a in node.attribute:
            if a.name == attr and a.i == TensorProto.FLOAT:
                a.i = TensorProto.FLOAT16
            elif node.op_type in ("Constant", "ConstantOfShape") and a.name == "value" \
                    and a.t.data_type == TensorProto.FLOAT:
                a.t.CopyFrom(numpy_helper.from_array(_to_half(numpy_helper.to_array(a.t)), a.t.name))
        for i, name in enumerate(node.output):
            if name in out_alias:
                node.output[i] = out_alias[name]
        new_nodes.append(node)

    for name, alias in out_alias.items():
        new_nodes.append(helper.make_node("Cast", [alias], [name], name=f"{name}/to_fp32", to=TensorProto.FLOAT))
    kept_fp32 = set(fp32_copies.values())
    for tensor in g.initializer:
        if tensor.data_type == TensorProto.FLOAT and tensor.name not in kept_fp32:
            tensor.CopyFrom(numpy_helper.from_array(_to_half(numpy_helper.to_array(tensor)), tensor.name))
    del g.node[:]
    g.node.extend(new_nodes)
    del g.value_info[:]
    helper.set_model_props(m, {**{p.key: p.value for p in model.metadata_props}, PRECISION_KEY: "fp16"})
    try:
        m = onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
        onnx.checker.check_model(m)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        raise EngineError(f"fp16 conversion produced an invalid graph: {str(exc).splitlines()[0]}",
                          "use --precision fp32 and report the model") from exc
    return m


def model_for_precision(model: onnx.ModelProto, precision: str) -> onnx.ModelProto:
    """The graph to run at ``precision``: as is (fp32), converted (fp16), or a checked Q/DQ model (int8)."""
    if precision == "fp32":
        if is_fp16(model):
            raise EngineError("expected an fp32 model, got an fp16 one", "pass the fp32 model or --precision fp16")
        return model
    if precision == "fp16":
        return to_fp16(model)
    if precision == "int8":
        if not has_qdq(model):
            raise EngineError("int8 needs an explicitly quantized (Q/DQ) model, got one without QuantizeLinear",
                              "run 'headshot calibrate' to make the int8 model, or use --precision fp16")
        return model
    raise EngineError(f"precision: expected fp32, fp16 or int8, got {precision!r}", "use --precision fp32")
