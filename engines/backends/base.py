"""The engine protocol every backend follows, and the backend-independent half of running a model.

A backend maps one BGR frame and the studio settings to an ``EngineOutput`` (alpha matte and processed
image). The model is read by its I/O names, so the same code runs two kinds of model:

* the studio graph (``engines.graph``): inputs ``frame`` uint8 [1,H,W,3] BGR, ``settings`` float32 [N],
  ``state_in`` float32 (the previous low-res matte); outputs ``image`` uint8 [1,H,W,3], ``alpha``
  [1,H,W,1] (float32 or uint8), ``state_out`` (fed back as the next ``state_in``);
* the studio graph's CPU form, which stops at the segmentation grid: inputs ``frame_grid`` uint8
  [1,h,w,3] (the frame resized to the grid here), ``settings``, ``state_in``; outputs ``alpha_grid``,
  ``gain_grid``, ``backdrop_grid``, ``line_grid`` (grid / 4) and ``state_out``. The full-resolution step
  (upsample, edge alpha and blend) then runs here, with OpenCV (``engines.compose``), and the caller gets
  the same ``EngineOutput``;
* a bare segmentation model (the converted .tflite): one float32 input [1,h,w,3] RGB in [0,1] and one
  output [1,h,w,1]. The backend then does MediaPipe's own pre- and post-processing on the CPU (the
  corner-mapped warp to h x w, and a bilinear upsample back), so the matte equals MediaPipe's and
  the image passes through unchanged.

Backends only implement ``_open``, ``_infer`` and ``_close``; this module plans the I/O from the
model's tensor table, keeps the recurrent state, and checks inputs once, at the boundary.
"""

from __future__ import annotations

import abc
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import cv2
import numpy as np
import onnx
from google.protobuf.message import DecodeError

from engines import compose
from engines.cache import sha256_bytes
from engines.errors import EngineError

log = logging.getLogger(__name__)

GRID_OUTPUTS = ("alpha_grid", "gain_grid", "backdrop_grid", "line_grid", "state_out")  # the grid form's (engines.graph)
PRECISIONS = ("fp32", "fp16", "int8")


@dataclass(frozen=True)
class EngineOutput:
    """One frame's result: the matte (float32 H x W in [0, 1], 1 = person) and the processed BGR image."""

    alpha: np.ndarray
    image: np.ndarray

    def __post_init__(self) -> None:
        if self.alpha.dtype != np.float32 or self.alpha.ndim != 2:
            raise ValueError(f"expected alpha float32 H x W, got {self.alpha.dtype} {self.alpha.shape}")
        if self.image.dtype != np.uint8 or self.image.shape != (*self.alpha.shape, 3):
            raise ValueError(f"expected image uint8 {(*self.alpha.shape, 3)}, got {self.image.dtype} "
                             f"{self.image.shape}")


@dataclass(frozen=True)
class EngineInfo:
    """What ran: written into reports and ``FrameResult.engine_info``."""

    backend: str
    precision: str
    device: str
    providers: tuple[str, ...] = ()
    model_sha256: str = ""
    details: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"backend": self.backend, "precision": self.precision, "device": self.device,
                "providers": list(self.providers), "model_sha256": self.model_sha256, **self.details}


@dataclass(frozen=True)
class TensorSpec:
    """A model input or output: name, numpy dtype name, shape with None for a dynamic dimension."""

    name: str
    dtype: str
    shape: tuple[int | None, ...]

    @property
    def fixed(self) -> bool:
        return all(d is not None and d >= 0 for d in self.shape)


@dataclass(frozen=True)
class IOPlan:
    """Which model tensor plays which role. ``bare`` means a segmentation model without the studio graph;
    ``composed`` the studio graph's grid form (``frame`` and ``alpha`` are then ``frame_grid`` and
    ``alpha_grid``, and the full-resolution step runs in ``engines.compose``)."""

    frame: TensorSpec
    alpha: TensorSpec
    bare: bool = False
    composed: bool = False
    settings: TensorSpec | None = None
    state_in: TensorSpec | None = None
    state_out: str | None = None
    image: str | None = None

    @property
    def grid(self) -> tuple[int, int]:
        """(h, w) of a bare or grid-form model's input."""
        return int(self.frame.shape[1] or 0), int(self.frame.shape[2] or 0)


