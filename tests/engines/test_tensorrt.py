"""TensorRT backend: its pure decisions (no GPU) and, on a GPU, parity with ONNX Runtime and the engine cache."""

from __future__ import annotations

import numpy as np
import pytest

from engines.backends import open_backend, tensorrt_unavailable
from engines.backends.gpu import CudaDevice
from engines.backends.tensorrt_plan import (
    DEFAULT_PROFILE,
    GPU_FIX,
    INSTALL_FIX,
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
from realtime.errors import EngineError

H100 = CudaDevice(0, "NVIDIA H100 80GB HBM3", (9, 0), 12040)
STUDIO_ROWS = [
    TensorRow("frame", True, "uint8", (1, -1, -1, 3)),
    TensorRow("settings", True, "float32", (22,)),
    TensorRow("state_in", True, "float32", (1, 256, 256, 1)),
    TensorRow("image", False, "uint8", (1, -1, -1, 3)),
    TensorRow("alpha", False, "float32", (1, -1, -1, 1)),
    TensorRow("state_out", False, "float32", (1, 256, 256, 1)),
]


@pytest.mark.parametrize(("precision", "flags", "strongly", "expected"), [
    ("fp32", {"FP16", "INT8"}, True, BuildPlan("fp32", (), False)),
    ("fp16", {"FP16", "INT8"}, True, BuildPlan("fp32", ("FP16",), False)),  # TensorRT 10
    ("fp16", set(), True, BuildPlan("fp16", (), True)),  # TensorRT 11: fp16 ONNX, strongly typed
    ("int8", {"FP16", "INT8"}, True, BuildPlan("qdq", ("INT8", "FP16"), False)),
    ("int8", set(), True, BuildPlan("qdq", (), True)),
])
def test_build_plan_per_tensorrt_generation(precision, flags, strongly, expected):
    assert build_plan(precision, builder_flags=flags, has_strongly_typed=strongly) == expected


@pytest.mark.parametrize(("precision", "message"), [("fp16", "neither"), ("int8", "cannot build int8"),
                                                    ("bf16", "expected fp32, fp16 or int8")])
def test_build_plan_refusals(precision, message):
    with pytest.raises(EngineError, match=message):
        build_plan(precision, builder_flags=set(), has_strongly_typed=False)


def test_profile_is_the_issue_sizes_and_keys_the_cache():
    assert DEFAULT_PROFILE.text == "1x360x640x3..1x720x1280x3..1x1080x1920x3"
    assert profile_inputs(STUDIO_ROWS, DEFAULT_PROFILE) == {
        "frame": ((1, 360, 640, 3), (1, 720, 1280, 3), (1, 1080, 1920, 3))}
    bare = [TensorRow("input", True, "float32", (1, 256, 256, 3)),
            TensorRow("mask", False, "float32", (1, 256, 256, 1))]
    assert profile_inputs(bare, DEFAULT_PROFILE) == {}


def test_only_the_frame_may_be_dynamic():
    rows = [TensorRow("settings", True, "float32", (-1,))]
    with pytest.raises(EngineError, match="only 'frame' may"):
        profile_inputs(rows, DEFAULT_PROFILE)


@pytest.mark.parametrize(("shape", "ok"), [((1, 360, 640, 3), True), ((1, 1080, 1920, 3), True),
                                           ((1, 720, 1280, 3), True), ((1, 2160, 3840, 3), False),
                                           ((1, 240, 320, 3), False), ((2, 720, 1280, 3), False)])
def test_frames_outside_the_profile_are_refused(shape, ok):
    if ok:
        DEFAULT_PROFILE.check(shape)
    else:
        with pytest.raises(EngineError, match="outside the TensorRT engine's size range 640x360 .. 1920x1080"):
            DEFAULT_PROFILE.check(shape)


def test_profile_must_be_ordered():
    with pytest.raises(EngineError, match="min <= opt <= max"):
        ShapeProfile(min=(1, 720, 1280, 3), opt=(1, 360, 640, 3))


def test_engine_key_covers_gpu_version_precision_profile_flags_and_workspace():
    key = engine_key("a" * 64, precision="fp16", device=H100, trt_version="10.3.0", profile=DEFAULT_PROFILE,
                     flags=("FP16",))
    assert (key.backend, key.precision, key.device, key.library, key.profile, key.options) == (
        "tensorrt", "fp16", "NVIDIA H100 80GB HBM3 (sm_90)", "tensorrt 10.3.0", DEFAULT_PROFILE.text,
        "flags FP16; weakly typed; workspace 1024 MiB")
    for change in ({"flags": ("FP16", "INT8")}, {"strongly_typed": True}, {"workspace": 512 << 20}):
        options = {"flags": ("FP16",), **change}
        other = engine_key("a" * 64, precision="fp16", device=H100, trt_version="10.3.0", profile=DEFAULT_PROFILE,
                           **options)
        assert other.digest() != key.digest(), change
    other_gpu = engine_key("a" * 64, precision="fp16", device=CudaDevice(0, "NVIDIA H100 80GB HBM3", (8, 0), 1),
                           trt_version="10.3.0", profile=DEFAULT_PROFILE)
    assert other_gpu.digest() != key.digest()
    assert timing_cache_name(H100, "10.3.0") == "timing-NVIDIA-H100-80GB-HBM3--sm-90-trt10.3.0.cache"


def test_buffers_are_planned_from_the_resolved_shapes():
    resolved = {"frame": (1, 720, 1280, 3), "image": (1, 720, 1280, 3), "alpha": (1, 720, 1280, 1)}
    plan = {b.name: b for b in plan_buffers(STUDIO_ROWS, resolved)}
    assert plan["frame"] == Buffer("frame", True, "uint8", (1, 720, 1280, 3))
    assert plan["frame"].nbytes == 720 * 1280 * 3
    assert plan["alpha"].nbytes == 720 * 1280 * 4
    assert plan["state_in"].nbytes == plan["state_out"].nbytes == 256 * 256 * 4
    assert [b.is_input for b in plan.values()] == [True, True, True, False, False, False]


def test_unresolved_shapes_are_an_error():
    with pytest.raises(EngineError, match="could not resolve the shape of 'image'"):
        plan_buffers(STUDIO_ROWS, {"frame": (1, 720, 1280, 3), "alpha": (1, 720, 1280, 1)})


@pytest.mark.parametrize(("name", "dtype"), [("DataType.FLOAT", "float32"), ("HALF", "float16"),
                                             ("DataType.UINT8", "uint8"), ("DataType.INT32", "int32")])
def test_dtype_names(name, dtype):
    assert trt_dtype_name(name) == dtype


def test_unknown_dtype_is_an_error():
    with pytest.raises(EngineError, match="FP8"):
        trt_dtype_name("DataType.FP8")


@pytest.mark.parametrize(("reason", "fix"), [("no usable CUDA device: no NVIDIA driver", GPU_FIX),
                                             ("tensorrt and pycuda not installed", INSTALL_FIX)])
def test_unavailable_error_gives_the_fix_that_applies(reason, fix):
    assert unavailable_error(reason).fix == fix


# -- on a GPU ----------------------------------------------------------------------------------
_NO_TRT = tensorrt_unavailable()
gpu = pytest.mark.skipif(_NO_TRT is not None, reason=f"TensorRT not usable here: {_NO_TRT}")


@pytest.mark.gpu
@gpu
def test_tensorrt_fp16_matches_onnxruntime(segmentation_model, astronaut_bgr, tmp_path):
    from engines.cache import ArtifactCache
    from engines.graph import build_studio_graph

    ort_model = build_studio_graph(segmentation_model, variant="general", target="onnxruntime")  # CPU reference
    trt_model = build_studio_graph(segmentation_model, variant="general", target="tensorrt")
    frames = [astronaut_bgr, np.ascontiguousarray(astronaut_bgr[:, ::-1]), astronaut_bgr[::2, ::2].copy()]
    with open_backend("onnxruntime", ort_model) as ref_engine, \
            open_backend("tensorrt", trt_model, precision="fp16", cache=ArtifactCache(tmp_path)) as engine:
        assert engine.info.backend == "tensorrt"
        for frame in frames:
            ref, out = ref_engine.run(frame), engine.run(frame)
            image_diff = np.abs(ref.image.astype(np.int16) - out.image.astype(np.int16))
            alpha_diff = np.abs(ref.alpha - out.alpha)
            assert np.mean(image_diff <= 2) >= 0.999
            assert np.mean(alpha_diff <= 2 / 255) >= 0.999


@pytest.mark.gpu
@gpu
def test_engine_cache_round_trip(segmentation_model, astronaut_bgr, tmp_path):
    from engines.cache import ArtifactCache

    cache = ArtifactCache(tmp_path)
    with open_backend("tensorrt", segmentation_model, precision="fp16", cache=cache) as first:
        a = first.run(astronaut_bgr)
        assert first.info.details["engine"] == "built"
    (entry,) = [e for e in cache.entries() if e.key["kind"] == "engines"]
    assert entry.valid and entry.key["device"] and entry.key["library"].startswith("tensorrt ")
    assert list((tmp_path / "tensorrt").glob("timing-*.cache"))
    with open_backend("tensorrt", segmentation_model, precision="fp16", cache=cache) as second:
        b = second.run(astronaut_bgr)
        assert second.info.details["engine"] == "cached"
    assert np.array_equal(a.alpha, b.alpha)
    entry.path.write_bytes(entry.path.read_bytes()[:1000])  # truncated: detected and rebuilt
    with open_backend("tensorrt", segmentation_model, precision="fp16", cache=cache) as third:
        assert third.info.details["engine"] == "built"


@pytest.mark.gpu
@gpu
def test_tensorrt_studio_graph_on_a_worker_thread(trt_studio_model, astronaut_bgr, tmp_path):
    """The real CUDA context handling: opened here, run on a worker thread as the live loop does."""
    from concurrent.futures import ThreadPoolExecutor

    from engines.cache import ArtifactCache

    with open_backend("tensorrt", trt_studio_model, precision="fp32", cache=ArtifactCache(tmp_path)) as engine, \
            ThreadPoolExecutor(1) as worker:
        out = worker.submit(engine.run, astronaut_bgr).result()
    assert out.image.shape == astronaut_bgr.shape and 0.0 <= out.alpha.min() <= out.alpha.max() <= 1.0


# -- the backend's own code on stand-in tensorrt/pycuda/cuda-python modules (no GPU) -----------------
def _install_fakes(monkeypatch, runtime: str):
    import sys
    import types

    from engines.backends import tensorrt as trt_backend
    from tests.engines import fake_cuda, fake_tensorrt

    monkeypatch.setitem(sys.modules, "tensorrt", fake_tensorrt)
    if runtime == "pycuda":
        pycuda = types.ModuleType("pycuda")
        pycuda.driver = fake_cuda.driver
        monkeypatch.setitem(sys.modules, "pycuda", pycuda)
        monkeypatch.setitem(sys.modules, "pycuda.driver", fake_cuda.driver)
    else:  # cuda-python only: pycuda does not import
        monkeypatch.setitem(sys.modules, "pycuda", None)
        monkeypatch.setitem(sys.modules, "pycuda.driver", None)
        cuda, bindings = types.ModuleType("cuda"), types.ModuleType("cuda.bindings")
        cuda.bindings, bindings.runtime = bindings, fake_cuda.cudart
        monkeypatch.setitem(sys.modules, "cuda", cuda)
        monkeypatch.setitem(sys.modules, "cuda.bindings", bindings)
        monkeypatch.setitem(sys.modules, "cuda.bindings.runtime", fake_cuda.cudart)
    monkeypatch.setattr(trt_backend, "cuda_device", lambda index=0: H100)
    monkeypatch.setattr(trt_backend, "tensorrt_unavailable", lambda device=None: None)
    fake_tensorrt.BUILDS.clear()
    fake_cuda.reset_thread()
    return fake_tensorrt


@pytest.fixture(params=["pycuda", "cuda-python"])
def fake_trt(request, monkeypatch):
    return _install_fakes(monkeypatch, request.param)


@pytest.fixture
def fake_trt_pycuda(monkeypatch):
    return _install_fakes(monkeypatch, "pycuda")


def _close_enough(ref, out):
    """fp16 (the stand-in runs the graph in fp16 under BuilderFlag.FP16) against ONNX Runtime fp32."""
    image_diff = np.abs(ref.image.astype(np.int16) - out.image.astype(np.int16))
    assert np.mean(image_diff <= 2) >= 0.99 and np.mean(np.abs(ref.alpha - out.alpha) <= 2 / 255) >= 0.99


def test_backend_flow_on_stand_in_tensorrt(fake_trt, studio_model, trt_studio_model, astronaut_bgr, tmp_path):
    from engines.backends.tensorrt import TensorRTEngine
    from engines.cache import ArtifactCache
    from tests.engines import fake_cuda

    cache = ArtifactCache(tmp_path)
    small = astronaut_bgr[::2, ::2].copy()
    with open_backend("onnxruntime", studio_model) as ref_engine:  # the CPU graph, fp32
        ref_big, ref_small = ref_engine.run(astronaut_bgr), ref_engine.run(small)
    with TensorRTEngine(trt_studio_model, precision="fp16", cache=cache) as engine:
        assert engine.info.details["engine"] == "built" and engine.info.device == H100.label
        big, again = engine.run(astronaut_bgr), engine.run(small)  # a new size re-binds the buffers
        assert not fake_cuda.stack()  # every push was popped
        assert fake_cuda.PINNED  # pinned buffers live while the engine is open
    assert fake_trt.BUILDS == [{"flags": ["FP16"], "strongly_typed": False, "fp16_weights": False,
                                "profile": {"frame": [list(s) for s in (DEFAULT_PROFILE.min, DEFAULT_PROFILE.opt,
                                                                       DEFAULT_PROFILE.max)]}}]
    assert not np.array_equal(big.alpha, ref_big.alpha)  # fp16 really ran: not ONNX Runtime's fp32 again
    _close_enough(ref_big, big)
    _close_enough(ref_small, again)
    assert not fake_cuda._MEMORY and not fake_cuda.PINNED  # device and pinned host buffers freed on close
    assert list((tmp_path / "tensorrt").glob("timing-*.cache"))
    with TensorRTEngine(trt_studio_model, precision="fp16", cache=cache) as engine:
        assert engine.info.details["engine"] == "cached"
        with pytest.raises(EngineError, match="outside the TensorRT engine's size range"):
            engine.run(np.zeros((2160, 3840, 3), np.uint8))
    assert len(fake_trt.BUILDS) == 1


def test_engine_runs_on_the_loops_worker_thread(fake_trt, trt_studio_model, astronaut_bgr, tmp_path):
    """Opened on the main thread, run on a worker (as the live loop does), closed on the main thread."""
    from concurrent.futures import ThreadPoolExecutor

    from engines.backends.tensorrt import TensorRTEngine
    from engines.cache import ArtifactCache
    from tests.engines import fake_cuda

    frame = astronaut_bgr[::2, ::2].copy()
    with TensorRTEngine(trt_studio_model, precision="fp32", cache=ArtifactCache(tmp_path)) as engine, \
            ThreadPoolExecutor(1, thread_name_prefix="engine") as worker:
        outs = [worker.submit(engine.run, frame).result() for _ in range(2)]
        assert worker.submit(fake_cuda.stack).result() == []  # the worker's stack is empty between frames
        assert not fake_cuda.stack()
    assert outs[0].image.shape == frame.shape and np.array_equal(outs[0].alpha.shape, frame.shape[:2])
    assert not fake_cuda._MEMORY and not fake_cuda.PINNED


def test_context_is_per_thread(fake_trt_pycuda):
    """The stand-in's context is per thread, as CUDA's: a push on one thread is not current on another."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.engines import fake_cuda

    ctx = fake_cuda.driver.Device(0).retain_primary_context()
    ctx.push()
    try:
        with ThreadPoolExecutor(1) as worker, pytest.raises(RuntimeError, match="no CUDA context is current"):
            worker.submit(fake_cuda.driver.mem_alloc, 16).result()
    finally:
        fake_cuda.driver.Context.pop()


@pytest.mark.parametrize("graph", ["onnxruntime target", "int32 biases"])
def test_stand_in_parser_refuses_what_tensorrt_refuses(fake_trt_pycuda, graph, studio_model,
                                                       int32_bias_qdq_segmentation, tmp_path):
    """Issue 20 items 1-2: the uint8 transposes and int32 bias dequantization never reach a build."""
    from engines.backends.tensorrt import TensorRTEngine
    from engines.cache import ArtifactCache
    from engines.graph import build_studio_graph

    if graph == "onnxruntime target":
        model, precision, words = studio_model, "fp16", "UINT8 intermediate"
    else:
        model = build_studio_graph(int32_bias_qdq_segmentation, variant="general", target="tensorrt")
        precision, words = "int8", "INT32"
    with pytest.raises(EngineError, match="TensorRT could not parse the ONNX") as caught:
        TensorRTEngine(model, precision=precision, cache=ArtifactCache(tmp_path)).open()
    assert words in caught.value.problem
    assert fake_trt_pycuda.BUILDS == []


def test_int8_tensorrt_graph_builds_on_the_stand_in(fake_trt_pycuda, trt_qdq_segmentation, astronaut_bgr, tmp_path):
    from engines.backends.tensorrt import TensorRTEngine
    from engines.cache import ArtifactCache
    from engines.graph import build_studio_graph

    model = build_studio_graph(trt_qdq_segmentation, variant="general", target="tensorrt")
    with TensorRTEngine(model, precision="int8", cache=ArtifactCache(tmp_path)) as engine:
        out = engine.run(astronaut_bgr)
    assert fake_trt_pycuda.BUILDS[-1]["flags"] == ["FP16", "INT8"]
    assert out.alpha.shape == astronaut_bgr.shape[:2]


def test_a_failing_cached_engine_removes_only_itself(fake_trt_pycuda, trt_studio_model, segmentation_model,
                                                     astronaut_bgr, tmp_path):
    from engines.backends.tensorrt import TensorRTEngine
    from engines.cache import ArtifactCache

    cache = ArtifactCache(tmp_path)
    for model, precision in ((trt_studio_model, "fp16"), (segmentation_model, "fp16"), (segmentation_model, "fp32")):
        TensorRTEngine(model, precision=precision, cache=cache).open().close()
    plans = {e.path: e for e in cache.entries() if e.key["kind"] == "engines"}
    assert len(plans) == 3
    target = next(p for p, e in plans.items() if e.key["precision"] == "fp16"
                  and e.key["source_sha256"] == TensorRTEngine(trt_studio_model).model_sha256)
    payload = b"NOTAPLAN" + target.read_bytes()[8:]  # valid sidecar and size, but TensorRT cannot load it
    target.write_bytes(payload)
    meta = target.with_name(target.name + ".json")
    import hashlib
    import json

    data = json.loads(meta.read_text())
    data["sha256"] = hashlib.sha256(payload).hexdigest()
    meta.write_text(json.dumps(data))
    with TensorRTEngine(trt_studio_model, precision="fp16", cache=cache) as engine:
        assert engine.info.details["engine"] == "built"
    others = [p for p in plans if p != target]
    assert all(p.exists() for p in others) and target.exists()
    assert len(fake_trt_pycuda.BUILDS) == 4


def test_strongly_typed_build_uses_the_fp16_onnx(fake_trt, monkeypatch, segmentation_model, astronaut_bgr, tmp_path):
    from engines.backends.tensorrt import TensorRTEngine
    from engines.cache import ArtifactCache

    monkeypatch.setattr(fake_trt, "BuilderFlag", type("BuilderFlag", (), {}))  # TensorRT 11: no precision flags
    with TensorRTEngine(segmentation_model, precision="fp16", cache=ArtifactCache(tmp_path)) as engine:
        out = engine.run(astronaut_bgr)
    assert fake_trt.BUILDS[-1]["strongly_typed"] and fake_trt.BUILDS[-1]["flags"] == []
    assert fake_trt.BUILDS[-1]["fp16_weights"]  # TensorRT 11 gets the fp16 ONNX
    assert fake_trt.BUILDS[-1]["profile"] == {}  # bare model: fixed shapes, no profile
    assert out.alpha.shape == astronaut_bgr.shape[:2]
