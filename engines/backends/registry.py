"""The backend registry, the one place a backend is declared: its name, the engine class, the precision it
runs by default, the form of the studio graph it runs, why it cannot run here (a probe), and where
``auto`` tries it. Everything else (``auto``'s order, the CLI's ``--backend`` choices, the bench's
default engines, the graph's targets) is read from here.

``auto`` tries the backends that have an auto priority, highest first (TensorRT when a CUDA device,
``tensorrt`` and pycuda or cuda-python are usable, else ONNX Runtime). The choice is logged; when nothing
works, every failure is in one message.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import onnx

from engines.backends.base import PRECISIONS, Engine
from engines.backends.gpu import CudaDevice, cuda_device
from engines.errors import EngineError

log = logging.getLogger(__name__)

ModelSource = str | Path | bytes | onnx.ModelProto | Callable[[str], Any]


@dataclass(frozen=True)
class BackendSpec:
    """What a backend declares. ``engine`` is the class, or ``"module:Class"`` imported on first use
    (importing ``engines.backends.tensorrt`` never imports tensorrt, but the CLI need not load it at all).
    ``probe`` says why the backend cannot run on this machine (None when it can); ``auto_priority``
    None keeps it out of ``auto``, higher is tried first; ``listed`` False keeps it out of the CLI
    choices and the bench (the test-only ``fake``)."""

    name: str
    engine: type[Engine] | str
    default_precision: str = "fp32"
    graph_target: str = "onnxruntime"
    probe: Callable[[], str | None] | None = None
    auto_priority: int | None = None
    listed: bool = True

    def engine_class(self) -> type[Engine]:
        if isinstance(self.engine, str):
            module, _, attr = self.engine.partition(":")
            return getattr(importlib.import_module(module), attr)
        return self.engine

    def unavailable(self) -> str | None:
        return self.probe() if self.probe is not None else None


_REGISTRY: dict[str, BackendSpec] = {
    "onnxruntime": BackendSpec("onnxruntime", "engines.backends.onnxruntime:OnnxRuntimeEngine",
                               default_precision="fp32", graph_target="onnxruntime", auto_priority=10),
    "tensorrt": BackendSpec("tensorrt", "engines.backends.tensorrt:TensorRTEngine", default_precision="fp16",
                            graph_target="tensorrt", probe=lambda: tensorrt_unavailable(), auto_priority=20),
    "fake": BackendSpec("fake", "engines.backends.fake:FakeEngine", listed=False),
}


def register_backend(name: str, cls: type[Engine], *, default_precision: str | None = None,
                     graph_target: str | None = None, probe: Callable[[], str | None] | None = None,
                     auto_priority: int | None = None, listed: bool | None = None) -> BackendSpec:
    """Make ``cls`` available as ``name`` with what it declares (see :class:`BackendSpec`). What is not
    given (None) is kept from a name already declared, else the default: a test can swap a built-in's
    class and keep its place in ``auto``."""
    if not name or name == "auto":
        raise ValueError(f"backend name must be non-empty and not 'auto', got {name!r}")
    if not (isinstance(cls, type) and issubclass(cls, Engine)):
        raise TypeError(f"expected an Engine subclass, got {cls!r}")
    given = {"default_precision": default_precision, "graph_target": graph_target, "probe": probe,
             "auto_priority": auto_priority, "listed": listed}
    spec = replace(_REGISTRY.get(name) or BackendSpec(name, cls), name=name, engine=cls,
                   **{field: value for field, value in given.items() if value is not None})
    if spec.default_precision not in PRECISIONS:
        raise ValueError(f"default_precision: expected one of {PRECISIONS}, got {spec.default_precision!r}")
    targets = graph_targets()
    if spec.graph_target not in targets:
        raise ValueError(f"graph_target: expected a form of the studio graph, one of {targets}, "
                         f"got {spec.graph_target!r}")
    _REGISTRY[name] = spec
    return spec


def backend_names() -> list[str]:
    """Every registered backend (``fake`` too), sorted."""
    return sorted(_REGISTRY)


def backend_choices() -> tuple[str, ...]:
    """What ``--backend`` offers: ``auto`` and the listed backends, sorted."""
    return ("auto", *sorted(name for name, spec in _REGISTRY.items() if spec.listed))


def listed_backends() -> list[BackendSpec]:
    """The listed backends in registration order (the bench measures them in this order)."""
    return [spec for spec in _REGISTRY.values() if spec.listed]


def auto_order() -> tuple[str, ...]:
    """The backends ``auto`` tries, highest priority first."""
    ranked = [spec for spec in _REGISTRY.values() if spec.auto_priority is not None]
    return tuple(spec.name for spec in sorted(ranked, key=lambda s: -(s.auto_priority or 0)))


def graph_targets() -> tuple[str, ...]:
    """The forms of the studio graph the backends run (``engines.graph`` builds each)."""
    return tuple(sorted({spec.graph_target for spec in _REGISTRY.values()}))


def backend_spec(name: str) -> BackendSpec:
    if name not in _REGISTRY:
        *first, last = backend_choices()
        raise EngineError(f"unknown backend {name!r}, expected auto or one of {', '.join(backend_names())}",
                          f"use --backend {', '.join(first)} or {last}")
    return _REGISTRY[name]


def backend_class(name: str) -> type[Engine]:
    return backend_spec(name).engine_class()


def default_precision(name: str) -> str:
    """The precision ``name`` runs when none is asked (ONNX Runtime fp32, TensorRT fp16)."""
    return backend_spec(name).default_precision


def graph_target(name: str) -> str:
    """The form of the studio graph backend ``name`` runs."""
    return backend_spec(name).graph_target


def unavailable(name: str) -> str | None:
    """Why backend ``name`` cannot run on this machine, or None when it can (as far as its probe knows)."""
    return backend_spec(name).unavailable()


GPU_RUNTIMES = ("pycuda", "cuda")  # pycuda, or NVIDIA's cuda-python (import name ``cuda``)


def tensorrt_unavailable(device: CudaDevice | str | None = None,
                         find_spec: Callable[[str], Any] = importlib.util.find_spec) -> str | None:
    """TensorRT's probe: why it cannot run here (None when it can): no GPU, tensorrt missing, or neither
    pycuda nor cuda-python installed."""
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


def _with_precision(name: str, cls: type[Engine], options: dict[str, Any]) -> dict[str, Any]:
    """The options ``cls`` takes, with the declared default precision when none is asked."""
    return accepted_options(cls, {"precision": default_precision(name), **options})


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
        return cls(_resolve(model, name), **_with_precision(name, cls, options)).open()
    failures: list[tuple[str, str]] = []
    fixes: list[str] = []
    tried = False
    for candidate in auto_order():
        reason = unavailable(candidate)
        if reason is not None:
            failures.append((candidate, reason))
            continue
        try:
            cls = backend_class(candidate)
            engine = cls(_resolve(model, candidate), **_with_precision(candidate, cls, options)).open()
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
