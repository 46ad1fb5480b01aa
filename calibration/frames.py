"""Calibration frames: representative pictures of people in booths, and the segmentation input made from them.

Static quantisation fixes every activation's range from the frames it sees, so those frames must cover
what the booth will show: faces small and large, centred and off to one side, tilted, lit evenly and
hard from one side, bright and dim, plain walls and busy backgrounds. The built-in set mixes the demo
session across its whole script with the astronaut photo (``skimage.data.astronaut()``) transformed by
code (shifted, scaled, rotated, relit, blurred, mirrored); a user's own camera or folder can replace it.

Frames become model input exactly as the studio graph (``engines/graph.py``) makes them: BGR uint8 ->
bilinear resize to the model grid with ONNX ``Resize`` (``asymmetric``, top-left corner aligned, as
MediaPipe maps it) -> /255 -> RGB, NHWC. The same operators are run here in a tiny ONNX Runtime graph,
so calibration sees bit-for-bit what the engine will feed the network.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
import onnx
from onnx import TensorProto, helper

from calibration import CalibrationError

RESIZE_MODE = "asymmetric"  # engines/graph.py: the downsample to the segmentation grid
# Built-in frames are made at this size (width, height). Measured: at 640x360 the held-back IoU falls to
# about 0.97 even with the decoder in float, probably because the downsample to the grid has no
# antialiasing, so larger frames reach the network with more aliasing that int8 amplifies.
CALIBRATION_SIZE = (320, 180)
HOLDOUT_EVERY = 4  # every 4th frame (index % 4 == 3) is held back from calibration to measure accuracy


@dataclass(frozen=True)
class FrameSet:
    """Frames (BGR uint8) with a label each saying where they came from, in a fixed order."""

    images: tuple[np.ndarray, ...]
    labels: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.images) != len(self.labels):
            raise ValueError(f"expected one label per frame, got {len(self.labels)} for {len(self.images)}")
        for image in self.images:
            if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
                raise ValueError(f"expected BGR uint8 frames (H, W, 3), got {image.dtype} {image.shape}")

    def __len__(self) -> int:
        return len(self.images)

    def sha256(self) -> str:
        """Hash of every frame's shape and pixels, in order: the frame set's part of the INT8 cache key."""
        digest = hashlib.sha256()
        for image in self.images:
            digest.update(repr(image.shape).encode())
            digest.update(np.ascontiguousarray(image).tobytes())
        return digest.hexdigest()

    def split(self, holdout_every: int = HOLDOUT_EVERY) -> tuple[list[int], list[int]]:
        """(calibration indices, held-back indices): a split by frame index, so both see every kind."""
        if holdout_every < 2:
            raise ValueError(f"expected holdout_every >= 2, got {holdout_every}")
        held = [i for i in range(len(self)) if i % holdout_every == holdout_every - 1]
        return [i for i in range(len(self)) if i % holdout_every != holdout_every - 1], held


# --- the built-in representative set ------------------------------------------------------------------
def demo_frames(count: int, size: tuple[int, int] = CALIBRATION_SIZE) -> FrameSet:
    """``count`` frames spread evenly over the demo session's whole script (placements, tilt, light)."""
    from realtime.sources.demo import DemoRenderer
    from realtime.sources.demo_script import DEMO_DURATION_S, DEMO_FPS

    renderer = DemoRenderer(size)
    times = np.linspace(0.0, DEMO_DURATION_S, count, endpoint=False)
    images = tuple(renderer.render(float(t), int(round(t * DEMO_FPS))) for t in times)
    return FrameSet(images, tuple(f"demo t={t:.2f}s" for t in times))


# Ranges the astronaut variants are drawn from (a fixed seed, so the set is the same every run): the
# photo's height as a share of the frame height, its centre's offset as a share of the frame, the turn in
# degrees, the exposure change in stops, the blur sigma in pixels at the calibration size, and how many
# stops a side light darkens the far edge.
VARIANT_RANGES = {"scale": (0.5, 1.5), "dx": (-0.25, 0.25), "dy": (-0.05, 0.2), "angle": (-12.0, 12.0),
                  "stops": (-1.8, 1.0), "blur": (0.0, 1.0), "side": (0.0, 2.0)}
BACKDROPS = ("wall", "busy", "wall", "dark")
VARIANT_SEED = 7


