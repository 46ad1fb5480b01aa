"""The TensorRT backend's decisions, as pure functions tested without a GPU.

Shape profile, precision -> build plan (builder flags or a strongly typed fp16/Q-DQ ONNX), the engine
cache key, the host/device buffer plan from the engine's tensor table, and the one-line errors.
``engines.backends.tensorrt`` only carries these out with the TensorRT and pycuda APIs.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

import numpy as np

from engines.backends.gpu import CudaDevice
from engines.cache import CacheKey
from engines.errors import EngineError

INSTALL_FIX = ("pip install 'headshot-studio[tensorrt-cuda-python]' (TensorRT 10 and cuda-python) or "
               "'headshot-studio[tensorrt]' (with pycuda), or use --backend onnxruntime")
DEFAULT_WORKSPACE_MB = 1024
TRT_LIBRARY = "tensorrt"  # the ``library`` of engine cache keys is "tensorrt <version>"
# TensorRT DataType names -> numpy dtype names (trt.nptype does the same at run time).
TRT_DTYPES = {"FLOAT": "float32", "HALF": "float16", "INT8": "int8", "INT32": "int32", "INT64": "int64",
              "UINT8": "uint8", "BOOL": "bool"}


@dataclass(frozen=True)
class ShapeProfile:
    """min / opt / max frame sizes (NHWC) for the dynamic ``frame`` input."""

    min: tuple[int, int, int, int] = (1, 360, 640, 3)
    opt: tuple[int, int, int, int] = (1, 720, 1280, 3)
    max: tuple[int, int, int, int] = (1, 1080, 1920, 3)

    def __post_init__(self) -> None:
        if not all(a <= b <= c for a, b, c in zip(self.min, self.opt, self.max, strict=True)):
            raise EngineError(f"shape profile must have min <= opt <= max, got {self.min} {self.opt} {self.max}",
                              "fix the profile sizes")

    @property
    def text(self) -> str:
        """'1x360x640x3..1x720x1280x3..1x1080x1920x3': the profile part of the cache key."""
        return "..".join("x".join(str(d) for d in s) for s in (self.min, self.opt, self.max))

    def check(self, shape: tuple[int, ...]) -> None:
        """Refuse a frame the engine was not built for, with the fix."""
        if len(shape) != 4 or not all(lo <= d <= hi for lo, d, hi in zip(self.min, shape, self.max, strict=True)):
            raise EngineError(
                f"frame {shape[2]}x{shape[1]} is outside the TensorRT engine's size range "
                f"{self.min[2]}x{self.min[1]} .. {self.max[2]}x{self.max[1]}",
                "resize the input, or use --backend onnxruntime")


DEFAULT_PROFILE = ShapeProfile()


@dataclass(frozen=True)
class TensorRow:
    """One engine I/O tensor as the engine reports it (shape -1 for dynamic)."""

    name: str
    is_input: bool
    dtype: str  # numpy dtype name
    shape: tuple[int, ...]


def profile_inputs(rows: list[TensorRow], profile: ShapeProfile) -> dict[str, tuple[tuple[int, ...], ...]]:
    """Optimization-profile shapes per dynamic input: only ``frame`` may be dynamic (NHWC)."""
    out = {}
    for row in rows:
        if row.is_input and any(d < 0 for d in row.shape):
            if row.name != "frame" or len(row.shape) != 4:
                raise EngineError(f"input {row.name!r} has dynamic shape {row.shape}; only 'frame' may",
                                  "export the model with fixed shapes except the frame's height and width")
            out[row.name] = (profile.min, profile.opt, profile.max)
    return out


@dataclass(frozen=True)
class BuildPlan:
    """How to build at a precision: which ONNX to parse, which builder flags, strongly typed or not."""

    onnx_variant: str  # "fp32" | "fp16" | "qdq"
    flags: tuple[str, ...]
    strongly_typed: bool


def build_plan(precision: str, *, builder_flags: set[str], has_strongly_typed: bool) -> BuildPlan:
    """TensorRT 10 has BuilderFlag.FP16/INT8 (weak typing); TensorRT 11 has neither and is strongly typed,
    so fp16 there is an fp16 ONNX and int8 an explicitly quantized (Q/DQ) one."""
    if precision == "fp32":
        return BuildPlan("fp32", (), False)
    if precision == "fp16":
        if "FP16" in builder_flags:
            return BuildPlan("fp32", ("FP16",), False)
        if has_strongly_typed:
            return BuildPlan("fp16", (), True)
        raise EngineError("this TensorRT has neither BuilderFlag.FP16 nor strongly typed networks",
                          "install tensorrt 10 or newer")
    if precision == "int8":
        if "INT8" in builder_flags:  # TensorRT 10: Q/DQ layers still need INT8 enabled; FP16 for the rest
            return BuildPlan("qdq", tuple(f for f in ("INT8", "FP16") if f in builder_flags), False)
        if has_strongly_typed:
            return BuildPlan("qdq", (), True)
        raise EngineError("this TensorRT cannot build int8 engines", "install tensorrt 10 or newer")
    raise EngineError(f"precision: expected fp32, fp16 or int8, got {precision!r}", "use --precision fp16")


def engine_key(onnx_sha256: str, *, precision: str, device: CudaDevice, trt_version: str,
               profile: ShapeProfile, flags: tuple[str, ...] = (), strongly_typed: bool = False,
               workspace: int = DEFAULT_WORKSPACE_MB << 20) -> CacheKey:
    """Serialized engines are valid only for this ONNX, precision, GPU, TensorRT version and profile; the
    builder flags, typing mode and workspace limit change what TensorRT builds, so they are keyed too."""
    options = (f"flags {'+'.join(sorted(flags)) or 'none'}; {'strongly typed' if strongly_typed else 'weakly typed'}; "
               f"workspace {workspace >> 20} MiB")
    return CacheKey(kind="engines", source_sha256=onnx_sha256, backend="tensorrt", precision=precision,
                    device=device.label, library=f"{TRT_LIBRARY} {trt_version}", profile=profile.text,
                    options=options)


def timing_cache_name(device: CudaDevice, trt_version: str) -> str:
    """One timing cache per GPU model and TensorRT version (it is only valid for those)."""
    safe = "".join(ch if ch.isalnum() else "-" for ch in device.label).strip("-")
    return f"timing-{safe}-trt{trt_version}.cache"


@dataclass(frozen=True)
class Buffer:
    """A host/device buffer pair to allocate for one I/O tensor at one frame shape."""

    name: str
    is_input: bool
    dtype: str
    shape: tuple[int, ...]

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * np.dtype(self.dtype).itemsize


def plan_buffers(rows: list[TensorRow], resolved: dict[str, tuple[int, ...]]) -> list[Buffer]:
    """Buffers for every I/O tensor once input shapes are set: ``resolved`` holds the context's shapes."""
    plan = []
    for row in rows:
        shape = tuple(int(d) for d in resolved.get(row.name, row.shape))
        if any(d < 0 for d in shape):
            raise EngineError(f"TensorRT could not resolve the shape of {row.name!r} ({shape})",
                              "set every input shape before running")
        plan.append(Buffer(row.name, row.is_input, row.dtype, shape))
    return plan


def trt_dtype_name(dtype_name: str) -> str:
    """numpy dtype name for a TensorRT DataType name ('DataType.HALF' or 'HALF')."""
    key = dtype_name.rsplit(".", 1)[-1]
    if key not in TRT_DTYPES:
        raise EngineError(f"TensorRT tensor type {dtype_name} has no numpy equivalent here",
                          "use a model with float32, float16, uint8 or int32 I/O")
    return TRT_DTYPES[key]


def installed_tensorrt_version() -> str | None:
    """The installed TensorRT's version from package metadata (no import: no GPU needed), or None."""
    for dist in ("tensorrt", "tensorrt-cu12", "tensorrt-cu11", "tensorrt-cu13"):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return None


GPU_FIX = "run on a machine with an NVIDIA GPU and driver, or use --backend onnxruntime"


def unavailable_error(reason: str) -> EngineError:
    """The one-line error for ``--backend tensorrt`` when it cannot run here, with the fix that applies."""
    no_gpu = "CUDA device" in reason or "driver" in reason
    return EngineError(f"TensorRT backend unavailable: {reason}", GPU_FIX if no_gpu else INSTALL_FIX)
