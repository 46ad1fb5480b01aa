"""Where MediaPipe's selfie-segmentation models live, and their ONNX conversions, cached by hash.

The .tflite files come from the installed mediapipe wheel (nothing is downloaded). The ONNX conversion
is made on first use (or by ``headshot engines build``) and cached under the .tflite's sha256 and the
converter version, so a new mediapipe or converter gives a new conversion.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import onnx

from engines.cache import ArtifactCache, CacheKey, sha256_bytes
from engines.errors import EngineError
from engines.models.tflite_onnx import CONVERTER_VERSION, ONNX_OPSET, convert_tflite

log = logging.getLogger(__name__)

# variant -> file name inside mediapipe/modules/selfie_segmentation (model_selection 0 and 1)
VARIANTS = {
    "general": "selfie_segmentation.tflite",  # input 1x256x256x3
    "landscape": "selfie_segmentation_landscape.tflite",  # input 1x144x256x3
}


_REINSTALL = "reinstall the pinned wheel: pip install --force-reinstall mediapipe==0.10.21"


def tflite_path(variant: str = "general") -> Path:
    """The .tflite inside the installed mediapipe wheel (located without importing mediapipe)."""
    if variant not in VARIANTS:
        raise EngineError(f"unknown segmentation model {variant!r}, expected one of {sorted(VARIANTS)}",
                          "use --model general or --model landscape")
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise EngineError("mediapipe is not installed, so its segmentation model is missing",
                          "pip install mediapipe==0.10.21")
    path = Path(list(spec.submodule_search_locations)[0]) / "modules" / "selfie_segmentation" / VARIANTS[variant]
    if not path.is_file():
        raise EngineError(f"expected the segmentation model at {path}, found nothing",
                          "reinstall the pinned wheel: pip install --force-reinstall mediapipe==0.10.21")
    return path


def conversion_key(tflite_sha256: str, opset: int = ONNX_OPSET) -> CacheKey:
    """Cache key of a converted model: the .tflite hash, converter version, onnx version and opset."""
    return CacheKey(kind="models", source_sha256=tflite_sha256, backend="onnx", precision="fp32",
                    library=f"tflite_onnx {CONVERTER_VERSION}; onnx {onnx.__version__}; opset {opset}")


def segmentation_onnx_bytes(variant: str = "general", *, cache: ArtifactCache | None = None) -> bytes:
    """The serialized ONNX of a selfie-segmentation variant, converted on first use and cached."""
    path = tflite_path(variant)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EngineError(f"cannot read the segmentation model {path} ({exc.strerror or exc})", _REINSTALL) from exc
    key = conversion_key(sha256_bytes(data))

    def build() -> bytes:
        log.info("converting %s to ONNX", path.name)
        try:
            model = convert_tflite(data, doc=f"MediaPipe {path.name} (sha256 {key.source_sha256}), "
                                             "converted by headshot-studio")
        except EngineError as exc:  # say which file, and that the wheel is what needs mending
            raise EngineError(f"the segmentation model {path} is unreadable: {exc.problem}", _REINSTALL) from exc
        return model.SerializeToString()

    payload, _ = (cache or ArtifactCache()).get_or_build(key, build, suffix=".onnx")
    return payload


def load_segmentation_model(variant: str = "general", *, cache: ArtifactCache | None = None) -> onnx.ModelProto:
    """The selfie-segmentation model as an ONNX ModelProto (NHWC input ``input``, output ``mask``)."""
    return onnx.load_from_string(segmentation_onnx_bytes(variant, cache=cache))