def _backdrop(kind: str, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A booth background: a painted wall with a soft gradient, a dark room, or shelves (soft blocks)."""
    width, height = size
    if kind == "busy":  # shelves and posters, slightly out of focus as a webcam at 1 m sees them
        blocks = rng.integers(30, 230, (5, 8, 3)).astype(np.uint8)
        return cv2.GaussianBlur(cv2.resize(blocks, size, interpolation=cv2.INTER_NEAREST), (0, 0), 2.0)
    base = rng.uniform(130, 225, 3) if kind == "wall" else rng.uniform(15, 60, 3)
    ramp = np.linspace(1.05, 0.85, height, dtype=np.float32)[:, None, None]
    return np.clip(base[None, None, :] * ramp * np.ones((1, width, 1), np.float32), 0, 255).astype(np.uint8)


@lru_cache(maxsize=1)
def _astronaut_cutout() -> tuple[np.ndarray, np.ndarray]:
    """The astronaut photo (BGR float) and her matte, from MediaPipe's selfie segmenter, as the demo makes it."""
    import mediapipe as mp
    from skimage import data

    rgb = data.astronaut()
    with mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0) as segmenter:
        matte = segmenter.process(rgb).segmentation_mask.astype(np.float32)
    matte = cv2.GaussianBlur(np.clip((matte - 0.3) / 0.5, 0.0, 1.0), (3, 3), 0)
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR).astype(np.float32), matte


def astronaut_frames(count: int, size: tuple[int, int] = CALIBRATION_SIZE) -> FrameSet:
    """The astronaut, cut out, placed, scaled, turned, relit from one side, blurred and mirrored onto backdrops.

    The cut-out (not the whole photo, whose flag and helmet even the fp32 network is unsure of) keeps the
    held-back mattes well defined, so their IoU measures quantisation and not the network's own doubt.
    """
    photo, matte = _astronaut_cutout()
    width, height = size
    centre = np.array([photo.shape[1] / 2, photo.shape[0] / 2])
    xs = np.arange(width, dtype=np.float32)
    images, labels = [], []
    rng = np.random.default_rng(VARIANT_SEED)
    for i in range(count):
        scale, dx, dy, angle, stops, blur, side = (float(rng.uniform(*VARIANT_RANGES[k])) for k in VARIANT_RANGES)
        blur = blur if blur > 0.4 else 0.0  # about two in five frames stay sharp
        mirror, backdrop = bool(rng.integers(2)), BACKDROPS[i % len(BACKDROPS)]
        matrix = cv2.getRotationMatrix2D(tuple(centre), angle, scale * height / photo.shape[0])
        matrix[:, 2] += np.array([width / 2 + dx * width, height / 2 + dy * height]) - centre
        layer = cv2.warpAffine(photo[:, ::-1] if mirror else photo, matrix, size, flags=cv2.INTER_LINEAR)
        alpha = cv2.warpAffine(matte[:, ::-1] if mirror else matte, matrix, size, flags=cv2.INTER_LINEAR)
        # exposure in stops, and a side light: up to ``side`` stops darker toward one edge of the frame
        gain = 2.0 ** ((stops - side * np.clip(xs / width, 0, 1)) / 2.2)
        layer *= gain[None, :, None]
        back = _backdrop(backdrop, size, rng).astype(np.float32)
        image = back + (layer - back) * alpha[..., None]
        if blur > 0:
            image = cv2.GaussianBlur(image, (0, 0), blur)
        images.append(np.clip(image, 0, 255).astype(np.uint8))
        labels.append(f"astronaut #{i} scale={scale:.2f} shift=({dx:.2f},{dy:.2f}) angle={angle:.1f} "
                      f"stops={stops:.1f} side={side:.1f} blur={blur:.1f} mirror={mirror} backdrop={backdrop}")
    return FrameSet(tuple(images), tuple(labels))


