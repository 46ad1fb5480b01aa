"""Device memory, pinned host memory, a stream and the CUDA context for the TensorRT backend.

Two interchangeable implementations, whichever imports (pycuda first, the one users asked for):

* ``pycuda`` (``pycuda.driver``): the device's primary context, pushed around every call and popped
  after, so an engine opened on one thread runs on another (the live loop's worker); pycuda has no
  wheels and compiles against the CUDA toolkit;
* ``cuda-python`` (NVIDIA's bindings, ``cuda.bindings.runtime`` or the older ``cuda.cudart``): the
  runtime API, whose primary context is made current per thread by ``cudaSetDevice``; it has wheels.

Both are imported only after ``gpu.cuda_device()`` found a device. Every buffer handed out must be
given back (``free_pinned``/``free``) before ``close``.
"""

from __future__ import annotations

import contextlib
import ctypes
from collections.abc import Iterator
from typing import Any

import numpy as np

from engines.errors import EngineError

RUNTIMES = ("pycuda", "cuda-python")


class PycudaRuntime:
    """pycuda.driver: primary context pushed/popped around each use."""

    name = "pycuda"

    def __init__(self, driver: Any, index: int) -> None:
        self._cuda = driver
        self._cuda.init()
        self._ctx = self._cuda.Device(index).retain_primary_context()
        self._allocations: dict[int, Any] = {}

    @contextlib.contextmanager
    def current(self) -> Iterator[None]:
        self._ctx.push()
        try:
            yield
        finally:
            self._cuda.Context.pop()

    def pinned(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        return self._cuda.pagelocked_empty(shape, dtype)

    def free_pinned(self, host: np.ndarray) -> None:
        base = getattr(host, "base", None)
        if base is not None and hasattr(base, "free"):
            base.free()

    def alloc(self, nbytes: int) -> int:
        allocation = self._cuda.mem_alloc(max(nbytes, 1))
        self._allocations[int(allocation)] = allocation
        return int(allocation)

    def free(self, pointer: int) -> None:
        self._allocations.pop(pointer).free()

    def stream(self) -> Any:
        return self._cuda.Stream()

    def stream_handle(self, stream: Any) -> int:
        return int(stream.handle)

    def to_device(self, pointer: int, host: np.ndarray, stream: Any) -> None:
        self._cuda.memcpy_htod_async(self._allocations[pointer], host, stream)

    def to_host(self, host: np.ndarray, pointer: int, stream: Any) -> None:
        self._cuda.memcpy_dtoh_async(host, self._allocations[pointer], stream)

    def synchronize(self, stream: Any) -> None:
        stream.synchronize()

    def close(self) -> None:
        self._ctx.detach()


class CudaPythonRuntime:
    """cuda-python's runtime API: every call returns (error, value...); errors become EngineError."""

    name = "cuda-python"

    def __init__(self, cudart: Any, index: int) -> None:
        self._rt = cudart
        self._index = index
        self._pinned: dict[int, int] = {}  # host array data address -> cudaMallocHost pointer
        self._check(self._rt.cudaSetDevice(index), "cudaSetDevice")

    def _check(self, result: Any, call: str) -> Any:
        err, *values = result if isinstance(result, tuple) else (result,)
        success = getattr(getattr(self._rt, "cudaError_t", None), "cudaSuccess", 0)
        if err != success and err != 0:
            raise EngineError(f"CUDA {call} failed ({err})", "check the GPU and driver, or use --backend onnxruntime")
        return values[0] if len(values) == 1 else values

    @contextlib.contextmanager
    def current(self) -> Iterator[None]:
        self._check(self._rt.cudaSetDevice(self._index), "cudaSetDevice")  # per-thread current device
        yield

    def pinned(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        nbytes = max(int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize, 1)
        pointer = int(self._check(self._rt.cudaMallocHost(nbytes), "cudaMallocHost"))
        raw = (ctypes.c_ubyte * nbytes).from_address(pointer)
        host = np.ndarray(shape, np.dtype(dtype), buffer=raw)
        self._pinned[host.ctypes.data] = pointer
        return host

    def free_pinned(self, host: np.ndarray) -> None:
        pointer = self._pinned.pop(host.ctypes.data)
        self._check(self._rt.cudaFreeHost(pointer), "cudaFreeHost")

    def alloc(self, nbytes: int) -> int:
        return int(self._check(self._rt.cudaMalloc(max(nbytes, 1)), "cudaMalloc"))

    def free(self, pointer: int) -> None:
        self._check(self._rt.cudaFree(pointer), "cudaFree")

    def stream(self) -> Any:
        return self._check(self._rt.cudaStreamCreate(), "cudaStreamCreate")

    def stream_handle(self, stream: Any) -> int:
        return int(stream)

    def to_device(self, pointer: int, host: np.ndarray, stream: Any) -> None:
        kind = self._rt.cudaMemcpyKind.cudaMemcpyHostToDevice
        self._check(self._rt.cudaMemcpyAsync(pointer, host.ctypes.data, host.nbytes, kind, stream), "cudaMemcpyAsync")

    def to_host(self, host: np.ndarray, pointer: int, stream: Any) -> None:
        kind = self._rt.cudaMemcpyKind.cudaMemcpyDeviceToHost
        self._check(self._rt.cudaMemcpyAsync(host.ctypes.data, pointer, host.nbytes, kind, stream), "cudaMemcpyAsync")

    def synchronize(self, stream: Any) -> None:
        self._check(self._rt.cudaStreamSynchronize(stream), "cudaStreamSynchronize")

    def close(self) -> None:
        if self._pinned:
            raise EngineError(f"{len(self._pinned)} pinned buffers were not freed", "report this bug")


def open_gpu_runtime(index: int) -> PycudaRuntime | CudaPythonRuntime:
    """pycuda if it imports, else cuda-python; a typed error naming both when neither does."""
    errors = []
    try:
        import pycuda.driver as driver

        return PycudaRuntime(driver, index)
    except ImportError as exc:
        errors.append(f"pycuda: {exc}")
    for module in ("cuda.bindings.runtime", "cuda.cudart"):
        try:
            cudart = __import__(module, fromlist=["_"])
        except ImportError as exc:
            errors.append(f"{module}: {exc}")
            continue
        return CudaPythonRuntime(cudart, index)
    raise EngineError(f"TensorRT backend unavailable: neither pycuda nor cuda-python imports ({'; '.join(errors)})",
                      "pip install cuda-python (wheels) or pycuda (needs the CUDA toolkit), or use "
                      "--backend onnxruntime")