def plan_io(inputs: list[TensorSpec], outputs: list[TensorSpec]) -> IOPlan:
    """Assign roles to a model's tensors by name (studio contract) or by shape (bare segmentation model)."""
    by_in, by_out = {t.name: t for t in inputs}, {t.name: t for t in outputs}
    found = f"inputs {[(t.name, t.dtype, t.shape) for t in inputs]}, outputs {[t.name for t in outputs]}"
    if "frame" in by_in:
        frame = by_in["frame"]
        if frame.dtype != "uint8" or len(frame.shape) != 4 or frame.shape[3] != 3:
            raise EngineError(f"model input 'frame': expected uint8 [1,H,W,3], found {frame.dtype} {frame.shape}",
                              "rebuild the studio graph with engines.graph")
        if "alpha" not in by_out:
            raise EngineError(f"model has a 'frame' input but no 'alpha' output ({found})",
                              "rebuild the studio graph with engines.graph")
        state_in = by_in.get("state_in")
        if state_in is not None and ("state_out" not in by_out or not state_in.fixed):
            raise EngineError(f"model input 'state_in' needs a fixed shape and a 'state_out' output ({found})",
                              "rebuild the studio graph with engines.graph")
        unknown = set(by_in) - {"frame", "settings", "state_in"}
        if unknown:
            raise EngineError(f"model has inputs the engine cannot feed: {sorted(unknown)}",
                              "expected only frame, settings and state_in")
        return IOPlan(frame=frame, alpha=by_out["alpha"], settings=by_in.get("settings"), state_in=state_in,
                      state_out="state_out" if state_in is not None else None,
                      image="image" if "image" in by_out else None)
    if "frame_grid" in by_in:
        frame, missing = by_in["frame_grid"], [n for n in GRID_OUTPUTS if n not in by_out]
        if frame.dtype != "uint8" or not frame.fixed or len(frame.shape) != 4 or frame.shape[3] != 3 or missing:
            raise EngineError(f"model with a 'frame_grid' input: expected uint8 [1,h,w,3] and outputs "
                              f"{', '.join(GRID_OUTPUTS)} ({found})", "rebuild the studio graph with engines.graph")
        state_in = by_in.get("state_in")
        if state_in is None or not state_in.fixed or set(by_in) - {"frame_grid", "settings", "state_in"}:
            raise EngineError(f"model with a 'frame_grid' input: expected inputs frame_grid, settings, state_in "
                              f"({found})", "rebuild the studio graph with engines.graph")
        return IOPlan(frame=frame, alpha=by_out["alpha_grid"], composed=True, settings=by_in.get("settings"),
                      state_in=state_in, state_out="state_out")
    if len(inputs) == 1 and len(outputs) == 1:
        (x,), (y,) = inputs, outputs
        if (x.dtype == "float32" and x.fixed and len(x.shape) == 4 and x.shape[0] == 1 and x.shape[3] == 3
                and len(y.shape) == 4 and y.shape[3] == 1):
            return IOPlan(frame=x, alpha=y, bare=True)
    raise EngineError(f"model does not follow the engine contract: {found}",
                      "expected a studio graph (frame, settings, state_in -> image, alpha, state_out) "
                      "or a segmentation model (float [1,h,w,3] -> [1,h,w,1])")


