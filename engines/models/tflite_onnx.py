"""Convert MediaPipe's selfie-segmentation .tflite to ONNX, with no TensorFlow.

The .tflite is a flatbuffer; we read it with the schema the mediapipe wheel ships
(``mediapipe/tasks/metadata/schema_py_generated.py``) and write the same network with ``onnx.helper``.

Layout: the ONNX model keeps TFLite's NHWC at its boundary (input ``[1, H, W, 3]`` float in [0, 1],
output ``[1, H, W, 1]`` person probability) so it is a drop-in replacement for the .tflite, and runs NCHW
inside (one Transpose after the input, one before the output), because NCHW is what ONNX convolution
operators and TensorRT want. Every 4-D activation inside the graph is NCHW; constants are permuted when
they are written, so the graph holds no other transposes.

Only the operators these models use are supported (one handler each, in ``engines.models.tflite_ops``);
anything else raises ``EngineError`` naming it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from engines.errors import EngineError
from engines.models.tflite_ops import _NCHW_TO_NHWC, _NHWC_TO_NCHW, _UPDATE_HINT, HANDLERS

ONNX_OPSET = 17
INPUT_NAME = "input"
OUTPUT_NAME = "mask"
# Bump when the converter's output changes, so cached conversions are rebuilt.
CONVERTER_VERSION = "1"


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
        handler = HANDLERS.get(opname)
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


def convert_tflite(data: bytes, *, opset: int = ONNX_OPSET, doc: str = "") -> onnx.ModelProto:
    """Convert a TFLite flatbuffer (bytes) to an ONNX model with NHWC input ``input`` and output ``mask``.

    Raises ``EngineError`` naming the first unsupported operator or malformed piece.
    """
    if opset < 14:
        raise EngineError(f"expected ONNX opset >= 14 (HardSwish), got {opset}", "use the default opset")
    return _Converter(data).convert(opset=opset, doc=doc)
