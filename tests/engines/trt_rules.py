"""TensorRT 10's rules for the ONNX it parses, as a lint: what the real parser would refuse, found on the CPU.

Summarised (in our words) from TensorRT 10's ONNX parser documentation (onnx-tensorrt ``docs/operators.md``
for 10.x and the importer's checks), limited to what a studio graph can contain:

* types: TensorRT computes in FP32/FP16/BF16, INT32/INT64, BOOL and quantized INT8; UINT8 exists only
  as a network input or output (the importer refuses a uint8 intermediate tensor), reached by a Cast;
  DOUBLE is only cast down, so we refuse it outright;
* operators: only those in ``OPS`` below, each with the input types TensorRT accepts for it (Transpose,
  Round and friends have no UINT8 entry); Resize only with the modes TensorRT implements;
* quantization: QuantizeLinear takes float and yields INT8 with a zero point of 0; DequantizeLinear takes
  INT8 (or FP8/INT4), never INT32 (ONNX Runtime's quantized biases) or UINT8, with constant scales and
  a zero point of 0;
* shapes: only ``frame``'s height and width may be dynamic (the engine has one optimisation profile,
  ``tensorrt_plan.profile_inputs``); opset 9..20, standard domain only.

``lint(model)`` returns one line per violation (empty: the parser would accept the graph as far as these
rules go). The fake TensorRT's parser applies it, so the backend's tests fail where a real GPU would.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

T = TensorProto
FLOATS = frozenset({T.FLOAT, T.FLOAT16, T.BFLOAT16})
INTS = frozenset({T.INT32, T.INT64})
BOOL = frozenset({T.BOOL})
QUANT = frozenset({T.INT8})
DATA = FLOATS | INTS | BOOL | QUANT  # shuffles and copies move any TensorRT type
MATH = FLOATS | INTS
DQ_INPUTS = frozenset({T.INT8, T.FLOAT8E4M3FN, T.INT4})
OPSET_RANGE = (9, 20)
# op -> types allowed for its data inputs (None: checked by its own rule below)
OPS: dict[str, frozenset[int] | None] = {
    **dict.fromkeys(("Add", "Sub", "Mul", "Div", "Max", "Min", "Abs", "Neg", "Sum", "Mean"), MATH),
    **dict.fromkeys(("Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Where"), MATH | BOOL),
    **dict.fromkeys(("Not", "And", "Or", "Xor"), BOOL),
    **dict.fromkeys(("Sqrt", "Exp", "Log", "Pow", "Round", "Floor", "Ceil", "Erf", "Reciprocal", "Sigmoid",
                     "Tanh", "Relu", "LeakyRelu", "HardSigmoid", "HardSwish", "Softmax", "Clip", "Conv",
                     "ConvTranspose", "AveragePool", "MaxPool", "GlobalAveragePool", "MatMul", "Gemm",
                     "BatchNormalization", "InstanceNormalization", "Resize", "Sin", "Cos", "Softplus",
                     "PRelu", "Elu"), FLOATS),
    **dict.fromkeys(("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ArgMax", "ArgMin"),
                    MATH),
    **dict.fromkeys(("Reshape", "Transpose", "Concat", "Slice", "Gather", "GatherElements", "Split",
                     "Squeeze", "Unsqueeze", "Identity", "Expand", "Tile", "Pad", "Flatten",
                     "DepthToSpace", "SpaceToDepth", "Shape", "Size", "ConstantOfShape", "Range",
                     "Constant"), DATA),
    "Cast": None,
    "QuantizeLinear": None,
    "DequantizeLinear": None,
}
RESIZE_MODES = {"nearest", "linear", "cubic"}
RESIZE_COORDS = {"half_pixel", "pytorch_half_pixel", "tf_half_pixel_for_nn", "asymmetric", "align_corners"}
NEAREST_MODES = {"floor", "ceil", "round_prefer_floor", "round_prefer_ceil"}
CAST_TARGETS = FLOATS | INTS | BOOL | {T.UINT8}  # UINT8 only where the Cast makes a graph output
DYNAMIC_INPUT = ("frame", (1, 2))  # the only input with dynamic dims, and which


def _name(dtype: int) -> str:
    return T.DataType.Name(dtype)


def _types(model: onnx.ModelProto) -> dict[str, int]:
    try:
        g = onnx.shape_inference.infer_shapes(model, check_type=False, strict_mode=False).graph
    except (onnx.shape_inference.InferenceError, onnx.checker.ValidationError):
        g = model.graph  # e.g. an unknown domain: its nodes are reported; other types may read as unknown
    types = {v.name: v.type.tensor_type.elem_type for v in (*g.input, *g.output, *g.value_info)}
    types.update({t.name: t.data_type for t in g.initializer})
    for node in g.node:
        if node.op_type == "Constant":
            for a in node.attribute:
                if a.name == "value":
                    types[node.output[0]] = a.t.data_type
    return types


def _constant_values(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    values = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant":
            for a in node.attribute:
                if a.name == "value":
                    values[node.output[0]] = numpy_helper.to_array(a.t)
    return values


def _where(node: onnx.NodeProto) -> str:
    return f"{node.op_type} {node.name or node.output[0]!r}"


def _quantize_rules(node: onnx.NodeProto, types: dict[str, int], consts: dict[str, np.ndarray]) -> list[str]:
    problems = []
    x = node.input[0]
    scale = node.input[1] if len(node.input) > 1 else ""
    zero = node.input[2] if len(node.input) > 2 else ""
    if scale not in consts:
        problems.append(f"{_where(node)}: scale must be a constant (initializer)")
    if zero:
        if zero not in consts:
            problems.append(f"{_where(node)}: zero point must be a constant")
        elif np.any(consts[zero] != 0):
            problems.append(f"{_where(node)}: zero point must be 0 (TensorRT quantizes symmetrically)")
    if node.op_type == "QuantizeLinear":
        if types.get(x) not in FLOATS:
            problems.append(f"{_where(node)}: input {x!r} is {_name(types.get(x, 0))}, TensorRT quantizes floats")
        out = types.get(node.output[0], types.get(zero, T.UINT8) if zero else T.UINT8)
        if out not in QUANT:
            problems.append(f"{_where(node)}: yields {_name(out)}, TensorRT quantizes to INT8 only")
    elif types.get(x) not in DQ_INPUTS:
        problems.append(f"{_where(node)}: input {x!r} is {_name(types.get(x, 0))}, TensorRT's dequantize "
                        "accepts INT8/FP8/INT4 only (keep biases float: QuantizeBias=False)")
    return problems


def _node_rules(node: onnx.NodeProto, types: dict[str, int], consts: dict[str, np.ndarray],
                graph_inputs: set[str], graph_outputs: set[str]) -> list[str]:
    if node.domain not in ("", "ai.onnx"):
        return [f"{_where(node)}: custom domain {node.domain!r}, TensorRT has no plugin for it"]
    if node.op_type not in OPS:
        return [f"{_where(node)}: operator not supported by TensorRT 10's ONNX parser"]
    if node.op_type in ("QuantizeLinear", "DequantizeLinear"):
        return _quantize_rules(node, types, consts)
    problems = []
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    if node.op_type == "Cast":
        to = int(attrs.get("to", 0))
        source = types.get(node.input[0])
        if to not in CAST_TARGETS:
            problems.append(f"{_where(node)}: casts to {_name(to)}, not a TensorRT type")
        if to == T.UINT8 and node.output[0] not in graph_outputs:
            problems.append(f"{_where(node)}: a cast to UINT8 must produce a graph output")
        if source == T.UINT8 and node.input[0] not in graph_inputs:
            problems.append(f"{_where(node)}: casts from a UINT8 intermediate")
        return problems
    allowed = OPS[node.op_type]
    data_inputs = node.input[:1] if node.op_type in ("Reshape", "Slice", "Resize", "Pad", "Expand", "Tile",
                                                     "Split", "Squeeze", "Unsqueeze", "ConstantOfShape") \
        else node.input
    for name in data_inputs:
        if not name:
            continue
        dtype = types.get(name)
        if dtype is None or dtype == T.UNDEFINED:
            problems.append(f"{_where(node)}: type of input {name!r} unknown (shape inference failed)")
        elif node.op_type == "Shape" and dtype != T.UINT8:
            continue  # Shape reads only the dimensions
        elif allowed is not None and dtype not in allowed:
            problems.append(f"{_where(node)}: input {name!r} is {_name(dtype)}, TensorRT's {node.op_type} "
                            f"takes {'/'.join(sorted(_name(t) for t in allowed))}")
    if node.op_type == "Resize":
        mode = attrs.get("mode", b"nearest")
        coord = attrs.get("coordinate_transformation_mode", b"half_pixel")
        nearest = attrs.get("nearest_mode", b"round_prefer_floor")
        mode, coord, nearest = (v.decode() if isinstance(v, bytes) else v for v in (mode, coord, nearest))
        bad_nearest = mode == "nearest" and nearest not in NEAREST_MODES
        if mode not in RESIZE_MODES or coord not in RESIZE_COORDS or bad_nearest:
            problems.append(f"{_where(node)}: resize mode {mode}/{coord}/{nearest} not implemented by TensorRT")
    return problems


def _shape_rules(model: onnx.ModelProto) -> list[str]:
    problems = []
    dynamic_name, dynamic_axes = DYNAMIC_INPUT
    for value in model.graph.input:
        dims = value.type.tensor_type.shape.dim
        dynamic = [i for i, d in enumerate(dims) if not d.HasField("dim_value") or d.dim_value <= 0]
        if not dynamic:
            continue
        if value.name != dynamic_name or tuple(dynamic) != dynamic_axes or len(dims) != 4:
            problems.append(f"input {value.name!r}: dynamic axes {dynamic}, but the engine's one optimisation "
                            f"profile covers only {dynamic_name!r} axes {list(dynamic_axes)} of a rank-4 tensor")
    opsets = {o.domain: o.version for o in model.opset_import}
    version = opsets.get("", opsets.get("ai.onnx", 0))
    if not OPSET_RANGE[0] <= version <= OPSET_RANGE[1]:
        problems.append(f"opset {version}: TensorRT 10 parses opsets {OPSET_RANGE[0]}..{OPSET_RANGE[1]}")
    return problems


def lint(model: onnx.ModelProto) -> list[str]:
    """Every way ``model`` breaks TensorRT 10's parsing rules (see the module docstring), one line each."""
    types = _types(model)
    consts = _constant_values(model)
    g = model.graph
    graph_inputs = {v.name for v in g.input}
    graph_outputs = {v.name for v in g.output}
    problems = _shape_rules(model)
    for name, dtype in sorted(types.items()):
        if dtype == T.DOUBLE:
            problems.append(f"tensor {name!r} is DOUBLE: use float32")
        if dtype == T.UINT8 and name not in graph_inputs | graph_outputs:
            problems.append(f"tensor {name!r} is a UINT8 intermediate: TensorRT allows UINT8 only as a network "
                            "input or output")
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for node in g.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
        problems.extend(_node_rules(node, types, consts, graph_inputs, graph_outputs))
    producers = {out: node for node in g.node for out in node.output}
    for value in g.input:
        if types.get(value.name) == T.UINT8:
            bad = [n for n in consumers.get(value.name, []) if n.op_type != "Cast"]
            problems.extend(f"UINT8 input {value.name!r} feeds {_where(n)}: only a Cast may read it" for n in bad)
    for value in g.output:
        if types.get(value.name) == T.UINT8 and (value.name not in producers
                                                  or producers[value.name].op_type != "Cast"):
            problems.append(f"UINT8 output {value.name!r} must be produced by a Cast")
    return problems
