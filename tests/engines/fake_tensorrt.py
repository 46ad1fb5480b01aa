"""Stand-ins for ``tensorrt`` and ``pycuda.driver`` that run the ONNX with ONNX Runtime.

They implement only the API subset the TensorRT backend uses, and check how it is used (profile bounds,
every tensor address set, copy sizes, the CUDA context pushed), so the backend's Python is exercised end
to end on a machine without a GPU. The real thing is covered by the ``gpu``-marked tests.
"""

from __future__ import annotations

import itertools
import json
import types
from enum import Enum, IntEnum

import numpy as np
import onnx
import onnxruntime as ort

__version__ = "10.99.0"
_MAGIC = b"FAKEPLAN"
_NP = {1: np.float32, 10: np.float16, 2: np.uint8, 3: np.int8, 6: np.int32, 7: np.int64}


class DataType(Enum):
    FLOAT = np.float32
    HALF = np.float16
    UINT8 = np.uint8
    INT32 = np.int32


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


class OnnxParser:
    def __init__(self, network: _Network, logger: Logger) -> None:
        self.network, self.num_errors = network, 0

    def parse(self, data: bytes) -> bool:
        self.network.model = onnx.load_from_string(data)
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
        meta = {"flags": sorted(config.flags), "strongly_typed": bool(network.flags), "profile": shapes,
                "fp16_weights": fp16}
        header = json.dumps(meta).encode()
        BUILDS.append(json.loads(header))
        return _MAGIC + len(header).to_bytes(4, "little") + header + network.model.SerializeToString()


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
        kind = self._arg(name).type
        return {"tensor(float)": DataType.FLOAT, "tensor(uint8)": DataType.UINT8,
                "tensor(float16)": DataType.HALF}[kind]

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
        if not data.startswith(_MAGIC):
            return None
        size = int.from_bytes(data[8:12], "little")
        meta = json.loads(data[12:12 + size])
        return _Engine(onnx.load_from_string(data[12 + size:]), meta)


# -- pycuda.driver ----------------------------------------------------------------------------
_MEMORY: dict[int, bytearray] = {}
_ADDRESSES = itertools.count(0x1000, 0x1000)
_STACK: list[object] = []
FREED: list[int] = []


def _check_context() -> None:
    if not _STACK:
        raise RuntimeError("no CUDA context is current")


class _Allocation:
    def __init__(self, size: int) -> None:
        self.address = next(_ADDRESSES)
        _MEMORY[self.address] = bytearray(size)

    def __int__(self) -> int:
        return self.address

    def free(self) -> None:
        _check_context()
        FREED.append(self.address)
        _MEMORY.pop(self.address)


class _PrimaryContext:
    detached = 0

    def push(self) -> None:
        _STACK.append(self)

    def detach(self) -> None:
        _PrimaryContext.detached += 1


class _ContextClass:
    @staticmethod
    def pop() -> None:
        _STACK.pop()


class _Device:
    def __init__(self, index: int) -> None:
        self.index = index

    def retain_primary_context(self) -> _PrimaryContext:
        return _PrimaryContext()


class _Stream:
    handle = 7

    def synchronize(self) -> None:
        _check_context()


def _copy_in(device: _Allocation, host: np.ndarray, stream: _Stream) -> None:
    _check_context()
    if len(_MEMORY[int(device)]) != host.nbytes:
        raise RuntimeError("htod size mismatch")
    _MEMORY[int(device)][:] = host.tobytes()


def _copy_out(host: np.ndarray, device: _Allocation, stream: _Stream) -> None:
    _check_context()
    host[...] = np.frombuffer(_MEMORY[int(device)], host.dtype).reshape(host.shape)


driver = types.SimpleNamespace(
    init=lambda: None, Device=_Device, Context=_ContextClass, Stream=_Stream,
    pagelocked_empty=lambda shape, dtype: np.empty(shape, dtype),
    mem_alloc=_Allocation, memcpy_htod_async=_copy_in, memcpy_dtoh_async=_copy_out,
)
