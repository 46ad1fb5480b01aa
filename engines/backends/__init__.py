"""Engine backends behind one protocol: ``open_backend(name, model, **options)`` returns an opened
``Engine`` whose ``run(frame_bgr, settings)`` gives an ``EngineOutput`` (alpha, image).

Names: ``onnxruntime`` (CPU default), ``tensorrt`` (NVIDIA GPU, with pycuda), ``fake`` (tests), and
``auto`` (TensorRT when usable, else ONNX Runtime).
"""

from __future__ import annotations

from engines.backends.base import Engine, EngineInfo, EngineOutput, IOPlan, TensorSpec, plan_io
from engines.backends.gpu import CudaDevice, cuda_device, probe_cuda
from engines.backends.registry import (
    backend_class,
    backend_names,
    open_backend,
    register_backend,
    tensorrt_unavailable,
)

__all__ = [
    "CudaDevice",
    "Engine",
    "EngineInfo",
    "EngineOutput",
    "IOPlan",
    "TensorSpec",
    "backend_class",
    "backend_names",
    "cuda_device",
    "open_backend",
    "plan_io",
    "probe_cuda",
    "register_backend",
    "tensorrt_unavailable",
]
