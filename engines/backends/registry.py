"""Backends by name, and ``auto``: TensorRT when a CUDA device, ``tensorrt`` and ``pycuda`` are all
usable, else ONNX Runtime. The choice is logged; when nothing works, every failure is in one message.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import onnx

from engines.backends.base import Engine
from engines.backends.gpu import CudaDevice, cuda_device
from realtime.errors import EngineError

log = logging.getLogger(__name__)

ModelSource = str | Path | bytes | onnx.ModelProto | Callable[[str], Any]
AUTO_ORDER = ("tensorrt", "onnxruntime")
_REGISTRY: dict[str, type[Engine]] = {}
# Built-in backends, imported on first use (importing engines.backends.tensorrt never imports tensorrt).
_BUILTIN = {
    "onnxruntime": ("engines.backends.onnxruntime", "OnnxRuntimeEngine"),
    "tensorrt": ("engines.backends.tensorrt", "TensorRTEngine"),
    "fake": ("engines.backends.fake", "FakeEngine"),
}


def register_backend(name: str, cls: type[Engine]) -> None:
    """Make ``cls`` available as ``name`` (tests register fakes the same way)."""
    if not name or name == "auto":
        raise ValueError(f"backend name must be non-empty and not 'auto', got {name!r}")
    if not (isinstance(cls, type) and issubclass(cls, Engine)):
        raise TypeError(f"expected an Engine subclass, got {cls!r}")
    _REGISTRY[name] = cls


def backend_names() -> list[str]:
    return sorted(set(_REGISTRY) | set(_BUILTIN))


def backend_class(name: str) -> type[Engine]:
    if name not in _REGISTRY and name in _BUILTIN:
        module, attr = _BUILTIN[name]
        register_backend(name, getattr(importlib.import_module(module), attr))
    if name not in _REGISTRY:
        raise EngineError(f"unknown backend {name!r}, expected auto or one of {', '.join(backend_names())}",
                          "use --backend auto, onnxruntime or tensorrt")
    return _REGISTRY[name]


GPU_RUNTIMES = ("pycuda", "cuda")  # pycuda, or NVIDIA's cuda-python (import name ``cuda``)


def tensorrt_unavailable(device: CudaDevice | str | None = None,
                         find_spec: Callable[[str], Any] = importlib.util.find_spec) -> str | None:
    """Why TensorRT cannot run here (None when it can): no GPU, tensorrt missing, or neither pycuda nor
    cuda-python installed."""
    device = cuda_device() if device is None else device
    if isinstance(device, str):
        return f"no usable CUDA device: {device}"
    missing = [] if find_spec("tensorrt") is not None else ["tensorrt"]
    if not any(find_spec(name) is not None for name in GPU_RUNTIMES):
        missing.append("pycuda or cuda-python")
    if missing:
        return f"{' and '.join(missing)} not installed (pip install 'headshot-studio[tensorrt-cuda-python]')"
    return None


def accepted_options(cls: type[Engine], options: dict[str, Any]) -> dict[str, Any]:
    """The subset of ``options`` that ``cls`` takes as keyword arguments."""
    params = inspect.signature(cls.__init__).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return dict(options)
    return {k: v for k, v in options.items() if k in params}


def _resolve(model: ModelSource, backend: str) -> Any:
    return model(backend) if callable(model) else model


def open_backend(name: str, model: ModelSource, **options: Any) -> Engine:
    """An opened engine. ``model`` is an ONNX path, bytes or ModelProto, or a function of the backend
    name that returns one (the studio graph differs slightly per backend). For ``auto``, options a
    backend does not take are left out for it."""
    if name != "auto":
        cls = backend_class(name)
        unknown = set(options) - set(accepted_options(cls, options))
        if unknown:
            raise EngineError(f"backend {name} does not take option(s) {sorted(unknown)}",
                              "drop them or choose another backend")
        return cls(_resolve(model, name), **options).open()
    failures: list[tuple[str, str]] = []
    fixes: list[str] = []
    tried = False
    for candidate in AUTO_ORDER:
        if candidate == "tensorrt":
            reason = tensorrt_unavailable()
            if reason is not None:
                failures.append((candidate, reason))
                continue
        try:
            cls = backend_class(candidate)
            engine = cls(_resolve(model, candidate), **accepted_options(cls, options)).open()
        except Exception as exc:  # noqa: BLE001 - auto must survive any backend failure and say which
            text = exc.one_line() if isinstance(exc, EngineError) else f"{type(exc).__name__}: {exc}"
            failures.append((candidate, text.splitlines()[0] if text else type(exc).__name__))
            if isinstance(exc, EngineError) and exc.fix:
                fixes.append(exc.fix)
            log.debug("auto: %s failed", candidate, exc_info=True)
            tried = True
            continue
        engine.choice = auto_choice(candidate, failures)
        # a backend that was usable here but failed is news (warning); no GPU on a laptop is not
        log.log(logging.WARNING if tried else logging.INFO, "%s", engine.choice)
        return engine
    raise EngineError("no engine backend works: " + " | ".join(f"{n}: {r}" for n, r in failures),
                      fixes[-1] if fixes else "install onnxruntime (pip install onnxruntime)")


def auto_choice(chosen: str, failures: list[tuple[str, str]]) -> str:
    """One line: the backend ``auto`` chose and why each one before it was not."""
    if not failures:
        return f"auto chose {chosen}"
    return f"auto chose {chosen}; not " + "; not ".join(f"{name}: {reason}" for name, reason in failures)
