"""Is there a usable CUDA device? Asked through the driver API with ctypes, before TensorRT is imported.

Creating a TensorRT runtime on a machine without a working GPU can abort the process, so the
TensorRT backend (and ``auto``) ask here first. Nothing in this module raises: no driver, no device,
or a driver error is answered with the reason, as text.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from dataclasses import dataclass
from functools import lru_cache

log = logging.getLogger(__name__)

# CUdevice_attribute values from cuda.h (stable since CUDA 2.x/5.x).
_ATTR_CC_MAJOR = 75
_ATTR_CC_MINOR = 76
_CUDA_SUCCESS = 0
_LIBRARY_NAMES = ("libcuda.so.1", "libcuda.so", "nvcuda.dll")


@dataclass(frozen=True)
class CudaDevice:
    """One CUDA device as the driver reports it."""

    index: int
    name: str
    compute_capability: tuple[int, int]
    driver_version: int  # e.g. 12040 for CUDA 12.4

    @property
    def label(self) -> str:
        """'NVIDIA H100 80GB HBM3 (sm_90)': the device part of engine cache keys and reports."""
        major, minor = self.compute_capability
        return f"{self.name} (sm_{major}{minor})"


def _load_driver() -> ctypes.CDLL | str:
    errors = []
    for name in _LIBRARY_NAMES:
        try:
            return ctypes.CDLL(name)
        except OSError as exc:
            errors.append(f"{name}: {exc}")
    found = ctypes.util.find_library("cuda")
    if found:
        try:
            return ctypes.CDLL(found)
        except OSError as exc:
            errors.append(f"{found}: {exc}")
    return "no NVIDIA driver (libcuda.so.1 not found)"


def _error_text(lib: ctypes.CDLL, code: int) -> str:
    text = ctypes.c_char_p()
    try:
        if lib.cuGetErrorString(code, ctypes.byref(text)) == _CUDA_SUCCESS and text.value:
            return f"{text.value.decode(errors='replace')} (CUDA error {code})"
    except AttributeError:
        pass
    return f"CUDA error {code}"


def probe_cuda(index: int = 0, *, library: ctypes.CDLL | None = None) -> CudaDevice | str:
    """The CUDA device ``index``, or the reason there is none usable. Never raises."""
    lib = library if library is not None else _load_driver()
    if isinstance(lib, str):
        return lib
    try:
        rc = lib.cuInit(0)
        if rc != _CUDA_SUCCESS:
            return f"the NVIDIA driver did not initialise: {_error_text(lib, rc)}"
        count = ctypes.c_int(0)
        rc = lib.cuDeviceGetCount(ctypes.byref(count))
        if rc != _CUDA_SUCCESS:
            return f"cannot count CUDA devices: {_error_text(lib, rc)}"
        if count.value <= index:
            return f"no CUDA device {index} (the driver sees {count.value})"
        device = ctypes.c_int(0)
        rc = lib.cuDeviceGet(ctypes.byref(device), index)
        if rc != _CUDA_SUCCESS:
            return f"cannot open CUDA device {index}: {_error_text(lib, rc)}"
        name = ctypes.create_string_buffer(256)
        lib.cuDeviceGetName(name, len(name), device)
        major, minor = ctypes.c_int(0), ctypes.c_int(0)
        lib.cuDeviceGetAttribute(ctypes.byref(major), _ATTR_CC_MAJOR, device)
        lib.cuDeviceGetAttribute(ctypes.byref(minor), _ATTR_CC_MINOR, device)
        version = ctypes.c_int(0)
        lib.cuDriverGetVersion(ctypes.byref(version))
    except (AttributeError, OSError) as exc:  # a stub or broken libcuda without these symbols
        return f"the CUDA driver library is unusable ({exc})"
    return CudaDevice(index=index, name=name.value.decode(errors="replace").strip() or "CUDA device",
                      compute_capability=(major.value, minor.value), driver_version=version.value)


@lru_cache(maxsize=4)
def cuda_device(index: int = 0) -> CudaDevice | str:
    """``probe_cuda`` once per process (the answer does not change while we run)."""
    result = probe_cuda(index)
    log.info("CUDA probe: %s", result.label if isinstance(result, CudaDevice) else result)
    return result


@dataclass(frozen=True)
class GpuStatus:
    """``detect_gpu``'s answer: ``available`` with the device, or the reason there is none."""

    available: bool
    device: CudaDevice | None
    reason: str

    def __str__(self) -> str:
        if self.device is None:
            return self.reason
        version = self.device.driver_version
        return f"{self.device.label}, CUDA driver {version // 1000}.{version % 1000 // 10}"


def detect_gpu(index: int = 0) -> GpuStatus:
    """A usable CUDA device for reports (``headshot doctor``): never raises, never imports TensorRT."""
    result = cuda_device(index)
    if isinstance(result, CudaDevice):
        return GpuStatus(True, result, "")
    return GpuStatus(False, None, result)
