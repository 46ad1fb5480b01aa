"""ONNX Runtime backend: the CPU path everywhere, and CUDA / TensorRT execution providers when asked.

CPU by default with one intra-op thread per physical core (hyper-threads slow convolution down), idle
threads sleeping rather than spinning (they share the cores with the face mesh), all graph
optimisations on. The GPU execution providers are used only when the installed onnxruntime
offers them (an onnxruntime-gpu wheel) and the caller asked for them, or asked for ``auto``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import onnx

from engines.backends.base import Engine, EngineInfo, TensorSpec
from engines.errors import EngineError
from engines.precision import model_for_precision

log = logging.getLogger(__name__)

PROVIDER_CHOICES = ("cpu", "cuda", "tensorrt", "auto")
_PROVIDER_NAMES = {"cpu": "CPUExecutionProvider", "cuda": "CUDAExecutionProvider",
                   "tensorrt": "TensorrtExecutionProvider"}
_ORT_TYPES = {"tensor(float)": "float32", "tensor(float16)": "float16", "tensor(uint8)": "uint8",
              "tensor(int8)": "int8", "tensor(int32)": "int32", "tensor(int64)": "int64",
              "tensor(bool)": "bool"}


def physical_cores(cpuinfo: str | None = None, allowed: int | None = None) -> int:
    """Physical cores we may run on: distinct (package, core) pairs in /proc/cpuinfo, capped by affinity."""
    if allowed is None:
        try:
            allowed = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            allowed = os.cpu_count() or 1
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            cpuinfo = ""
    cores: set[tuple[str, str]] = set()
    package = core = None
    for line in cpuinfo.splitlines() + [""]:
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "physical id":
            package = value.strip()
        elif key == "core id":
            core = value.strip()
        elif not line.strip():
            if package is not None and core is not None:
                cores.add((package, core))
            package = core = None
    physical = len(cores) or allowed
    return max(1, min(physical, allowed))


def choose_providers(requested: str, available: list[str]) -> list[str]:
    """Execution providers in priority order for ``requested`` (cpu, cuda, tensorrt, auto)."""
    if requested not in PROVIDER_CHOICES:
        raise EngineError(f"providers: expected one of {', '.join(PROVIDER_CHOICES)}, got {requested!r}",
                          "use providers='cpu'")
    if requested == "cpu":
        return ["CPUExecutionProvider"]
    if requested == "auto":
        gpu = [p for p in ("TensorrtExecutionProvider", "CUDAExecutionProvider") if p in available]
        return [*gpu, "CPUExecutionProvider"]
    wanted = _PROVIDER_NAMES[requested]
    if wanted not in available:
        raise EngineError(f"onnxruntime has no {wanted} (available: {', '.join(available)})",
                          "pip install onnxruntime-gpu, or use the CPU")
    chain = ["TensorrtExecutionProvider", "CUDAExecutionProvider"] if requested == "tensorrt" else [wanted]
    return [p for p in chain if p in available] + ["CPUExecutionProvider"]


def _spec(arg: Any) -> TensorSpec:
    dtype = _ORT_TYPES.get(arg.type, arg.type)
    shape = tuple(d if isinstance(d, int) else None for d in arg.shape)
    return TensorSpec(arg.name, dtype, shape)


class OnnxRuntimeEngine(Engine):
    """Runs the ONNX model with ONNX Runtime. Options: ``threads`` (default: physical cores) and
    ``providers`` ('cpu' default, 'cuda', 'tensorrt', 'auto')."""

    name = "onnxruntime"

    def __init__(self, model: str | Path | bytes | onnx.ModelProto, *, precision: str = "fp32",
                 threads: int | None = None, providers: str = "cpu") -> None:
        super().__init__(model, precision=precision)
        if threads is not None and (not isinstance(threads, int) or threads < 1):
            raise EngineError(f"threads: expected a positive integer, got {threads!r}", "use --threads 2")
        self._threads = threads or physical_cores()
        self._requested = providers
        self._session: Any = None
        self._providers: tuple[str, ...] = ()

    def _open(self) -> tuple[list[TensorSpec], list[TensorSpec]]:
        import onnxruntime as ort

        providers = choose_providers(self._requested, ort.get_available_providers())
        model = model_for_precision(onnx.load_from_string(self._model), self.precision)
        options = ort.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # Idle intra-op threads sleep instead of spinning: the face mesh runs beside the engine on the
        # same cores, and a spinning worker takes the core it needs (headshot bench: 1280x720 went from
        # 36 to 41 fps and the face mesh from 10 to 5 ms on two cores).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._session = ort.InferenceSession(model.SerializeToString(), sess_options=options,
                                                 providers=providers)
        except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph/... types
            raise EngineError(f"onnxruntime could not load the model: {str(exc).splitlines()[0][:300]}",
                              "rebuild it with 'headshot engines build --backend onnxruntime'") from exc
        self._providers = tuple(self._session.get_providers())
        if providers[0] != "CPUExecutionProvider" and self._providers[0] == "CPUExecutionProvider":
            log.warning("onnxruntime fell back to the CPU (asked for %s)", ", ".join(providers))
        return ([_spec(a) for a in self._session.get_inputs()], [_spec(a) for a in self._session.get_outputs()])

    def _infer(self, feeds: dict[str, np.ndarray], outputs: list[str]) -> dict[str, np.ndarray]:
        try:
            values = self._session.run(outputs, feeds)
        except Exception as exc:
            raise EngineError(f"onnxruntime failed on a frame: {str(exc).splitlines()[0][:300]}",
                              "check the frame size and the model") from exc
        return dict(zip(outputs, values, strict=True))

    def _close(self) -> None:
        self._session = None

    @property
    def info(self) -> EngineInfo:
        on_gpu = bool(self._providers) and self._providers[0] != "CPUExecutionProvider"
        device = "GPU (onnxruntime-gpu)" if on_gpu else f"CPU ({self._threads} threads)"
        return EngineInfo(backend=self.name, precision=self.precision, device=device, providers=self._providers,
                          model_sha256=self.model_sha256,
                          details={"threads": str(self._threads), **self.choice_details()})
