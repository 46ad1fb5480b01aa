"""The TFLite -> ONNX converter against MediaPipe's own runtime, on a real photo transformed by code."""

from __future__ import annotations

import cv2
import flatbuffers
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from skimage import data

from engines.cache import ArtifactCache
from engines.models import selfie
from engines.models.tflite_onnx import convert_tflite
from engines.models.tflite_ops import resize_mode, same_pads
from realtime.errors import EngineError

MEAN_DIFF_MAX = 1e-4
IOU_MIN = 0.999


def _astronaut() -> np.ndarray:
    return np.ascontiguousarray(data.astronaut())  # RGB uint8 512x512


def _relit(rgb: np.ndarray) -> np.ndarray:
    """Darken the right half by up to 1.5 stops with a smooth gradient (hard side light)."""
    ramp = np.linspace(1.0, 2 ** -1.5, rgb.shape[1], dtype=np.float32)[None, :, None]
    return np.clip(rgb * ramp, 0, 255).astype(np.uint8)


def _rotated(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    return cv2.warpAffine(rgb, cv2.getRotationMatrix2D((w / 2, h / 2), 10, 1.0), (w, h),
                          borderMode=cv2.BORDER_REFLECT)


TRANSFORMS = {
    "original": lambda im: im,
    "mirrored": lambda im: im[:, ::-1],
    "shifted": lambda im: np.roll(im, 60, axis=1),
    "rotated": _rotated,
    "relit": _relit,
    "scaled_640x480": lambda im: cv2.resize(im, (640, 480), interpolation=cv2.INTER_AREA),
    "crop_1280x720": lambda im: cv2.resize(im[56:456], (1280, 720), interpolation=cv2.INTER_CUBIC),
}
MODEL_SELECTION = {"general": 0, "landscape": 1}


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[onnx.ModelProto, ort.InferenceSession]]:
    cache = ArtifactCache(tmp_path_factory.mktemp("cache"))
    out = {}
    for variant in selfie.VARIANTS:
        model = selfie.load_segmentation_model(variant, cache=cache)
        out[variant] = (model, ort.InferenceSession(model.SerializeToString(),
                                                    providers=["CPUExecutionProvider"]))
    return out


@pytest.fixture(scope="module")
def mediapipe_runs() -> dict[str, object]:
    from mediapipe.python.solutions import selfie_segmentation

    runners = {v: selfie_segmentation.SelfieSegmentation(model_selection=s) for v, s in MODEL_SELECTION.items()}
    yield runners
    for r in runners.values():
        r.close()


