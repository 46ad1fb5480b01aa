"""Stand-ins for ``tensorrt``, ``pycuda.driver`` and cuda-python's ``cudart`` that run the ONNX with ONNX Runtime.

They implement only the API subset the TensorRT backend uses, and are strict where TensorRT and CUDA are:
the parser refuses what TensorRT 10's parser refuses (``trt_rules.lint``: uint8 intermediates, int32
dequantization, operators and types, dynamic inputs); a builder with the FP16 flag runs the graph in
fp16, so results differ from ONNX Runtime's fp32 as a GPU's do; the CUDA context is current per thread
(a call on a thread that did not make it current fails); device and pinned host buffers must be freed,
with a context current; profile bounds, tensor addresses and copy sizes are checked. The real thing is
covered by the ``gpu``-marked tests.
"""

from __future__ import annotations

import json
from enum import Enum, IntEnum

import numpy as np
import onnx
import onnxruntime as ort

from tests.engines.fake_cuda import _MEMORY, PINNED, _check_context, cudart, driver, reset_thread, stack
from tests.engines.trt_rules import lint

__all__ = ["PINNED", "cudart", "driver", "reset_thread", "stack"]

__version__ = "10.99.0"
_MAGIC = b"FAKEPLAN"
_NP = {1: np.float32, 10: np.float16, 2: np.uint8, 3: np.int8, 6: np.int32, 7: np.int64, 9: np.bool_}
_ORT_TYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16, "tensor(uint8)": np.uint8,
              "tensor(int8)": np.int8, "tensor(int32)": np.int32, "tensor(int64)": np.int64, "tensor(bool)": np.bool_}


class DataType(Enum):
    FLOAT = np.float32
    HALF = np.float16
    UINT8 = np.uint8
    INT8 = np.int8
    INT32 = np.int32
    INT64 = np.int64
    BOOL = np.bool_


def nptype(dtype: DataType) -> type:
    return dtype.value


class BuilderFlag(IntEnum):
    FP16 = 1
    INT8 = 2


class NetworkDefinitionCreationFlag(IntEnum):
    STRONGLY_TYPED = 5


class MemoryPoolType(IntEnum):
    WORKSPACE = 0


class TensorIOMode(Enum):
    INPUT = 1
    OUTPUT = 2


class Logger:
    WARNING = 2

    def __init__(self, level: int) -> None:
        self.level = level


class _Tensor:
    def __init__(self, value: onnx.ValueInfoProto) -> None:
        self.name = value.name
        self.dtype = DataType(_NP[value.type.tensor_type.elem_type])
        self.shape = tuple(d.dim_value if d.HasField("dim_value") else -1 for d in value.type.tensor_type.shape.dim)


class _Network:
    def __init__(self, flags: int) -> None:
        self.flags, self.model = flags, None

    @property
    def num_inputs(self) -> int:
        return len(self.model.graph.input)

    def get_input(self, i: int) -> _Tensor:
        return _Tensor(self.model.graph.input[i])


class _ParserError:
    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


class OnnxParser:
    """Parses only what TensorRT 10's parser accepts (the lint's rules); errors like the real one's."""

    def __init__(self, network: _Network, logger: Logger) -> None:
        self.network, self._errors = network, []

    @property
    def num_errors(self) -> int:
        return len(self._errors)

    def get_error(self, i: int) -> _ParserError:
        return self._errors[i]

    def parse(self, data: bytes) -> bool:
        model = onnx.load_from_string(data)
        self._errors = [_ParserError(line) for line in lint(model)]
        if self._errors:
            return False
        self.network.model = model
        return True


class _Profile:
    def __init__(self) -> None:
        self.shapes: dict[str, tuple] = {}

    def set_shape(self, name, lo, opt, hi) -> None:
        self.shapes[name] = (tuple(lo), tuple(opt), tuple(hi))


class _TimingCache:
    def __init__(self, data: bytes) -> None:
        self.data = data or b"timing"

    def serialize(self) -> bytes:
        return self.data + b"+"


class _Config:
    def __init__(self) -> None:
        self.flags, self.profiles, self.pool, self.timing = set(), [], {}, None

    def set_memory_pool_limit(self, pool, size) -> None:
        self.pool[pool] = size

    def set_flag(self, flag) -> None:
        self.flags.add(flag.name)

    def add_optimization_profile(self, profile) -> None:
        self.profiles.append(profile)

    def create_timing_cache(self, data: bytes) -> _TimingCache:
        return _TimingCache(bytes(data))

    def set_timing_cache(self, cache, ignore_mismatch) -> None:
        self.timing = cache

    def get_timing_cache(self) -> _TimingCache:
        return self.timing


BUILDS: list[dict] = []  # what was built, for tests to inspect


