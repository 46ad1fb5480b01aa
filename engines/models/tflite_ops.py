"""The TFLite operators the selfie-segmentation models use, one handler each, written as ONNX nodes (NCHW).

Each handler reads its TFLite options and tensors through the converter (``engines.models.tflite_onnx``)
and appends the equivalent ONNX nodes; ``HANDLERS`` maps a TFLite operator name to its handler.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from onnx import TensorProto

from engines.errors import EngineError

if TYPE_CHECKING:
    from engines.models.tflite_onnx import _Converter

_NHWC_TO_NCHW = (0, 3, 1, 2)
_NCHW_TO_NHWC = (0, 2, 3, 1)
# TFLite Padding enum (schema): SAME = 0, VALID = 1. TfLitePadding (C struct in custom options): SAME = 1.
_SAME, _VALID = 0, 1
_UPDATE_HINT = "update mediapipe to the pinned version (0.10.21) or extend engines/models/tflite_onnx.py"


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


def _emit_conv(c: _Converter, o: Any, ins: list[int], outs: list[int], w_onnx: Any, k_hw: tuple[int, int],
               group: int, what: str) -> None:
    """One ONNX Conv for a TFLite convolution: the kernel already in ONNX order, the optional bias, SAME or
    VALID pads from the options, then the fused activation."""
    strides, dil = (o.StrideH(), o.StrideW()), (o.DilationHFactor(), o.DilationWFactor())
    in_shape = c.shape(ins[0])
    base = c.tname(outs[0])
    inputs = [c.value(ins[0]), c.g.const(f"{base}/W", w_onnx)]
    if len(ins) > 2 and ins[2] >= 0:
        inputs.append(c.g.const(f"{base}/B", c.weight(ins[2], f"{what} bias")))
    pads = _conv_pads(c, o.Padding(), in_shape[1:3], k_hw, strides, dil)
    suffix = "dwconv" if what == "depthwise" else "conv"
    y = c.g.node("Conv", inputs, f"{base}/{suffix}", kernel_shape=list(k_hw), strides=list(strides),
                 dilations=list(dil), pads=pads, group=group)
    c.activation(y, o.FusedActivationFunction(), outs[0])


def _conv2d(c: _Converter, op: Any, ins: list[int], outs: list[int]) -> None:
    o = c.options(op, "Conv2DOptions")
    w = c.weight(ins[1], "conv kernel")  # [O, KH, KW, I]
    group = c.shape(ins[0])[3] // w.shape[3]
    _emit_conv(c, o, ins, outs, w.transpose(0, 3, 1, 2), w.shape[1:3], group, "conv")


def _depthwise(c: _Converter, op: Any, ins: list[int], outs: list[int]) -> None:
    o = c.options(op, "DepthwiseConv2DOptions")
    w = c.weight(ins[1], "depthwise kernel")  # [1, KH, KW, C * M]
    channels = c.shape(ins[0])[3]
    if w.shape[3] != channels * o.DepthMultiplier() and o.DepthMultiplier() != 0:
        raise EngineError(f"depthwise kernel {w.shape} does not match {channels} channels x "
                          f"multiplier {o.DepthMultiplier()}", _UPDATE_HINT)
    # Output channel c*M + m reads input channel c: exactly ONNX grouped conv with group = C.
    _emit_conv(c, o, ins, outs, w.transpose(3, 0, 1, 2), w.shape[1:3], channels, "depthwise")


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


HANDLERS: dict[str, Callable[[_Converter, Any, list[int], list[int]], None]] = {
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