def mediapipe_like(session: ort.InferenceSession, rgb: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    """MediaPipe's CPU pipeline around the model: corner-mapped warp in (uint8), cv2.resize out."""
    h, w = grid
    height, width = rgb.shape[:2]
    src = np.float32([[0, height], [0, 0], [width, 0], [width, height]])
    dst = np.float32([[0, h], [0, 0], [w, 0], [w, h]])
    warped = cv2.warpPerspective(rgb, cv2.getPerspectiveTransform(src, dst), (w, h), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT)
    mask = session.run(None, {"input": (warped.astype(np.float32) / 255.0)[None]})[0][0, :, :, 0]
    return cv2.resize(mask, (width, height), interpolation=cv2.INTER_LINEAR)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = ((a > 0.5) | (b > 0.5)).sum()
    return float(((a > 0.5) & (b > 0.5)).sum() / union) if union else 1.0


@pytest.mark.parametrize("variant", list(MODEL_SELECTION))
@pytest.mark.parametrize("transform", list(TRANSFORMS))
def test_mask_matches_mediapipe_at_image_resolution(sessions, mediapipe_runs, variant, transform):
    model, session = sessions[variant]
    rgb = np.ascontiguousarray(TRANSFORMS[transform](_astronaut()))
    ref = mediapipe_runs[variant].process(rgb).segmentation_mask
    ours = mediapipe_like(session, rgb, selfie_grid(model))
    assert ref.shape == ours.shape == rgb.shape[:2]
    diff = np.abs(ref - ours)
    assert diff.mean() < MEAN_DIFF_MAX, f"mean |diff| {diff.mean():.2e}"
    assert _iou(ref, ours) >= IOU_MIN
    assert (ref > 0.5).mean() > 0.1  # the person is found at all (not a trivially empty mask)


@pytest.mark.parametrize("variant", list(MODEL_SELECTION))
def test_model_output_matches_mediapipe_at_model_size(sessions, mediapipe_runs, variant):
    """At exactly the model's input size MediaPipe's warp and upsample are identities: raw model parity."""
    model, session = sessions[variant]
    h, w = selfie_grid(model)
    small = cv2.resize(_astronaut(), (w, h), interpolation=cv2.INTER_AREA)
    ref = mediapipe_runs[variant].process(small).segmentation_mask
    ours = session.run(None, {"input": (small.astype(np.float32) / 255)[None]})[0][0, :, :, 0]
    assert np.abs(ref - ours).mean() < MEAN_DIFF_MAX
    assert np.abs(ref - ours).max() < 1e-3
    assert _iou(ref, ours) >= IOU_MIN


def selfie_grid(model: onnx.ModelProto) -> tuple[int, int]:
    dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    return dims[1], dims[2]


@pytest.mark.parametrize(("variant", "grid"), [("general", (256, 256)), ("landscape", (144, 256))])
def test_boundary_is_nhwc_and_inside_is_nchw(sessions, variant, grid):
    model, _ = sessions[variant]
    io = [[d.dim_value for d in v.type.tensor_type.shape.dim] for v in (*model.graph.input, *model.graph.output)]
    assert io == [[1, *grid, 3], [1, *grid, 1]]
    assert [n.op_type for n in model.graph.node].count("Transpose") == 2
    assert model.opset_import[0].version == 17
    ops = {n.op_type for n in model.graph.node}
    assert {"Conv", "ConvTranspose", "HardSwish", "Resize", "Sigmoid"} <= ops
    assert ("ReduceMean" in ops) == (variant == "landscape")


def _mutated(mutate) -> bytes:
    """The real model, unpacked with the wheel's schema object API, changed by code, packed again."""
    from mediapipe.tasks.metadata import schema_py_generated as s

    model = s.ModelT.InitFromPackedBuf(selfie.tflite_path("general").read_bytes(), 0)
    mutate(s, model)
    builder = flatbuffers.Builder(1 << 20)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def test_unknown_operator_is_named():
    def swap(s, model):
        for code in model.operatorCodes:
            if code.builtinCode == s.BuiltinOperator.HARD_SWISH:
                code.builtinCode = code.deprecatedBuiltinCode = s.BuiltinOperator.SQUARED_DIFFERENCE
    with pytest.raises(EngineError, match="unsupported TFLite operator SQUARED_DIFFERENCE"):
        convert_tflite(_mutated(swap))


def test_unknown_custom_operator_is_named():
    def rename(s, model):
        for code in model.operatorCodes:
            if code.customCode:
                code.customCode = b"MaxPoolingWithArgmax2D"
    with pytest.raises(EngineError, match="CUSTOM:MaxPoolingWithArgmax2D"):
        convert_tflite(_mutated(rename))


def test_fused_relu6_becomes_clip():
    def fuse(s, model):
        ops = model.subgraphs[0].operators
        conv = s.BuiltinOperator.CONV_2D
        first_conv = next(op for op in ops if model.operatorCodes[op.opcodeIndex].builtinCode == conv)
        first_conv.builtinOptions.fusedActivationFunction = s.ActivationFunctionType.RELU6
    nodes = convert_tflite(_mutated(fuse)).graph.node
    conv = next(i for i, n in enumerate(nodes) if n.op_type == "Conv")
    assert nodes[conv + 1].op_type == "Clip" and nodes[conv + 1].input[0] == nodes[conv].output[0]


@pytest.mark.parametrize("garbage", [b"", b"not a flatbuffer at all", bytes(64)])
def test_garbage_input_is_an_engine_error(garbage):
    with pytest.raises(EngineError):
        convert_tflite(garbage)


@pytest.mark.parametrize(("size", "kernel", "stride", "expected"), [
    (256, 3, 2, (0, 1)),  # TF puts the odd pixel at the end
    (128, 3, 1, (1, 1)),
    (32, 5, 2, (1, 2)),
    (16, 5, 1, (2, 2)),
    (64, 1, 1, (0, 0)),
    (9, 3, 2, (1, 1)),
])
def test_same_pads_match_tensorflow(size, kernel, stride, expected):
    assert same_pads(size, kernel, stride) == expected


@pytest.mark.parametrize(("align", "half", "mode"), [
    (False, False, "asymmetric"), (True, False, "align_corners"), (False, True, "half_pixel"),
])
def test_resize_flags_map_exactly(align, half, mode):
    assert resize_mode(align, half) == mode


def test_resize_with_both_flags_is_rejected():
    with pytest.raises(EngineError, match="align_corners and half_pixel_centers"):
        resize_mode(True, True)


def test_conversion_is_cached_by_tflite_hash(tmp_path, monkeypatch):
    calls = []
    real = selfie.convert_tflite
    monkeypatch.setattr(selfie, "convert_tflite", lambda data, **kw: calls.append(1) or real(data, **kw))
    cache = ArtifactCache(tmp_path)
    first = selfie.segmentation_onnx_bytes("general", cache=cache)
    second = selfie.segmentation_onnx_bytes("general", cache=cache)
    assert first == second and len(calls) == 1
    (entry,) = cache.entries()
    assert entry.key["source_sha256"] == selfie.sha256_bytes(selfie.tflite_path("general").read_bytes())


def test_unknown_variant_names_the_choices():
    with pytest.raises(EngineError, match="general"):
        selfie.tflite_path("portrait")