def representative_frames(count: int, size: tuple[int, int] = CALIBRATION_SIZE) -> FrameSet:
    """The built-in set: demo and astronaut frames interleaved (so a split by index keeps both kinds)."""
    if count < 8:
        raise CalibrationError(f"expected at least 8 calibration frames, got {count}", "use --count 64 or more")
    demo = iter(zip(*(lambda f: (f.images, f.labels))(demo_frames(count - count // 2, size))))
    photo = iter(zip(*(lambda f: (f.images, f.labels))(astronaut_frames(count // 2, size))))
    # Astronaut at even positions of even blocks of four and odd positions of odd blocks: every
    # block of four has two of each, and the held-back index (3 mod 4) alternates between the kinds.
    order = [next(photo) if i % 2 == (i // 4) % 2 else next(demo) for i in range(count)]
    return FrameSet(tuple(o[0] for o in order), tuple(o[1] for o in order))


def source_frames(spec: str, count: int) -> FrameSet:
    """``count`` frames from a folder, video or camera (``--frames DIR`` / ``--source SRC``).

    Files give ``count`` frames spread evenly over all of them; a camera gives ``count`` frames about a
    fifth of a second apart, so the person can move and change the light while they are taken.
    """
    from realtime.sources import open_source

    with open_source(spec, live=False) as source:
        if source.name == "camera":
            picked = []
            while len(picked) < count:
                frame = source.read(timeout=5.0)
                if frame is None:
                    break
                if not picked or frame.grab_time - picked[-1][1] >= 0.2:
                    picked.append((frame.image, frame.grab_time))
            images, labels = [p[0] for p in picked], [f"{spec} #{i}" for i in range(len(picked))]
        else:
            everything = [(f.image, f.index) for f in source.frames()]
            step = max(1, len(everything) / max(count, 1))
            chosen = [everything[int(i * step)] for i in range(min(count, len(everything)))]
            images, labels = [c[0] for c in chosen], [f"{spec} frame {c[1]}" for c in chosen]
    if len(images) < 8:
        raise CalibrationError(f"expected at least 8 frames from {spec}, got {len(images)}",
                               "point --frames at a folder with more pictures, or use the built-in set")
    return FrameSet(tuple(images), tuple(labels))


# --- frames -> segmentation input ------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _preprocess_session(grid: tuple[int, int]):  # -> onnxruntime.InferenceSession
    """Frame uint8 [1, H, W, 3] BGR -> model input float [1, h, w, 3] RGB in [0, 1], as engines/graph.py does."""
    import onnxruntime as ort

    h, w = grid
    nodes = [
        helper.make_node("Transpose", ["frame"], ["planar_u8"], perm=[0, 3, 1, 2]),
        helper.make_node("Cast", ["planar_u8"], ["planar"], to=TensorProto.FLOAT),
        helper.make_node("Resize", ["planar", "", "", "sizes"], ["small"], mode="linear",
                         coordinate_transformation_mode=RESIZE_MODE),
        helper.make_node("Mul", ["small", "inv255"], ["unit"]),
        helper.make_node("Gather", ["unit", "bgr_to_rgb"], ["rgb"], axis=1),
        helper.make_node("Transpose", ["rgb"], ["input"], perm=[0, 2, 3, 1]),
    ]
    consts = [
        helper.make_tensor("sizes", TensorProto.INT64, [4], [1, 3, h, w]),
        helper.make_tensor("inv255", TensorProto.FLOAT, [], [1.0 / 255.0]),
        helper.make_tensor("bgr_to_rgb", TensorProto.INT64, [3], [2, 1, 0]),
    ]
    graph = helper.make_graph(
        nodes, "segmentation_input",
        [helper.make_tensor_value_info("frame", TensorProto.UINT8, [1, "H", "W", 3])],
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, h, w, 3])], consts)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def model_grid(model: onnx.ModelProto) -> tuple[int, int]:
    """(h, w) of a segmentation model's NHWC input [1, h, w, 3]."""
    dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    if len(dims) != 4 or dims[0] != 1 or dims[3] != 3 or min(dims) <= 0:
        raise CalibrationError(f"expected a segmentation model with input [1, h, w, 3], found {dims}",
                               "calibrate the converted selfie-segmentation model")
    return int(dims[1]), int(dims[2])


def to_model_inputs(frames: FrameSet, grid: tuple[int, int], indices: Sequence[int] | None = None) -> list[np.ndarray]:
    """Each chosen frame as the network's input ``[1, h, w, 3]`` float32, made as the studio graph makes it."""
    session = _preprocess_session(tuple(grid))
    chosen = range(len(frames)) if indices is None else indices
    return [session.run(None, {"frame": frames.images[i][None]})[0] for i in chosen]
