"""TensorRT failures on the stand-in: every one a typed one-line error, and ``auto`` falls back saying why."""

from __future__ import annotations

import logging

import pytest

from engines.backends import open_backend
from engines.backends import registry as registry_module
from engines.cache import ArtifactCache
from realtime.errors import EngineError
from tests.engines.test_tensorrt import _install_fakes


@pytest.fixture
def fake_trt(monkeypatch):
    return _install_fakes(monkeypatch, "pycuda")


def test_auto_falls_back_when_tensorrt_cannot_parse_and_says_why(fake_trt, monkeypatch, studio_model, tmp_path,
                                                                 caplog):
    """Issue 20 item 3: the parse failure is no longer silent (warning, and the report's engine.auto)."""
    monkeypatch.setattr(registry_module, "tensorrt_unavailable", lambda: None)
    with caplog.at_level(logging.WARNING, logger="engines.backends.registry"):
        engine = open_backend("auto", studio_model, cache=ArtifactCache(tmp_path))
    with engine:
        choice = engine.info.as_dict()["auto"]
    assert engine.name == "onnxruntime"
    assert choice.startswith("auto chose onnxruntime; not tensorrt: TensorRT could not parse the ONNX")
    assert "UINT8 intermediate" in choice and "\n" not in choice
    assert choice in caplog.text


def test_an_exception_inside_tensorrt_at_run_time_is_an_engine_error(fake_trt, monkeypatch, trt_studio_model,
                                                                     astronaut_bgr, tmp_path):
    from engines.backends.tensorrt import TensorRTEngine

    def broken(self):
        raise RuntimeError("IExecutionContext::inferShapes: error")

    with TensorRTEngine(trt_studio_model, precision="fp32", cache=ArtifactCache(tmp_path)) as engine:
        context_class = type(engine._context)
        monkeypatch.setattr(context_class, "infer_shapes", broken)
        with pytest.raises(EngineError, match=r"TensorRT failed to run the frame \(RuntimeError: "):
            engine.run(astronaut_bgr)
    from tests.engines import fake_cuda

    assert not fake_cuda.stack() and not fake_cuda.PINNED and not fake_cuda._MEMORY


def test_an_exception_while_opening_is_an_engine_error_and_releases_everything(fake_trt, monkeypatch,
                                                                               trt_studio_model, tmp_path):
    from engines.backends.tensorrt import TensorRTEngine
    from tests.engines import fake_cuda

    def no_context(self):
        raise RuntimeError("cuMemAlloc failed: out of memory")

    monkeypatch.setattr(fake_trt._Engine, "create_execution_context", no_context)
    with pytest.raises(EngineError, match=r"TensorRT could not open the engine \(RuntimeError: cuMemAlloc"):
        TensorRTEngine(trt_studio_model, precision="fp32", cache=ArtifactCache(tmp_path)).open()
    assert not fake_cuda.stack() and not fake_cuda._MEMORY


def test_cuda_python_errors_are_engine_errors():
    from engines.backends.cuda_runtime import CudaPythonRuntime
    from tests.engines import fake_cuda

    runtime = CudaPythonRuntime(fake_cuda.cudart, 0)
    with pytest.raises(EngineError, match=r"CUDA cudaMalloc failed \(2\)"):
        runtime._check((2, None), "cudaMalloc")
    fake_cuda.reset_thread()


def test_neither_cuda_binding_importable_names_both(monkeypatch):
    import sys

    from engines.backends.cuda_runtime import open_gpu_runtime

    for name in ("pycuda", "pycuda.driver", "cuda", "cuda.bindings", "cuda.bindings.runtime", "cuda.cudart"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(EngineError, match="neither pycuda nor cuda-python imports") as caught:
        open_gpu_runtime(0)
    assert "cuda-python" in caught.value.fix and "--backend onnxruntime" in caught.value.fix
