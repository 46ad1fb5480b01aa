"""Engine protocol, ONNX Runtime backend, registry and ``auto``, GPU probe; TensorRT tests need a GPU."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from engines.backends import (
    Engine,
    EngineOutput,
    TensorSpec,
    backend_class,
    open_backend,
    plan_io,
    probe_cuda,
    register_backend,
    tensorrt_unavailable,
)
from engines.backends import registry as registry_module
from engines.backends.base import settings_vector, to_alpha
from engines.backends.fake import FakeEngine
from engines.backends.gpu import CudaDevice
from engines.backends.onnxruntime import OnnxRuntimeEngine, choose_providers, physical_cores
from realtime.errors import EngineError

FRAME = TensorSpec("frame", "uint8", (1, None, None, 3))
SETTINGS = TensorSpec("settings", "float32", (22,))
STATE_IN = TensorSpec("state_in", "float32", (1, 256, 256, 1))
OUTS = [TensorSpec("image", "uint8", (1, None, None, 3)), TensorSpec("alpha", "float32", (1, None, None, 1)),
        TensorSpec("state_out", "float32", (1, 256, 256, 1))]


# -- I/O planning ------------------------------------------------------------------------------
def test_studio_contract_roles():
    plan = plan_io([FRAME, SETTINGS, STATE_IN], OUTS)
    assert not plan.bare and plan.settings == SETTINGS and plan.state_in == STATE_IN
    assert (plan.state_out, plan.image, plan.alpha.name) == ("state_out", "image", "alpha")


def test_bare_segmentation_model_roles():
    plan = plan_io([TensorSpec("input", "float32", (1, 144, 256, 3))],
                   [TensorSpec("mask", "float32", (1, 144, 256, 1))])
    assert plan.bare and plan.grid == (144, 256) and plan.image is None


@pytest.mark.parametrize(("inputs", "outputs", "message"), [
    ([TensorSpec("frame", "float32", (1, None, None, 3))], OUTS, "expected uint8"),
    ([FRAME], OUTS[:1], "no 'alpha' output"),
    ([FRAME, TensorSpec("state_in", "float32", (1, None, None, 1))], OUTS, "fixed shape"),
    ([FRAME, TensorSpec("mystery", "float32", (3,))], OUTS, "mystery"),
    ([TensorSpec("x", "float32", (1, None, None, 3))], [TensorSpec("y", "float32", (1, None, None, 1))], "contract"),
    ([TensorSpec("x", "uint8", (1, 256, 256, 3))], [TensorSpec("y", "float32", (1, 256, 256, 1))], "contract"),
])
def test_models_off_contract_are_refused_with_what_was_found(inputs, outputs, message):
    with pytest.raises(EngineError, match=message):
        plan_io(inputs, outputs)


@pytest.mark.parametrize(("raw", "expected"), [
    (np.full((1, 2, 3, 1), 255, np.uint8), 1.0),
    (np.full((1, 2, 3, 1), 0, np.uint8), 0.0),
    (np.full((1, 2, 3, 1), 0.25, np.float32), 0.25),
    (np.full((1, 2, 3, 1), 0.5, np.float16), 0.5),
])
def test_alpha_is_normalised_to_float32_hw(raw, expected):
    alpha = to_alpha(raw)
    assert alpha.dtype == np.float32 and alpha.shape == (2, 3)
    assert np.allclose(alpha, expected)


def test_settings_vector_sources():
    from engines.settings import StudioSettings

    default = settings_vector(None, SETTINGS)
    assert default.dtype == np.float32 and default.shape == (22,)
    assert np.array_equal(settings_vector(StudioSettings(background="blur"), SETTINGS),
                          StudioSettings(background="blur").to_tensor())
    assert settings_vector([0.5] * 22, SETTINGS).tolist() == [0.5] * 22
    assert settings_vector(None, None) is None
    with pytest.raises(EngineError, match="expected 22 values, got 3"):
        settings_vector([1, 2, 3], SETTINGS)


# -- ONNX Runtime backend ----------------------------------------------------------------------
def test_bare_model_matte_equals_mediapipe(segmentation_model, astronaut_bgr):
    """The backend's pre/post-processing for a bare model is MediaPipe's: same matte at full size."""
    from mediapipe.python.solutions import selfie_segmentation

    with selfie_segmentation.SelfieSegmentation(model_selection=0) as mp_seg:
        ref = mp_seg.process(np.ascontiguousarray(astronaut_bgr[:, :, ::-1])).segmentation_mask
    with open_backend("onnxruntime", segmentation_model) as engine:
        out = engine.run(astronaut_bgr)
    assert isinstance(out, EngineOutput) and out.alpha.shape == astronaut_bgr.shape[:2]
    assert out.image is astronaut_bgr or np.array_equal(out.image, astronaut_bgr)
    assert np.abs(out.alpha - ref).mean() < 1e-4
    inter, union = ((out.alpha > .5) & (ref > .5)).sum(), ((out.alpha > .5) | (ref > .5)).sum()
    assert inter / union >= 0.999


def test_studio_graph_state_is_fed_back_and_reset(studio_model, astronaut_bgr):
    frame = astronaut_bgr[::2, ::2].copy()  # 640x360
    with open_backend("onnxruntime", studio_model, threads=1) as engine:
        assert engine.io.state_in is not None
        first = engine.run(frame)
        assert engine._state is not None and engine._state.any()  # state_out came back
        engine.reset()
        assert not engine._state.any()
        again = engine.run(frame)
        info = engine.info
    assert first.image.shape == frame.shape and first.image.dtype == np.uint8
    assert first.alpha.shape == frame.shape[:2] and 0.0 <= first.alpha.min() <= first.alpha.max() <= 1.0
    assert np.array_equal(first.alpha, again.alpha)  # reset makes the run repeatable
    assert (info.backend, info.precision, info.providers[0]) == ("onnxruntime", "fp32", "CPUExecutionProvider")
    assert info.device == "CPU (1 threads)"


def test_close_is_safe_twice_and_run_after_close_fails(segmentation_model):
    engine = OnnxRuntimeEngine(segmentation_model)
    with pytest.raises(EngineError, match="not open"):
        engine.run(np.zeros((4, 4, 3), np.uint8))
    engine.open()
    engine.close()
    engine.close()
    with pytest.raises(EngineError, match="closed"):
        engine.open()


def test_idle_threads_sleep_rather_than_spin(segmentation_model):
    # The face mesh shares the cores with the engine; spinning intra-op threads would take them.
    with OnnxRuntimeEngine(segmentation_model, threads=2) as engine:
        options = engine._session.get_session_options()
        assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
        assert options.intra_op_num_threads == 2


@pytest.mark.parametrize("frame", [np.zeros((10, 10), np.uint8), np.zeros((10, 10, 3), np.float32),
                                   np.zeros((10, 10, 4), np.uint8), "frame.png"])
def test_bad_frames_are_refused_at_the_boundary(segmentation_model, frame):
    with open_backend("onnxruntime", segmentation_model) as engine, pytest.raises(ValueError, match="expected a BGR"):
        engine.run(frame)


@pytest.mark.parametrize(("requested", "available", "expected"), [
    ("cpu", ["CUDAExecutionProvider", "CPUExecutionProvider"], ["CPUExecutionProvider"]),
    ("auto", ["CPUExecutionProvider"], ["CPUExecutionProvider"]),
    ("auto", ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"],
     ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]),
    ("cuda", ["CUDAExecutionProvider", "CPUExecutionProvider"], ["CUDAExecutionProvider", "CPUExecutionProvider"]),
    ("tensorrt", ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"],
     ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]),
])
def test_provider_choice(requested, available, expected):
    assert choose_providers(requested, available) == expected


def test_missing_gpu_provider_names_the_fix():
    with pytest.raises(EngineError, match="no CUDAExecutionProvider") as caught:
        choose_providers("cuda", ["CPUExecutionProvider"])
    assert "onnxruntime-gpu" in caught.value.fix


def _cpuinfo(pairs):
    return "\n\n".join(f"processor\t: {i}\nphysical id\t: {p}\ncore id\t\t: {c}" for i, (p, c) in enumerate(pairs))


@pytest.mark.parametrize(("cpuinfo", "allowed", "expected"), [
    (_cpuinfo([(0, 0), (0, 1), (0, 0), (0, 1)]), 4, 2),  # 2 cores with hyper-threading
    (_cpuinfo([(0, 0), (0, 1), (1, 0), (1, 1)]), 4, 4),  # 2 sockets
    (_cpuinfo([(0, c) for c in range(16)]), 2, 2),  # container limited to 2 CPUs
    ("", 3, 3),  # no topology (ARM, containers): the allowed CPUs
])
def test_physical_cores(cpuinfo, allowed, expected):
    assert physical_cores(cpuinfo, allowed) == expected


# -- registry and auto -------------------------------------------------------------------------
class _Broken(FakeEngine):
    name = "broken"

    def _open(self):
        raise EngineError("broken backend could not load", "it never will")


def test_fake_backend_registers_and_runs(restore_registry, astronaut_bgr):
    register_backend("fake2", FakeEngine)
    with open_backend("fake2", b"") as engine:
        out = engine.run(astronaut_bgr)
        engine.run(astronaut_bgr)
        assert engine._state.tolist() == [2.0]
    assert out.alpha.shape == astronaut_bgr.shape[:2]


@pytest.mark.parametrize(("name", "cls", "error"), [("auto", FakeEngine, ValueError), ("", FakeEngine, ValueError),
                                                    ("x", object, TypeError)])
def test_register_refuses_bad_entries(name, cls, error):
    with pytest.raises(error):
        register_backend(name, cls)


def test_unknown_backend_and_unknown_option():
    with pytest.raises(EngineError, match="unknown backend 'cuda'"):
        backend_class("cuda")
    with pytest.raises(EngineError, match="does not take option"):
        open_backend("onnxruntime", b"", workspace_mb=10)


def test_auto_falls_back_to_onnxruntime_and_logs_why(segmentation_model, monkeypatch, caplog):
    monkeypatch.setattr(registry_module, "tensorrt_unavailable", lambda: "no usable CUDA device: test")
    with caplog.at_level(logging.INFO, logger="engines.backends.registry"):
        engine = open_backend("auto", segmentation_model, threads=1, workspace_mb=64)  # TensorRT-only option dropped
    with engine:
        assert engine.name == "onnxruntime"
        assert engine.info.as_dict()["auto"] == "auto chose onnxruntime; not tensorrt: no usable CUDA device: test"
    assert "auto chose onnxruntime; not tensorrt: no usable CUDA device: test" in caplog.text


class _Crashing(FakeEngine):
    """A backend whose open fails with what pycuda or TensorRT raise: not an EngineError."""

    name = "crashing"
    error: Exception = RuntimeError("cuMemAlloc failed: out of memory")

    def _open(self):
        raise self.error


@pytest.mark.parametrize("error", [RuntimeError("cuMemAlloc failed: out of memory"), TypeError("bad handle"),
                                   EngineError("TensorRT could not parse the ONNX: x", "use onnxruntime")])
def test_auto_survives_any_failure_and_says_why_in_one_line(restore_registry, monkeypatch, caplog, error):
    monkeypatch.setattr(registry_module, "tensorrt_unavailable", lambda: None)
    monkeypatch.setattr(_Crashing, "error", error)
    register_backend("tensorrt", _Crashing)
    register_backend("onnxruntime", FakeEngine)
    with caplog.at_level(logging.INFO, logger="engines.backends.registry"):
        engine = open_backend("auto", b"")
    with engine:
        choice = engine.info.as_dict()["auto"]
    assert choice.startswith("auto chose onnxruntime; not tensorrt: ") and "\n" not in choice
    assert str(error).split(":")[0] in choice
    assert any(r.levelno == logging.WARNING and r.message == choice for r in caplog.records)  # a usable one failed


def test_auto_lists_every_failure_in_one_message(restore_registry, monkeypatch):
    monkeypatch.setattr(registry_module, "tensorrt_unavailable", lambda: "no usable CUDA device: test")
    register_backend("onnxruntime", _Broken)
    with pytest.raises(EngineError) as caught:
        open_backend("auto", b"")
    text = caught.value.one_line()
    assert "tensorrt: no usable CUDA device: test" in text and "onnxruntime: broken backend could not load" in text


def test_model_can_depend_on_the_backend(restore_registry):
    seen = []
    register_backend("fake3", FakeEngine)
    open_backend("fake3", lambda name: seen.append(name) or b"").close()
    assert seen == ["fake3"]


def test_engine_subclass_contract():
    assert issubclass(OnnxRuntimeEngine, Engine) and issubclass(FakeEngine, Engine)


# -- GPU probe (no GPU needed) -----------------------------------------------------------------
class _FakeDriver:
    """Stands in for libcuda: writes through the ctypes references like the real driver does."""

    def __init__(self, init=0, count=1, name=b"Fake GPU 9000", cc=(8, 6)):
        self.init, self.count, self.name, self.cc = init, count, name, cc

    def cuInit(self, flags):
        return self.init

    def cuGetErrorString(self, code, out):
        out._obj.value = b"CUDA_ERROR_NO_DEVICE"
        return 0

    def cuDeviceGetCount(self, ref):
        ref._obj.value = self.count
        return 0

    def cuDeviceGet(self, ref, index):
        ref._obj.value = index
        return 0

    def cuDeviceGetName(self, buf, size, device):
        buf.value = self.name
        return 0

    def cuDeviceGetAttribute(self, ref, attr, device):
        ref._obj.value = self.cc[0] if attr == 75 else self.cc[1]
        return 0

    def cuDriverGetVersion(self, ref):
        ref._obj.value = 12040
        return 0


@pytest.mark.parametrize(("driver", "expected"), [
    (_FakeDriver(), CudaDevice(0, "Fake GPU 9000", (8, 6), 12040)),
    (_FakeDriver(init=100), "the NVIDIA driver did not initialise: CUDA_ERROR_NO_DEVICE (CUDA error 100)"),
    (_FakeDriver(count=0), "no CUDA device 0 (the driver sees 0)"),
])
def test_probe_cuda(driver, expected):
    assert probe_cuda(0, library=driver) == expected  # type: ignore[arg-type]


def test_probe_cuda_never_raises_on_a_broken_library():
    class Stub:
        pass

    assert "unusable" in probe_cuda(0, library=Stub())  # type: ignore[arg-type]
    assert isinstance(probe_cuda(), CudaDevice | str)
    assert CudaDevice(0, "NVIDIA H100", (9, 0), 12040).label == "NVIDIA H100 (sm_90)"


@pytest.mark.parametrize(("device", "specs", "expected"), [
    ("no NVIDIA driver", {"tensorrt", "pycuda"}, "no usable CUDA device: no NVIDIA driver"),
    (CudaDevice(0, "G", (8, 6), 1), {"tensorrt"}, "pycuda or cuda-python not installed"),
    (CudaDevice(0, "G", (8, 6), 1), set(), "tensorrt and pycuda or cuda-python not installed"),
    (CudaDevice(0, "G", (8, 6), 1), {"tensorrt", "pycuda"}, None),
    (CudaDevice(0, "G", (8, 6), 1), {"tensorrt", "cuda"}, None),  # cuda-python instead of pycuda
])
def test_tensorrt_readiness(device, specs, expected):
    reason = tensorrt_unavailable(device, find_spec=lambda name: object() if name in specs else None)
    assert reason == expected if expected is None else expected in reason


def test_tensorrt_without_gpu_is_one_line_with_the_fix(segmentation_model, monkeypatch):
    from engines.backends import tensorrt as trt_backend

    monkeypatch.setattr(trt_backend, "cuda_device", lambda index=0: "no NVIDIA driver (libcuda.so.1 not found)")
    with pytest.raises(EngineError) as caught:
        open_backend("tensorrt", segmentation_model)
    line = caught.value.one_line()
    assert "\n" not in line and "TensorRT backend unavailable" in line and "--backend onnxruntime" in line


def test_loading_the_tensorrt_module_imports_neither_tensorrt_nor_pycuda():
    import sys

    import engines.backends.tensorrt  # noqa: F401

    assert "tensorrt" not in sys.modules or tensorrt_unavailable() is None
    assert "pycuda" not in sys.modules or tensorrt_unavailable() is None


