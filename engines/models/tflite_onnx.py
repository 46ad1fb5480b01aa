"""Convert MediaPipe's selfie-segmentation .tflite to ONNX, with no TensorFlow.

The .tflite is a flatbuffer; we read it with the schema the mediapipe wheel ships
(``mediapipe/tasks/metadata/schema_py_generated.py``) and write the same network with ``onnx.helper``.

Layout: the ONNX model keeps TFLite's NHWC at its boundary (input ``[1, H, W, 3]`` float in [0, 1],
output ``[1, H, W, 1]`` person probability) so it is a drop-in replacement for the .tflite, and runs NCHW
inside (one Transpose after the input, one before the output), because NCHW is what ONNX convolution
operators and TensorRT want. Every 4-D activation inside the graph is NCHW; constants are permuted when
they are written, so the graph holds no other transposes.

Only the operators these models use are supported; anything else raises ``EngineError`` naming it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from engines.errors import EngineError

ONNX_OPSET = 17
INPUT_NAME = "input"
OUTPUT_NAME = "mask"
# Bump when the converter's output changes, so cached conversions are rebuilt.
CONVERTER_VERSION = "1"

_NHWC_TO_NCHW = (0, 3, 1, 2)
_NCHW_TO_NHWC = (0, 2, 3, 1)
# TFLite Padding enum (schema): SAME = 0, VALID = 1. TfLitePadding (C struct in custom options): SAME = 1.
_SAME, _VALID = 0, 1
_UPDATE_HINT = "update mediapipe to the pinned version (0.10.21) or extend engines/models/tflite_onnx.py"


def _schema() -> Any:
    """The TFLite flatbuffer schema that the mediapipe wheel ships (imported late: mediapipe is heavy)."""
    try:
        from mediapipe.tasks.metadata import schema_py_generated
    except ImportError as exc:  # pragma: no cover - mediapipe is a hard dependency
        raise EngineError(
            f"cannot read .tflite files: mediapipe's flatbuffer schema is missing ({exc})",
            "pip install mediapipe==0.10.21",
        ) from exc
    return schema_py_generated


@dataclass
class _Graph:
    """What the converter accumulates while walking the TFLite operators."""

    nodes: list[onnx.NodeProto] = field(default_factory=list)
    initializers: list[onnx.TensorProto] = field(default_factory=list)
    names: set[str] = field(default_factory=set)

    def unique(self, base: str) -> str:
        name, i = base, 1
        while name in self.names:
            name, i = f"{base}_{i}", i + 1
        self.names.add(name)
        return name

    def const(self, base: str, array: np.ndarray) -> str:
        name = self.unique(base)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(self, op: str, inputs: list[str], base: str, **attrs: Any) -> str:
        out = self.unique(base)
        self.nodes.append(helper.make_node(op, inputs, [out], name=self.unique(f"{base}/{op}"), **attrs))
        return out


class _Converter:
    """Walks one TFLite subgraph and emits the equivalent ONNX nodes, operator by operator."""

    def __init__(self, data: bytes) -> None:
        self.s = _schema()
        try:
            self.model = self.s.Model.GetRootAsModel(data, 0)
            self.subgraph = self.model.Subgraphs(0)
        except Exception as exc:  # flatbuffers raises assorted errors on garbage input
            raise EngineError(f"not a readable .tflite flatbuffer ({type(exc).__name__}: {exc})",
                              "check the file: it may be truncated or not a TFLite model") from exc
        if self.model.SubgraphsLength() != 1:
            raise EngineError(f"expected a .tflite with 1 subgraph, got {self.model.SubgraphsLength()}",
                              _UPDATE_HINT)
        self.op_names = {v: k for k, v in vars(self.s.BuiltinOperator).items() if not k.startswith("_")}
        self.type_names = {v: k for k, v in vars(self.s.TensorType).items() if not k.startswith("_")}
        self.g = _Graph()
        self.consts: dict[int, np.ndarray] = {}  # tensor index -> constant value (TFLite layout)
        self.values: dict[int, str] = {}  # tensor index -> ONNX value name (4-D ones are NCHW)

    # -- tensors ---------------------------------------------------------------------------------
    def tensor(self, index: int) -> Any:
        return self.subgraph.Tensors(index)

    def tname(self, index: int) -> str:
        return self.tensor(index).Name().decode("utf-8", "replace")

    def shape(self, index: int) -> tuple[int, ...]:
        t = self.tensor(index)
        return tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else ()

    def buffer_array(self, index: int) -> np.ndarray | None:
        t = self.tensor(index)
        buf = self.model.Buffers(t.Buffer())
        if buf is None or buf.DataLength() == 0:
            return None
        dtype = {
            self.s.TensorType.FLOAT32: np.float32,
            self.s.TensorType.FLOAT16: np.float16,
            self.s.TensorType.INT32: np.int32,
            self.s.TensorType.INT64: np.int64,
        }.get(t.Type())
        if dtype is None:
            raise EngineError(f"constant tensor {self.tname(index)!r} has unsupported type "
                              f"{self.type_names.get(t.Type(), t.Type())}", _UPDATE_HINT)
        return np.frombuffer(buf.DataAsNumpy().tobytes(), dtype=dtype).reshape(self.shape(index)).copy()

    def value(self, index: int) -> str:
        """The ONNX name of a runtime tensor (a constant used as an activation becomes an initializer)."""
        if index in self.values:
            return self.values[index]
        if index in self.consts:
            arr = self.consts[index].astype(np.float32)
            if arr.ndim == 4:
                arr = arr.transpose(_NHWC_TO_NCHW)
            name = self.g.const(self.tname(index), arr)
            self.values[index] = name
            return name
        raise EngineError(f"tensor {self.tname(index)!r} is used before it is produced", _UPDATE_HINT)

    # -- conversion ------------------------------------------------------------------------------
    def convert(self, *, opset: int, doc: str) -> onnx.ModelProto:
        sg = self.subgraph
        inputs, outputs = sg.InputsAsNumpy().tolist(), sg.OutputsAsNumpy().tolist()
        if len(inputs) != 1 or len(outputs) != 1:
            raise EngineError(f"expected 1 input and 1 output, got {len(inputs)} and {len(outputs)}",
                              _UPDATE_HINT)
        for i in range(sg.TensorsLength()):
            arr = self.buffer_array(i)
            if arr is not None:
                self.consts[i] = arr
        in_shape, out_shape = self.shape(inputs[0]), self.shape(outputs[0])
        self.g.names.update({INPUT_NAME, OUTPUT_NAME})
        self.values[inputs[0]] = self.g.node("Transpose", [INPUT_NAME], "input_nchw", perm=list(_NHWC_TO_NCHW))
        codes = [self.opcode(self.model.OperatorCodes(i)) for i in range(self.model.OperatorCodesLength())]
        for i in range(sg.OperatorsLength()):
            op = sg.Operators(i)
            self.emit(codes[op.OpcodeIndex()], op)
        last = self.value(outputs[0])
        self.g.nodes.append(helper.make_node("Transpose", [last], [OUTPUT_NAME], name="output_nhwc",
                                             perm=list(_NCHW_TO_NHWC)))
        graph = helper.make_graph(
            self.g.nodes, "selfie_segmentation",
            [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, list(in_shape))],
            [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, list(out_shape))],
            initializer=self.g.initializers,
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                                  producer_name="headshot-studio", producer_version=CONVERTER_VERSION,
                                  doc_string=doc)
        model.ir_version = ir_version_for(opset)
        onnx.checker.check_model(model, full_check=True)
        return model

    def opcode(self, code: Any) -> str:
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        name = self.op_names.get(builtin, f"BUILTIN_{builtin}")
        if name == "CUSTOM":
            return "CUSTOM:" + (code.CustomCode() or b"").decode("utf-8", "replace")
        return name

    def emit(self, opname: str, op: Any) -> None:
        ins = [int(j) for j in op.InputsAsNumpy()] if op.InputsLength() else []
        outs = [int(j) for j in op.OutputsAsNumpy()]
        handler = _HANDLERS.get(opname)
        if handler is None:
            raise EngineError(f"unsupported TFLite operator {opname} (output {self.tname(outs[0])!r})",
                              _UPDATE_HINT)
        handler(self, op, ins, outs)

    def options(self, op: Any, cls_name: str) -> Any:
        table = op.BuiltinOptions()
        opts = getattr(self.s, cls_name)()
        opts.Init(table.Bytes, table.Pos)
        return opts

    def activation(self, name: str, fused: int, out_index: int) -> None:
        """Apply a TFLite fused activation and bind the result to ``out_index``."""
        act = self.s.ActivationFunctionType
        base = self.tname(out_index)
        if fused == act.NONE:
            self.values[out_index] = name
        elif fused == act.RELU:
            self.values[out_index] = self.g.node("Relu", [name], base)
        elif fused in (act.RELU6, act.RELU_N1_TO_1):
            lo, hi = (0.0, 6.0) if fused == act.RELU6 else (-1.0, 1.0)
            lo_n = self.g.const(f"{base}/min", np.array(lo, np.float32))
            hi_n = self.g.const(f"{base}/max", np.array(hi, np.float32))
            self.values[out_index] = self.g.node("Clip", [name, lo_n, hi_n], base)
        elif fused == act.TANH:
            self.values[out_index] = self.g.node("Tanh", [name], base)
        else:
            raise EngineError(f"unsupported fused activation {fused} on {base!r}", _UPDATE_HINT)

    def weight(self, index: int, what: str) -> np.ndarray:
        if index not in self.consts:
            raise EngineError(f"{what} {self.tname(index)!r} is not a constant", _UPDATE_HINT)
        return self.consts[index].astype(np.float32)


def ir_version_for(opset: int) -> int:
    """The oldest IR version that carries ``opset``: older parsers (TensorRT's) reject newer IR versions."""
    return 8 if opset <= 17 else 9 if opset <= 20 else 10


def same_pads(in_size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow SAME padding (extra pixel at the end), made explicit so TensorRT sees fixed pads."""
    out = -(-in_size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - in_size, 0)
    return total // 2, total - total // 2


def _conv_pads(c: _Converter, padding: int, in_hw: tuple[int, int], k_hw: tuple[int, int],
               strides: tuple[int, int], dil: tuple[int, int]) -> list[int]:
    if padding == _VALID:
        return [0, 0, 0, 0]
    if padding != _SAME:
        raise EngineError(f"unsupported padding {padding}", _UPDATE_HINT)
    (t, b), (left, r) = (same_pads(in_hw[i], k_hw[i], strides[i], dil[i]) for i in range(2))
    return [t, left, b, r]


def _conv2d(c: _Converter, op: Any, ins: list[int], outs: list[int]) -> None:
    o = c.options(op, "Conv2DOptions")
    w = c.weight(ins[1], "conv kernel")  # [O, KH, KW, I]
    strides, dil = (o.StrideH(), o.StrideW()), (o.DilationHFactor(), o.DilationWFactor())
    in_shape = c.shape(ins[0])
    group = in_shape[3] // w.shape[3]
    base = c.tname(outs[0])
    inputs = [c.value(ins[0]), c.g.const(f"{base}/W", w.transpose(0, 3, 1, 2))]
    if len(ins) > 2 and ins[2] >= 0:
        inputs.append(c.g.const(f"{base}/B", c.weight(ins[2], "conv bias")))
    pads = _conv_pads(c, o.Padding(), in_shape[1:3], w.shape[1:3], strides, dil)
    y = c.g.node("Conv", inputs, f"{base}/conv", kernel_shape=list(w.shape[1:3]), strides=list(strides),
                 dilations=list(dil), pads=pads, group=group)
    c.activation(y, o.FusedActivationFunction(), outs[0])


def _depthwise(c: _Converter, op: Any, ins: list[int], outs: list[int]) -> None:
    o = c.options(op, "DepthwiseConv2DOptions")
    w = c.weight(ins[1], "depthwise kernel")  # [1, KH, KW, C * M]
    strides, dil = (o.StrideH(), o.StrideW()), (o.DilationHFactor(), o.DilationWFactor())
    in_shape = c.shape(ins[0])
    channels = in_shape[3]
    if w.shape[3] != channels * o.DepthMultiplier() and o.DepthMultiplier() != 0:
        raise EngineError(f"depthwise kernel {w.shape} does not match {channels} channels x "
                          f"multiplier {o.DepthMultiplier()}", _UPDATE_HINT)
    base = c.tname(outs[0])
    # Output channel c*M + m reads input channel c: exactly ONNX grouped conv with group = C.
    inputs = [c.value(ins[0]), c.g.const(f"{base}/W", w.transpose(3, 0, 1, 2))]
    if len(ins) > 2 and ins[2] >= 0:
        inputs.append(c.g.const(f"{base}/B", c.weight(ins[2], "depthwise bias")))
    pads = _conv_pads(c, o.Padding(), in_shape[1:3], w.shape[1:3], strides, dil)
    y = c.g.node("Conv", inputs, f"{base}/dwconv", kernel_shape=list(w.shape[1:3]), strides=list(strides),
                 dilations=list(dil), pads=pads, group=channels)
    c.activation(y, o.FusedActivationFunction(), outs[0])


def _transpose_conv_bias(c: _Converter, op: Any, ins: list[int], outs: list[int]) -> None:
    """MediaPipe's Convolution2DTransposeBias: a transposed convolution plus a bias, SAME or VALID.

    Its custom options are a TfLiteTransposeConvParams struct: int32 padding (1 SAME, 2 VALID),
    int32 stride_width, int32 stride_height.
    """
    raw = bytes(op.CustomOptionsAsNumpy()) if op.CustomOptionsLength() else b""
    if len(raw) < 12:
        raise EngineError(f"Convolution2DTransposeBias options are {len(raw)} bytes, expected 12",
                          _UPDATE_HINT)
    padding, stride_w, stride_h = struct.unpack("<3i", raw[:12])
    w = c.weight(ins[1], "transpose-conv kernel")  # [O, KH, KW, I]
    bias = c.weight(ins[2], "transpose-conv bias")
    in_shape, out_shape = c.shape(ins[0]), c.shape(outs[0])
    kh, kw = w.shape[1:3]
    pads = [0, 0, 0, 0]
    if padding == 1:  # SAME: the forward conv's padding from output to input
        totals = [max((in_shape[1 + i] - 1) * s + k - out_shape[1 + i], 0)
                  for i, (s, k) in enumerate(((stride_h, kh), (stride_w, kw)))]
        pads = [totals[0] // 2, totals[1] // 2, totals[0] - totals[0] // 2, totals[1] - totals[1] // 2]
    elif padding != 2:
        raise EngineError(f"Convolution2DTransposeBias padding {padding} is not SAME (1) or VALID (2)",
                          _UPDATE_HINT)
    base = c.tname(outs[0])
    inputs = [c.value(ins[0]), c.g.const(f"{base}/W", w.transpose(3, 0, 1, 2)),
              c.g.const(f"{base}/B", bias)]
    y = c.g.node("ConvTranspose", inputs, base, kernel_shape=[kh, kw], strides=[stride_h, stride_w],
                 pads=pads)
    c.values[outs[0]] = y


def _broadcast_operand(c: _Converter, index: int, other_rank: int) -> str:
    """A lower-rank constant broadcasts over NHWC's trailing axes; give it the matching NCHW shape."""
    if index in c.consts and other_rank == 4 and c.consts[index].ndim != 4:
        arr = c.consts[index].astype(np.float32)
        arr = arr.reshape((1,) * (4 - arr.ndim) + arr.shape).transpose(_NHWC_TO_NCHW)
        return c.g.const(c.tname(index), arr)
    return c.value(index)


def _binary(onnx_op: str, options: str) -> Any:
    def handler(c: _Converter, op: Any, ins: list[int], outs: list[int]) -> None:
        ranks = [len(c.shape(i)) for i in ins]
        for i, r in zip(ins, ranks, strict=True):
            if r not in (0, 4) and i not in c.consts:
                raise EngineError(f"{onnx_op} on a rank-{r} runtime tensor {c.tname(i)!r} is not supported",
                                  _UPDATE_HINT)
        a = _broadcast_operand(c, ins[0], ranks[1])
        b = _broadcast_operand(c, ins[1], ranks[0])
        y = c.g.node(onnx_op, [a, b], f"{c.tname(outs[0])}/{onnx_op.lower()}")
        fused = c.options(op, options).FusedActivationFunction() if op.BuiltinOptions() else 0
        c.activation(y, fused, outs[0])
    return handler


def _unary(onnx_op: str) -> Any:
    def handler(c: _Converter, op: Any, ins: list[int], outs: list[int]) -> None:
        c.values[outs[0]] = c.g.node(onnx_op, [c.value(ins[0])], c.tname(outs[0]))
    return handler


def _average_pool(c: _Converter, op: Any, ins: list[int], outs: list[int]) -> None:
    o = c.options(op, "Pool2DOptions")
    k, strides = (o.FilterHeight(), o.FilterWidth()), (o.StrideH(), o.StrideW())
    in_shape = c.shape(ins[0])
    pads = _conv_pads(c, o.Padding(), in_shape[1:3], k, strides, (1, 1))
    # TFLite averages only over real pixels at the border: count_include_pad = 0.
    y = c.g.node("AveragePool", [c.value(ins[0])], f"{c.tname(outs[0])}/pool", kernel_shape=list(k),
                 strides=list(strides), pads=pads, count_include_pad=0)
    c.activation(y, o.FusedActivationFunction(), outs[0])


def _mean(c: _Converter, op: Any, ins: list[int], outs: list[int]) -> None:
    keep = bool(c.options(op, "ReducerOptions").KeepDims())
    axes = c.consts.get(ins[1])
    rank = len(c.shape(ins[0]))
    if axes is None or rank != 4 or not keep:
        raise EngineError(f"MEAN {c.tname(outs[0])!r}: only constant axes on 4-D input with keep_dims "
                          "are supported", _UPDATE_HINT)
    nchw_axes = sorted(_NHWC_TO_NCHW.index(int(a) % 4) for a in axes.reshape(-1))
    c.values[outs[0]] = c.g.node("ReduceMean", [c.value(ins[0])], c.tname(outs[0]), axes=nchw_axes,
                                 keepdims=1)


def resize_mode(align_corners: bool, half_pixel_centers: bool) -> str:
    """ONNX coordinate_transformation_mode for TFLite RESIZE_BILINEAR's two flags."""
    if align_corners and half_pixel_centers:
        raise EngineError("RESIZE_BILINEAR with both align_corners and half_pixel_centers is invalid",
                          "re-export the model")
    if align_corners:
        return "align_corners"
    return "half_pixel" if half_pixel_centers else "asymmetric"


def _resize_bilinear(c: _Converter, op: Any, ins: list[int], outs: list[int]) -> None:
    o = c.options(op, "ResizeBilinearOptions")
    size = c.consts.get(ins[1])
    if size is None:
        raise EngineError(f"RESIZE_BILINEAR {c.tname(outs[0])!r} needs a constant size", _UPDATE_HINT)
    channels = c.shape(ins[0])[3]
    h, w = (int(v) for v in size.reshape(-1))
    base = c.tname(outs[0])
    sizes = c.g.const(f"{base}/sizes", np.array([1, channels, h, w], np.int64))
    c.values[outs[0]] = c.g.node(
        "Resize", [c.value(ins[0]), "", "", sizes], base, mode="linear",
        coordinate_transformation_mode=resize_mode(bool(o.AlignCorners()), bool(o.HalfPixelCenters())),
    )


def _dequantize(c: _Converter, op: Any, ins: list[int], outs: list[int]) -> None:
    src = c.tensor(ins[0])
    if src.Type() != c.s.TensorType.FLOAT16:
        raise EngineError(f"DEQUANTIZE of {c.type_names.get(src.Type(), src.Type())} "
                          f"({c.tname(ins[0])!r}) is not supported, only FLOAT16", _UPDATE_HINT)
    if ins[0] in c.consts:  # fp16 weights: fold into fp32 constants
        c.consts[outs[0]] = c.consts[ins[0]].astype(np.float32)
    else:
        c.values[outs[0]] = c.g.node("Cast", [c.value(ins[0])], c.tname(outs[0]), to=TensorProto.FLOAT)


_HANDLERS = {
    "CONV_2D": _conv2d,
    "DEPTHWISE_CONV_2D": _depthwise,
    "ADD": _binary("Add", "AddOptions"),
    "MUL": _binary("Mul", "MulOptions"),
    "RELU": _unary("Relu"),
    "HARD_SWISH": _unary("HardSwish"),
    "LOGISTIC": _unary("Sigmoid"),
    "AVERAGE_POOL_2D": _average_pool,
    "MEAN": _mean,
    "RESIZE_BILINEAR": _resize_bilinear,
    "DEQUANTIZE": _dequantize,
    "CUSTOM:Convolution2DTransposeBias": _transpose_conv_bias,
}


def convert_tflite(data: bytes, *, opset: int = ONNX_OPSET, doc: str = "") -> onnx.ModelProto:
    """Convert a TFLite flatbuffer (bytes) to an ONNX model with NHWC input ``input`` and output ``mask``.

    Raises ``EngineError`` naming the first unsupported operator or malformed piece.
    """
    if opset < 14:
        raise EngineError(f"expected ONNX opset >= 14 (HardSwish), got {opset}", "use the default opset")
    return _Converter(data).convert(opset=opset, doc=doc)
