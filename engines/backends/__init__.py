"""Engine backends behind one protocol: ``open_backend(name, model, **options)`` returns an opened
``Engine`` whose ``run(frame_bgr, settings)`` gives an ``EngineOutput`` (alpha, image).

Names: ``onnxruntime`` (CPU default), ``tensorrt`` (NVIDIA GPU, with pycuda or cuda-python), ``fake``
(tests), and ``auto`` (TensorRT when usable, else ONNX Runtime). Each is declared once, in
``engines.backends.registry``; a new backend is one ``register_backend(name, cls, ...)`` call.
"""

from __future__ import annotations

from engines.backends.base import PRECISIONS, Engine, EngineInfo, EngineOutput, IOPlan, TensorSpec, plan_io
from engines.backends.gpu import CudaDevice, cuda_device, probe_cuda
from engines.backends.registry import (
    BackendSpec,
    auto_order,
    backend_choices,
    backend_class,
    backend_names,
    default_precision,
    graph_target,
    open_backend,
    register_backend,
    tensorrt_unavailable,
    unavailable,
)

__all__ = [
    "PRECISIONS",
    "BackendSpec",
    "CudaDevice",
    "Engine",
    "EngineInfo",
    "EngineOutput",
    "IOPlan",
    "TensorSpec",
    "auto_order",
    "backend_choices",
    "backend_class",
    "backend_names",
    "cuda_device",
    "default_precision",
    "graph_target",
    "open_backend",
    "plan_io",
    "probe_cuda",
    "register_backend",
    "tensorrt_unavailable",
    "unavailable",
]