def model_bytes(model: str | Path | bytes | onnx.ModelProto) -> bytes:
    """Serialized ONNX from a path, bytes or ModelProto (checked once, here)."""
    if isinstance(model, onnx.ModelProto):
        return model.SerializeToString()
    if isinstance(model, bytes | bytearray):
        return bytes(model)
    if isinstance(model, str | Path):
        path = Path(model)
        if not path.is_file():
            raise EngineError(f"model file {path} does not exist", "run 'headshot engines build' or check the path")
        try:
            data = path.read_bytes()
            # an unreadable file is named here, not deep inside a backend (empty bytes parse as no graph)
            problem = None if onnx.load_from_string(data).graph.node else "no graph in it"
        except (OSError, DecodeError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
        if problem is not None:
            raise EngineError(f"model file {path} is not a readable ONNX model ({problem})",
                              "it may be truncated or not ONNX: rebuild it ('headshot engines build') "
                              "or check the path")
        return data
    raise TypeError(f"expected an ONNX path, bytes or ModelProto, got {type(model).__name__}")


def settings_vector(settings: Any, spec: TensorSpec | None) -> np.ndarray | None:
    """The settings tensor: StudioSettings (``to_tensor()``), a vector, or None for the defaults."""
    if spec is None:
        return None
    if settings is None:
        try:
            from engines.settings import StudioSettings
        except ImportError as exc:
            raise EngineError("the model needs settings and engines.settings is missing",
                              "pass a settings vector to run()") from exc
        settings = StudioSettings()
    vector = settings.to_tensor() if hasattr(settings, "to_tensor") else settings
    vector = np.ascontiguousarray(np.asarray(vector, dtype=np.float32).reshape(-1))
    if spec.shape and spec.shape[0] is not None and vector.shape[0] != spec.shape[0]:
        raise EngineError(f"settings: expected {spec.shape[0]} values, got {vector.shape[0]}",
                          "build settings with engines.settings.StudioSettings")
    return vector


def check_frame(frame: Any) -> np.ndarray:
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        got = f"{frame.dtype} {frame.shape}" if isinstance(frame, np.ndarray) else type(frame).__name__
        raise ValueError(f"expected a BGR uint8 frame H x W x 3, got {got}")
    return np.ascontiguousarray(frame)


def mediapipe_input(frame_bgr: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    """MediaPipe's ImageToTensor on the CPU: a corner-mapped linear warp in uint8, RGB, scaled to [0, 1]."""
    h, w = grid
    height, width = frame_bgr.shape[:2]
    src = np.float32([[0, height], [0, 0], [width, 0], [width, height]])
    dst = np.float32([[0, h], [0, 0], [w, 0], [w, h]])
    warped = cv2.warpPerspective(frame_bgr, cv2.getPerspectiveTransform(src, dst), (w, h),
                                 flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    rgb = cv2.cvtColor(warped, cv2.COLOR_BGR2RGB)
    return (rgb.astype(np.float32) * np.float32(1 / 255))[None]


def to_alpha(raw: np.ndarray) -> np.ndarray:
    """[1,H,W,1] float or uint8 -> float32 H x W in [0, 1]."""
    a = np.asarray(raw).reshape(raw.shape[1], raw.shape[2])
    if a.dtype == np.uint8:
        return a.astype(np.float32) * np.float32(1 / 255)
    return np.ascontiguousarray(a, dtype=np.float32)


class Engine(abc.ABC):
    """Base of every backend: open / run / reset / close, a context manager; close is safe twice."""

    name: ClassVar[str] = "base"

    def __init__(self, model: str | Path | bytes | onnx.ModelProto, *, precision: str = "fp32") -> None:
        if precision not in PRECISIONS:
            raise EngineError(f"precision: expected one of {', '.join(PRECISIONS)}, got {precision!r}",
                              "use --precision fp32, fp16 or int8")
        self._model = model_bytes(model)
        self._model_sha256 = sha256_bytes(self._model)
        self._precision = precision
        self._plan: IOPlan | None = None
        self._state: np.ndarray | None = None
        self._opened = False
        self._closed = False
        self._composer = compose.Composer()  # the grid form's full-resolution step, with its buffers
        self.choice = ""  # set by ``auto``: which backend it chose and why not the others

    def choice_details(self) -> dict[str, str]:
        """``{"auto": ...}`` for ``EngineInfo.details`` when ``auto`` chose this engine (reports show it)."""
        return {"auto": self.choice} if self.choice else {}

    # -- what backends implement ----------------------------------------------------------------
    @abc.abstractmethod
    def _open(self) -> tuple[list[TensorSpec], list[TensorSpec]]:
        """Load or build the engine; return its (inputs, outputs) tensor table."""

    @abc.abstractmethod
    def _infer(self, feeds: dict[str, np.ndarray], outputs: list[str]) -> dict[str, np.ndarray]:
        """Run once: numpy arrays in, numpy arrays out (host memory)."""

    @abc.abstractmethod
    def _close(self) -> None:
        """Release the engine; called at most once."""

    @property
    @abc.abstractmethod
    def info(self) -> EngineInfo:
        """Backend, precision, device and providers, for logs and reports."""

    # -- the protocol -------------------------------------------------------------------------
    @property
    def precision(self) -> str:
        return self._precision

    @property
    def model_sha256(self) -> str:
        return self._model_sha256

    @property
    def io(self) -> IOPlan:
        if self._plan is None:
            raise EngineError(f"{self.name} engine is not open", "use it as a context manager or call open()")
        return self._plan

    def open(self) -> Engine:
        if self._closed:
            raise EngineError(f"{self.name} engine was closed", "open a new engine")
        if not self._opened:
            try:
                inputs, outputs = self._open()
            except DecodeError as exc:  # the bytes are not ONNX (a damaged download or cache file)
                raise EngineError(f"{self.name} could not read the model: not a readable ONNX model ({exc})",
                                  "rebuild it with 'headshot engines build'") from exc
            self._opened = True
            try:
                self._plan = plan_io(inputs, outputs)
            except EngineError:
                self.close()
                raise
            self.reset()
            log.debug("engine %s", self.info.as_dict())
        return self

    def __enter__(self) -> Engine:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._opened and not self._closed:
            self._closed = True
            self._close()
        self._closed = True

    def reset(self) -> None:
        """Forget the previous frames' matte (a new scene or a new source)."""
        plan = self.io
        self._state = (np.zeros(plan.state_in.shape, np.float32)  # type: ignore[arg-type]
                       if plan.state_in is not None else None)

    def run(self, frame_bgr: np.ndarray, settings: Any = None) -> EngineOutput:
        """Process one BGR uint8 frame: the matte at the frame's resolution and the processed image."""
        plan = self.io
        frame = check_frame(frame_bgr)
        vector = None
        if plan.bare:
            feeds = {plan.frame.name: mediapipe_input(frame, plan.grid)}
        else:
            feeds = {plan.frame.name: compose.to_grid(frame, plan.grid) if plan.composed else frame[None]}
            vector = settings_vector(settings, plan.settings)
            if vector is not None and plan.settings is not None:
                feeds[plan.settings.name] = vector
            if plan.state_in is not None and self._state is not None:
                feeds[plan.state_in.name] = self._state
        wanted = (list(GRID_OUTPUTS) if plan.composed
                  else [plan.alpha.name] + [n for n in (plan.image, plan.state_out) if n])
        outs = self._infer(feeds, wanted)
        if plan.bare:
            small = to_alpha(outs[plan.alpha.name])
            alpha = cv2.resize(small, (frame.shape[1], frame.shape[0]), interpolation=cv2.INTER_LINEAR)
            return EngineOutput(alpha=alpha, image=frame)
        if plan.state_out is not None:
            self._state = np.array(outs[plan.state_out], dtype=np.float32, copy=True)
        if plan.composed:
            image, alpha = self._composer(frame, outs["alpha_grid"][0, ..., 0], outs["gain_grid"][0],
                                          outs["backdrop_grid"][0], compose.keep_weight(vector),
                                          line_grid=outs["line_grid"][0])
            return EngineOutput(alpha=alpha, image=image)
        image = outs[plan.image][0] if plan.image else frame
        return EngineOutput(alpha=to_alpha(outs[plan.alpha.name]), image=np.ascontiguousarray(image))
