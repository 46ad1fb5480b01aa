"""A thin node-emitting helper over ``onnx.helper`` for the studio graph.

Every helper returns the name of the tensor it produced, so graph code reads like the arithmetic it
does. Only standard opset-17 operators that TensorRT 10 parses are emitted (no custom ops, no control
flow), because the same graph is compiled by TensorRT on GPUs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def gaussian_kernel(sigma: float) -> np.ndarray:
    """Normalised 1-D Gaussian taps, radius 3 sigma (at least 1)."""
    radius = max(1, int(np.ceil(3.0 * sigma)))
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return (k / k.sum()).astype(np.float32)


class GraphBuilder:
    """Collects nodes and initializers; names are unique and prefixed by the stage that made them."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count = 0
        self._consts: dict[tuple[Any, ...], str] = {}
        self.stage = "g"
        self.debug: dict[str, str] = {}  # named intermediate tensors, for inspection tools
        self._slots: dict[str, list[str]] = {}
        self._ranges: dict[tuple[Any, ...], str] = {}

    def _name(self, base: str) -> str:
        self._count += 1
        return f"{self.stage}/{base}_{self._count}"

    # -- constants -------------------------------------------------------------------------------
    def const(self, value: Any, dtype: type = np.float32) -> str:
        """An initializer (deduplicated by value, so repeated scalars cost nothing)."""
        array = np.asarray(value, dtype=dtype)
        key = (array.dtype.str, array.shape, array.tobytes())
        if key not in self._consts:
            name = self._name("const")
            self.initializers.append(numpy_helper.from_array(array, name))
            self._consts[key] = name
        return self._consts[key]

    def ints(self, values: Sequence[int]) -> str:
        return self.const(list(values), np.int64)

    # -- nodes -----------------------------------------------------------------------------------
    def op(self, op_type: str, *inputs: str, n_out: int = 1, **attrs: Any) -> Any:
        """Emit one node; returns its output name (or a list of names when ``n_out`` > 1)."""
        outs = [self._name(op_type.lower()) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, name=self._name(op_type), **attrs))
        return outs[0] if n_out == 1 else outs

    def add(self, a: str, b: str) -> str:
        return self.op("Add", a, b)

    def sub(self, a: str, b: str) -> str:
        return self.op("Sub", a, b)

    def mul(self, a: str, b: str) -> str:
        return self.op("Mul", a, b)

    def div(self, a: str, b: str) -> str:
        return self.op("Div", a, b)

    def scale(self, a: str, factor: float) -> str:
        return self.mul(a, self.const(factor))

    def offset(self, a: str, value: float) -> str:
        return self.add(a, self.const(value))

    def clip(self, a: str, low: float, high: float) -> str:
        return self.op("Clip", a, self.const(low), self.const(high))

    def concat(self, items: Sequence[str], axis: int) -> str:
        return self.op("Concat", *items, axis=axis)

    def reshape(self, a: str, shape: Sequence[int]) -> str:
        return self.op("Reshape", a, self.ints(shape))

    def setting(self, settings: str, index: int | slice, shape: Sequence[int] | None = None) -> str:
        """One settings slot as a [1] tensor (broadcasts against anything), or a range reshaped to ``shape``.

        Slots are cut from the settings vector by a single Split, cached: the graph has few
        per-frame scalar nodes, which matters on the CPU where every node costs a dispatch.
        """
        if settings not in self._slots:
            from engines.settings import SETTINGS_SIZE

            stage, self.stage = self.stage, "settings"
            self._slots[settings] = self.op("Split", settings, axis=0, n_out=SETTINGS_SIZE)
            self.stage = stage
        slots = self._slots[settings]
        if isinstance(index, int) and shape is None:
            return slots[index]
        key = (settings, index if isinstance(index, int) else (index.start, index.stop), tuple(shape or ()))
        if key not in self._ranges:
            picked = [slots[index]] if isinstance(index, int) else slots[index]
            joined = picked[0] if len(picked) == 1 else self.concat(picked, axis=0)
            self._ranges[key] = self.reshape(joined, shape) if shape is not None else joined
        return self._ranges[key]

    # -- filters (NCHW) --------------------------------------------------------------------------
    def box(self, x: str, radius: int) -> str:
        """Mean over a (2r+1)^2 window; border windows average only real pixels (no dark rim)."""
        k = 2 * radius + 1
        return self.op(
            "AveragePool", x, kernel_shape=[k, k], pads=[radius] * 4, strides=[1, 1], count_include_pad=0
        )

    def pool(self, x: str, factor: int) -> str:
        """Downsample by an integer factor with a block mean (the pyramid step)."""
        return self.op("AveragePool", x, kernel_shape=[factor, factor], strides=[factor, factor])

    def gauss(self, x: str, channels: int, sigma_y: float, sigma_x: float, *, edge: bool = False) -> str:
        """Separable Gaussian blur, one depthwise Conv per axis.

        Borders are zero-padded (right for normalised convolution, where the weights see the same
        zeros and the ratio stays exact); ``edge=True`` replicates the border instead, for a plain blur.
        """
        out = x
        for axis, sigma in ((3, sigma_x), (2, sigma_y)):
            taps = gaussian_kernel(sigma)
            r = len(taps) // 2
            shape = [channels, 1, 1, len(taps)] if axis == 3 else [channels, 1, len(taps), 1]
            weight = self.const(np.broadcast_to(taps.reshape(shape[1:]), shape).copy())
            conv_pads = [0, r, 0, r] if axis == 3 else [r, 0, r, 0]
            if edge:
                pads = [0, 0, 0, r, 0, 0, 0, r] if axis == 3 else [0, 0, r, 0, 0, 0, r, 0]
                out = self.op("Pad", out, self.ints(pads), mode="edge")
                conv_pads = [0, 0, 0, 0]
            out = self.op("Conv", out, weight, group=channels, pads=conv_pads)
        return out

    def resize(self, x: str, sizes: str, mode: str) -> str:
        """Bilinear resize to ``sizes`` (an int64 [4] tensor) with the given coordinate mapping."""
        return self.op("Resize", x, "", "", sizes, mode="linear", coordinate_transformation_mode=mode)

    def model(
        self,
        inputs: list[onnx.ValueInfoProto],
        outputs: list[onnx.ValueInfoProto],
        name: str,
        doc: str,
    ) -> onnx.ModelProto:
        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], doc_string=doc)
        model.ir_version = 8  # opset 17 with IR 8: loadable by TensorRT 10's parser and ONNX Runtime
        return model


def value_info(name: str, dtype: int, shape: Sequence[int | str]) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, dtype, list(shape))


FLOAT = TensorProto.FLOAT
UINT8 = TensorProto.UINT8
