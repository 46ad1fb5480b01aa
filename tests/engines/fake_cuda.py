"""Stand-ins for ``pycuda.driver`` and cuda-python's runtime API over fake device memory (a dict).

Strict where CUDA is: the current context is per thread (pycuda's push/pop, cudart's cudaSetDevice), and
every device and pinned host buffer is freed with a context current; ``PINNED`` holds the live ones.
"""

from __future__ import annotations

import ctypes
import itertools
import threading
import types
from enum import Enum

import numpy as np

# -- pycuda.driver ----------------------------------------------------------------------------
_MEMORY: dict[int, bytearray] = {}
_ADDRESSES = itertools.count(0x1000, 0x1000)
_THREAD = threading.local()  # CUDA's current context is per thread
FREED: list[int] = []
PINNED: dict[int, object] = {}  # live pinned host allocations (must be freed)


def stack() -> list[object]:
    """The calling thread's context stack (pycuda pushes; cudart's cudaSetDevice makes one current)."""
    if not hasattr(_THREAD, "stack"):
        _THREAD.stack = []
    return _THREAD.stack


def _check_context() -> None:
    if not stack() and getattr(_THREAD, "device", None) is None:
        raise RuntimeError(f"no CUDA context is current on thread {threading.current_thread().name}")


class _Allocation:
    def __init__(self, size: int) -> None:
        _check_context()
        self.address = next(_ADDRESSES)
        _MEMORY[self.address] = bytearray(size)

    def __int__(self) -> int:
        return self.address

    def free(self) -> None:
        _check_context()
        FREED.append(self.address)
        _MEMORY.pop(self.address)


class _PinnedHost(bytearray):
    """Page-locked host memory: the array's ``base``, with ``free()`` like pycuda's HostAllocation."""

    def free(self) -> None:
        _check_context()
        if PINNED.pop(id(self), None) is None:
            raise RuntimeError("pinned host buffer freed twice")


def _pagelocked_empty(shape, dtype) -> np.ndarray:
    _check_context()
    dtype = np.dtype(dtype)
    memory = _PinnedHost(max(int(np.prod(shape, dtype=np.int64)) * dtype.itemsize, 1))
    PINNED[id(memory)] = memory
    return np.ndarray(shape, dtype, buffer=memory)


class _PrimaryContext:
    detached = 0

    def push(self) -> None:
        stack().append(self)

    def detach(self) -> None:
        _PrimaryContext.detached += 1


class _ContextClass:
    @staticmethod
    def pop() -> None:
        if not stack():
            raise RuntimeError("Context.pop with no context current on this thread")
        stack().pop()


class _Device:
    def __init__(self, index: int) -> None:
        self.index = index

    def retain_primary_context(self) -> _PrimaryContext:
        return _PrimaryContext()


class _Stream:
    handle = 7

    def synchronize(self) -> None:
        _check_context()


def _copy_in(device: _Allocation | int, host: np.ndarray, stream: object) -> None:
    _check_context()
    if len(_MEMORY[int(device)]) != host.nbytes:
        raise RuntimeError("htod size mismatch")
    _MEMORY[int(device)][:] = host.tobytes()


def _copy_out(host: np.ndarray, device: _Allocation | int, stream: object) -> None:
    _check_context()
    host[...] = np.frombuffer(_MEMORY[int(device)], host.dtype).reshape(host.shape)


driver = types.SimpleNamespace(
    init=lambda: None, Device=_Device, Context=_ContextClass, Stream=_Stream,
    pagelocked_empty=_pagelocked_empty,
    mem_alloc=_Allocation, memcpy_htod_async=_copy_in, memcpy_dtoh_async=_copy_out,
)


# -- cuda-python's runtime API (cuda.bindings.runtime) ------------------------------------------------
class _MemcpyKind(Enum):
    cudaMemcpyHostToDevice = 1
    cudaMemcpyDeviceToHost = 2


_HOST_BUFFERS: dict[int, ctypes.Array] = {}


def _set_device(index: int) -> tuple[int]:
    _THREAD.device = index
    return (0,)


def _malloc_host(size: int) -> tuple[int, int]:
    _check_context()
    buffer = (ctypes.c_ubyte * size)()
    _HOST_BUFFERS[ctypes.addressof(buffer)] = buffer
    PINNED[ctypes.addressof(buffer)] = buffer
    return 0, ctypes.addressof(buffer)


def _free_host(pointer: int) -> tuple[int]:
    _check_context()
    PINNED.pop(pointer)
    _HOST_BUFFERS.pop(pointer)
    return (0,)


def _malloc(size: int) -> tuple[int, int]:
    return 0, int(_Allocation(size))


def _free(pointer: int) -> tuple[int]:
    _check_context()
    _MEMORY.pop(pointer)
    FREED.append(pointer)
    return (0,)


def _memcpy_async(dst: int, src: int, count: int, kind: _MemcpyKind, stream: int) -> tuple[int]:
    _check_context()
    if kind is _MemcpyKind.cudaMemcpyHostToDevice:
        if len(_MEMORY[dst]) != count:
            raise RuntimeError("htod size mismatch")
        _MEMORY[dst][:] = ctypes.string_at(src, count)
    else:
        ctypes.memmove(dst, bytes(_MEMORY[src][:count]), count)
    return (0,)


cudart = types.SimpleNamespace(
    cudaSetDevice=_set_device, cudaMallocHost=_malloc_host, cudaFreeHost=_free_host, cudaMalloc=_malloc,
    cudaFree=_free, cudaStreamCreate=lambda: (0, 7), cudaStreamSynchronize=lambda s: (0,) if _check_context()
    is None else (1,), cudaMemcpyAsync=_memcpy_async, cudaMemcpyKind=_MemcpyKind,
)


def reset_thread() -> None:
    """Forget this thread's current device (cudart) and context stack (pycuda): a fresh thread."""
    _THREAD.__dict__.clear()
