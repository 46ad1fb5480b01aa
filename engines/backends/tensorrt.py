"""TensorRT backend (NVIDIA GPUs), with pycuda or cuda-python for memory and the stream.

Build offline, run lean: the ONNX is compiled once per (model, precision, GPU, TensorRT version, shape
profile) and the serialized engine cached on disk (``engines.cache``); later opens deserialize it.
Per frame: copy inputs into page-locked host buffers, one async host->device copy each, execute_async_v3,
async device->host copies, one stream synchronisation. Buffers are allocated once per frame size.

Neither ``tensorrt`` nor the CUDA bindings are imported until ``gpu.cuda_device()`` has found a usable device,
because creating a TensorRT runtime without one can abort the process. All decisions that need no GPU
live in ``tensorrt_plan`` and are unit-tested there.

CUDA context: the device's primary context, made current around every call on the calling thread
(``cuda_runtime``), so an engine opened on one thread can run on another (the live loop's worker).
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import onnx

from engines.backends.base import Engine, EngineInfo, TensorSpec
from engines.backends.cuda_runtime import CudaPythonRuntime, PycudaRuntime, open_gpu_runtime
from engines.backends.gpu import CudaDevice, cuda_device
from engines.backends.registry import tensorrt_unavailable
from engines.backends.tensorrt_plan import (
    DEFAULT_PROFILE,
    DEFAULT_WORKSPACE_MB,
    Buffer,
    BuildPlan,
    ShapeProfile,
    TensorRow,
    build_plan,
    engine_key,
    plan_buffers,
    profile_inputs,
    timing_cache_name,
    trt_dtype_name,
    unavailable_error,
)
from engines.cache import ArtifactCache, CacheKey
from engines.errors import EngineError
from engines.precision import model_for_precision

log = logging.getLogger(__name__)


def _import_tensorrt() -> Any:
    try:
        import tensorrt as trt
    except ImportError as exc:
        raise unavailable_error(f"tensorrt is not importable ({exc})") from exc
    major = int(str(trt.__version__).split(".")[0])
    if major < 10:
        raise unavailable_error(f"tensorrt {trt.__version__} is too old (expected 10 or newer)")
    return trt


_LOGGER: Any = None


def _trt_logger(trt: Any) -> Any:
    """One logger for every builder and runtime: TensorRT warns when they are given different ones."""
    global _LOGGER
    if _LOGGER is None:
        _LOGGER = trt.Logger(trt.Logger.WARNING)
    return _LOGGER


def _np_dtype(trt: Any, dtype: Any) -> str:
    try:
        return np.dtype(trt.nptype(dtype)).name
    except (TypeError, KeyError, AttributeError):
        return trt_dtype_name(str(dtype))


class TensorRTEngine(Engine):
    """Runs the model as a TensorRT engine. Options: ``device_index``, ``workspace_mb``, ``profile``
    (frame sizes, min 640x360 / opt 1280x720 / max 1920x1080), ``cache`` (an ArtifactCache)."""

    name = "tensorrt"

    def __init__(self, model: str | Path | bytes | onnx.ModelProto, *, precision: str = "fp16",
                 device_index: int = 0, workspace_mb: int = DEFAULT_WORKSPACE_MB,
                 profile: ShapeProfile = DEFAULT_PROFILE, cache: ArtifactCache | None = None) -> None:
        super().__init__(model, precision=precision)
        self._device_index = device_index
        self._workspace = int(workspace_mb) << 20
        self._profile = profile
        self._cache = cache or ArtifactCache()
        self._device: CudaDevice | None = None
        self._trt: Any = None
        self._gpu: PycudaRuntime | CudaPythonRuntime | None = None
        self._runtime: Any = None
        self._engine: Any = None
        self._context: Any = None
        self._stream: Any = None
        self._rows: list[TensorRow] = []
        self._buffers: dict[str, tuple[Buffer, np.ndarray, int]] = {}  # name -> (plan, pinned host, device ptr)
        self._bound: dict[str, tuple[int, ...]] | None = None
        self._built = False
        self._runtime_name = "cuda (not open)"

    # -- opening ----------------------------------------------------------------------------------
    def _open(self) -> tuple[list[TensorSpec], list[TensorSpec]]:
        device = cuda_device(self._device_index)
        if isinstance(device, str):
            raise unavailable_error(f"no usable CUDA device: {device}")
        reason = tensorrt_unavailable(device)
        if reason is not None:
            raise unavailable_error(reason)
        self._device = device
        self._trt = _import_tensorrt()
        gpu = self._gpu = open_gpu_runtime(device.index)
        self._runtime_name = gpu.name
        try:
            with gpu.current():
                try:
                    self._runtime = self._trt.Runtime(_trt_logger(self._trt))
                    self._engine = self._load_engine(device)
                    self._context = self._engine.create_execution_context()
                    if self._context is None:
                        raise EngineError("TensorRT could not create an execution context (out of GPU memory?)",
                                          "close other GPU programs or use --backend onnxruntime")
                    self._stream = gpu.stream()
                    self._rows = self._tensor_table()
                except BaseException:
                    self._release()
                    raise
        except BaseException as exc:
            self._gpu = None
            gpu.close()
            if isinstance(exc, Exception) and not isinstance(exc, EngineError):
                raise EngineError(f"TensorRT could not open the engine ({type(exc).__name__}: {exc})",
                                  "see the TensorRT log above; try --precision fp32 or --backend onnxruntime"
                                  ) from exc
            raise
        specs = [TensorSpec(r.name, r.dtype, tuple(d if d >= 0 else None for d in r.shape)) for r in self._rows]
        return ([s for s, r in zip(specs, self._rows, strict=True) if r.is_input],
                [s for s, r in zip(specs, self._rows, strict=True) if not r.is_input])

    def _precision_plan(self) -> BuildPlan:
        flags = {name for name in ("FP16", "INT8") if hasattr(self._trt.BuilderFlag, name)}
        strongly = hasattr(self._trt.NetworkDefinitionCreationFlag, "STRONGLY_TYPED")
        return build_plan(self.precision, builder_flags=flags, has_strongly_typed=strongly)

    def _key(self, device: CudaDevice) -> CacheKey:
        plan = self._precision_plan()
        return engine_key(self.model_sha256, precision=self.precision, device=device,
                          trt_version=self._trt.__version__, profile=self._profile,
                          flags=plan.flags, strongly_typed=plan.strongly_typed, workspace=self._workspace)

    def _load_engine(self, device: CudaDevice) -> Any:
        key = self._key(device)
        for attempt in (1, 2):
            payload, self._built = self._cache.get_or_build(key, self._build, suffix=".plan")
            engine = self._runtime.deserialize_cuda_engine(payload)
            if engine is not None:
                log.info("TensorRT engine %s (%s)", "built" if self._built else "loaded from cache",
                         self._cache.path_for(key, ".plan"))
                return engine
            if self._built or attempt == 2:
                break
            log.warning("cached TensorRT engine %s did not deserialize; rebuilding it",
                        self._cache.path_for(key, ".plan").name)
            self._cache.remove(key, ".plan")  # only this engine: other models, precisions and GPUs stay
        raise EngineError("TensorRT could not deserialize the engine it built",
                          "run 'headshot engines clear --backend tensorrt' and try again")

    def _onnx_for(self, plan: BuildPlan) -> bytes:
        model = onnx.load_from_string(self._model)
        precision = {"fp32": "fp32", "fp16": "fp16", "qdq": "int8"}[plan.onnx_variant]
        return model_for_precision(model, precision).SerializeToString()

    def _build(self) -> bytes:
        """Parse the ONNX and build a serialized engine (minutes the first time, seconds with a timing cache)."""
        trt = self._trt
        plan = self._precision_plan()
        logger = _trt_logger(trt)
        builder = trt.Builder(logger)
        flags = 0
        if plan.strongly_typed:
            flags |= 1 << int(trt.NetworkDefinitionCreationFlag.STRONGLY_TYPED)
        network = builder.create_network(flags)  # explicit batch is the only mode in TensorRT 10
        parser = trt.OnnxParser(network, logger)
        if not parser.parse(self._onnx_for(plan)):
            errors = "; ".join(str(parser.get_error(i)) for i in range(parser.num_errors))
            raise EngineError(f"TensorRT could not parse the ONNX: {errors[:400]}",
                              "use --backend onnxruntime and report the model")
        config = builder.create_builder_config()
        config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, self._workspace)
        for flag in plan.flags:
            config.set_flag(getattr(trt.BuilderFlag, flag))
        rows = [TensorRow(t.name, True, _np_dtype(trt, t.dtype), tuple(int(d) for d in t.shape))
                for t in (network.get_input(i) for i in range(network.num_inputs))]
        shapes = profile_inputs(rows, self._profile)
        if shapes:
            profile = builder.create_optimization_profile()
            for name, (lo, opt, hi) in shapes.items():
                profile.set_shape(name, lo, opt, hi)
            config.add_optimization_profile(profile)
        timing_path = self._timing_cache_path()
        timing = self._load_timing_cache(config, timing_path)
        log.info("building TensorRT %s engine (flags %s, strongly typed %s); this takes a while the first time",
                 self.precision, plan.flags or "none", plan.strongly_typed)
        serialized = builder.build_serialized_network(network, config)
        if serialized is None:
            raise EngineError("TensorRT failed to build the engine (see the TensorRT log above)",
                              "try --precision fp32, a larger workspace, or --backend onnxruntime")
        self._save_timing_cache(config.get_timing_cache() or timing, timing_path)
        return bytes(serialized)

    def _timing_cache_path(self) -> Path:
        device = self._device if self._device is not None else cuda_device(self._device_index)
        label = device if isinstance(device, CudaDevice) else CudaDevice(self._device_index, "unknown", (0, 0), 0)
        return self._cache.root / "tensorrt" / timing_cache_name(label, self._trt.__version__)

    def _load_timing_cache(self, config: Any, path: Path) -> Any:
        data = b""
        if path.is_file():
            try:
                data = path.read_bytes()
            except OSError as exc:
                log.warning("cannot read the TensorRT timing cache %s: %s", path, exc)
        timing = config.create_timing_cache(data)
        if timing is None and data:
            log.warning("TensorRT timing cache %s is unusable; starting a new one", path)
            timing = config.create_timing_cache(b"")
        config.set_timing_cache(timing, False)  # ignore_mismatch=False: refuse another GPU's timings
        return timing

    def _save_timing_cache(self, timing: Any, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(bytes(timing.serialize()))
            os.replace(tmp, path)
        except OSError as exc:  # a lost timing cache only makes the next build slower
            log.warning("cannot save the TensorRT timing cache %s: %s", path, exc)

    def _tensor_table(self) -> list[TensorRow]:
        trt, engine = self._trt, self._engine
        rows = []
        for i in range(engine.num_io_tensors):
            name = engine.get_tensor_name(i)
            rows.append(TensorRow(name=name, is_input=engine.get_tensor_mode(name) == trt.TensorIOMode.INPUT,
                                  dtype=_np_dtype(trt, engine.get_tensor_dtype(name)),
                                  shape=tuple(int(d) for d in engine.get_tensor_shape(name))))
        return rows

    # -- running ----------------------------------------------------------------------------------
    def _bind(self, shapes: dict[str, tuple[int, ...]]) -> None:
        """Set input shapes and (re)allocate page-locked host and device buffers for this frame size."""
        context, gpu = self._context, self._gpu
        assert gpu is not None  # only called while open
        for row in self._rows:
            if row.is_input:
                shape = shapes[row.name]
                if any(d < 0 for d in row.shape):
                    self._profile.check(shape)
                if not context.set_input_shape(row.name, shape):
                    raise EngineError(f"TensorRT rejected input {row.name!r} of shape {shape}",
                                      "check the frame size against the engine's profile")
        missing = context.infer_shapes() if hasattr(context, "infer_shapes") else []
        if missing:
            raise EngineError(f"TensorRT could not infer shapes of {list(missing)}", "rebuild the engine")
        resolved = {row.name: tuple(int(d) for d in context.get_tensor_shape(row.name)) for row in self._rows}
        self._free_buffers()
        for buf in plan_buffers(self._rows, resolved):
            host = gpu.pinned(buf.shape, np.dtype(buf.dtype))
            device = gpu.alloc(buf.nbytes)
            self._buffers[buf.name] = (buf, host, device)
            if not context.set_tensor_address(buf.name, device):
                raise EngineError(f"TensorRT rejected the buffer for {buf.name!r}", "rebuild the engine")

    def _infer(self, feeds: dict[str, np.ndarray], outputs: list[str]) -> dict[str, np.ndarray]:
        gpu = self._gpu
        assert gpu is not None  # Engine.run checks the engine is open
        shapes = {name: tuple(int(d) for d in array.shape) for name, array in feeds.items()}
        try:
            return self._run(gpu, feeds, outputs, shapes)
        except EngineError:
            raise
        except Exception as exc:  # pycuda/cuda-python and TensorRT raise their own types: name them once
            raise EngineError(f"TensorRT failed to run the frame ({type(exc).__name__}: {exc})",
                              "see the TensorRT log; try --backend onnxruntime") from exc

    def _run(self, gpu: PycudaRuntime | CudaPythonRuntime, feeds: dict[str, np.ndarray], outputs: list[str],
             shapes: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
        with gpu.current():
            if shapes != self._bound:
                self._bind(shapes)
                self._bound = shapes
            for name, array in feeds.items():
                _, host, device = self._buffers[name]
                host[...] = array
                gpu.to_device(device, host, self._stream)
            if not self._context.execute_async_v3(gpu.stream_handle(self._stream)):
                raise EngineError("TensorRT failed to run the frame", "see the TensorRT log; try --backend onnxruntime")
            for name in outputs:
                _, host, device = self._buffers[name]
                gpu.to_host(host, device, self._stream)
            gpu.synchronize(self._stream)
            # Copies: the page-locked buffers are reused by the next frame; callers may keep results.
            return {name: self._buffers[name][1].copy() for name in outputs}

    # -- closing ----------------------------------------------------------------------------------
    def _free_buffers(self) -> None:
        gpu = self._gpu
        for _, host, device in self._buffers.values():
            if gpu is not None:
                gpu.free(device)
                gpu.free_pinned(host)
        self._buffers.clear()
        self._bound = None

    def _release(self) -> None:
        """Drop TensorRT objects and buffers; the CUDA context must be current."""
        self._free_buffers()
        self._context = self._engine = self._runtime = self._stream = None

    def _close(self) -> None:
        gpu, self._gpu = self._gpu, None
        if gpu is None:
            return
        try:
            self._gpu = gpu
            with gpu.current():
                self._release()
        finally:
            self._gpu = None
            gpu.close()

    @property
    def info(self) -> EngineInfo:
        device = self._device.label if self._device else "CUDA (not open)"
        version = str(getattr(self._trt, "__version__", "?"))
        runtime = self._runtime_name
        return EngineInfo(backend=self.name, precision=self.precision, device=device,
                          providers=(f"tensorrt {version}", runtime), model_sha256=self.model_sha256,
                          details={"engine": "built" if self._built else "cached", "profile": self._profile.text,
                                   "cuda_runtime": runtime, **self.choice_details()})