class Builder:
    def __init__(self, logger: Logger) -> None:
        self.logger = logger

    def create_network(self, flags: int = 0) -> _Network:
        return _Network(flags)

    def create_builder_config(self) -> _Config:
        return _Config()

    def create_optimization_profile(self) -> _Profile:
        return _Profile()

    def build_serialized_network(self, network: _Network, config: _Config) -> bytes:
        shapes = {k: v for p in config.profiles for k, v in p.shapes.items()}
        fp16 = any(i.data_type == onnx.TensorProto.FLOAT16 for i in network.model.graph.initializer)
        if network.model is None:
            raise RuntimeError("build_serialized_network on a network the parser did not fill")
        meta = {"flags": sorted(config.flags), "strongly_typed": bool(network.flags), "profile": shapes,
                "fp16_weights": fp16}
        header = json.dumps(meta).encode()
        BUILDS.append(json.loads(header))
        model = network.model
        if "FP16" in config.flags and not fp16:  # TensorRT may run any layer in fp16: the whole graph here
            from engines.precision import to_fp16

            model = to_fp16(model)
        return _MAGIC + len(header).to_bytes(4, "little") + header + model.SerializeToString()


class _Engine:
    def __init__(self, model: onnx.ModelProto, meta: dict) -> None:
        self.session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        self.meta = meta
        self.io = [(a.name, TensorIOMode.INPUT, a) for a in self.session.get_inputs()] + \
                  [(a.name, TensorIOMode.OUTPUT, a) for a in self.session.get_outputs()]

    @property
    def num_io_tensors(self) -> int:
        return len(self.io)

    def get_tensor_name(self, i: int) -> str:
        return self.io[i][0]

    def _arg(self, name: str):
        return next(a for n, _, a in self.io if n == name)

    def get_tensor_mode(self, name: str) -> TensorIOMode:
        return next(m for n, m, _ in self.io if n == name)

    def get_tensor_dtype(self, name: str) -> DataType:
        return DataType(_ORT_TYPES[self._arg(name).type])

    def get_tensor_shape(self, name: str) -> tuple:
        return tuple(d if isinstance(d, int) else -1 for d in self._arg(name).shape)

    def create_execution_context(self) -> _Context:
        return _Context(self)


class _Context:
    def __init__(self, engine: _Engine) -> None:
        self.engine, self.shapes, self.addresses = engine, {}, {}

    def set_input_shape(self, name: str, shape) -> bool:
        _check_context()
        bounds = self.engine.meta["profile"].get(name)
        if bounds and not all(lo <= d <= hi for lo, d, hi in zip(bounds[0], shape, bounds[2], strict=True)):
            return False
        self.shapes[name] = tuple(shape)
        return True

    def infer_shapes(self) -> list[str]:
        return [n for n, m, _ in self.engine.io if m is TensorIOMode.INPUT and -1 in self.engine.get_tensor_shape(n)
                and n not in self.shapes]

    def get_tensor_shape(self, name: str) -> tuple:
        if name in self.shapes:
            return self.shapes[name]
        feeds = {n: np.zeros(self.shapes.get(n, self.engine.get_tensor_shape(n)), self.engine.get_tensor_dtype(n).value)
                 for n, m, _ in self.engine.io if m is TensorIOMode.INPUT}
        outs = self.engine.session.run([name], feeds)
        return outs[0].shape

    def set_tensor_address(self, name: str, address: int) -> bool:
        self.addresses[name] = address
        return True

    def execute_async_v3(self, stream_handle: int) -> bool:
        _check_context()
        if set(self.addresses) != {n for n, _, _ in self.engine.io}:
            raise RuntimeError("execute_async_v3 with tensor addresses missing")
        feeds = {}
        for name, mode, _ in self.engine.io:
            if mode is TensorIOMode.INPUT:
                dtype = self.engine.get_tensor_dtype(name).value
                feeds[name] = np.frombuffer(_MEMORY[self.addresses[name]], dtype).reshape(self.shapes.get(
                    name, self.engine.get_tensor_shape(name))).copy()
        names = [n for n, m, _ in self.engine.io if m is TensorIOMode.OUTPUT]
        for name, value in zip(names, self.engine.session.run(names, feeds), strict=True):
            buf = _MEMORY[self.addresses[name]]
            if len(buf) != value.nbytes:
                raise RuntimeError(f"output buffer {name} has {len(buf)} bytes, needs {value.nbytes}")
            buf[:] = value.tobytes()
        return True


class Runtime:
    def __init__(self, logger: Logger) -> None:
        _check_context()

    def deserialize_cuda_engine(self, data: bytes):
        _check_context()
        if not data.startswith(_MAGIC):
            return None
        size = int.from_bytes(data[8:12], "little")
        meta = json.loads(data[12:12 + size])
        return _Engine(onnx.load_from_string(data[12 + size:]), meta)
