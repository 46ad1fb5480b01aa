"""The demo source: a deterministic synthetic webcam session made from a real photo.

The person is NASA's public-domain portrait of Eileen Collins that ships with scikit-image
(``skimage.data.astronaut()``), cut out once with MediaPipe's selfie segmentation (from the installed
wheel) and placed on a plain wall by :mod:`realtime.sources.demo_script`: enters off-centre and too
small, tilts the head, is lit hard from one side, then corrects step by step and holds still. Frames
are 1280x720 at 30 fps with sensor noise from a fixed seed, so two runs give identical frames.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, replace

import cv2
import numpy as np

from realtime.sources.base import FrameSource, SourceFrame, ThreadedSource
from realtime.sources.demo_script import DEMO_FPS, DEMO_SCRIPT, DEMO_SIZE, Keyframe, state_at

NOISE_SIGMA = 2.5  # 8-bit levels: a decent webcam in office light
NOISE_FRAMES = 4


@dataclass(frozen=True)
class _Person:
    image: np.ndarray  # BGR float32
    matte: np.ndarray  # float32 0..1
    eye_mid: tuple[float, float]  # in the photo's pixels
    ied: float


# Eye centres of the astronaut photo (512 x 512), measured once with MediaPipe face mesh (irises).
_ASTRONAUT_EYES = ((203.5, 101.1), (246.6, 103.5))


def _load_person() -> _Person:
    import mediapipe as mp
    from skimage import data

    rgb = data.astronaut()
    with mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0) as segmenter:
        matte = segmenter.process(rgb).segmentation_mask.astype(np.float32)
    matte = cv2.GaussianBlur(np.clip((matte - 0.3) / 0.5, 0.0, 1.0), (3, 3), 0)
    (lx, ly), (rx, ry) = _ASTRONAUT_EYES
    return _Person(
        image=cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR).astype(np.float32),
        matte=matte,
        eye_mid=((lx + rx) / 2.0, (ly + ry) / 2.0),
        ied=math.hypot(rx - lx, ry - ly),
    )


def _wall(width: int, height: int) -> np.ndarray:
    """A plain light-grey wall with a soft vertical gradient and vignette, like an office backdrop."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    gradient = 1.0 - 0.12 * ys / height
    vignette = 1.0 - 0.18 * (((xs - width / 2) / width) ** 2 + ((ys - height / 2) / height) ** 2)
    base = np.array([172.0, 180.0, 186.0], np.float32)  # BGR: a slightly warm grey
    return (base[None, None, :] * (gradient * vignette)[..., None]).astype(np.float32)


class DemoRenderer:
    """Renders the scripted session; ``render(t, index)`` is a pure function of its arguments.

    One renderer serves one thread at a time (each source has its own): it warps into a buffer it keeps."""

    def __init__(self, size: tuple[int, int] = DEMO_SIZE, script: tuple[Keyframe, ...] = DEMO_SCRIPT) -> None:
        self.size = size
        self.script = script
        self._person = _load_person()
        self._wall = _wall(*size)
        rng = np.random.default_rng(20261121)
        self._noise = rng.normal(0.0, NOISE_SIGMA, (NOISE_FRAMES, size[1], size[0], 3)).astype(np.float32)
        # Where the matte is 0 a frame is the wall plus its noise, the same every time: kept as 8-bit frames,
        # so each render computes only the person's box (issue #16: the whole frame in float32 cost ~29 ms
        # of CPU a frame, most of a core at 30 fps, taken from the loop it feeds).
        self._photo = np.dstack([self._person.image, self._person.matte])  # B, G, R, alpha (float32)
        self._warped = np.empty((size[1], size[0], 4), np.float32)
        self._held: dict[tuple[Keyframe, int], np.ndarray] = {}  # frames of the current placement, by noise
        self._plain = [np.clip(self._wall + noise, 0, 255).astype(np.uint8) for noise in self._noise]
        support = cv2.boundingRect((self._person.matte > 0).astype(np.uint8))  # x, y, w, h in the photo
        self._support = np.array([[support[0] - 1, support[1] - 1], [support[0] + support[2], support[1] - 1],
                                  [support[0] - 1, support[1] + support[3]],
                                  [support[0] + support[2], support[1] + support[3]]], np.float64)

    def render(self, t: float, index: int) -> np.ndarray:
        state = state_at(t, self.script)
        # A frame depends only on the person's placement and light and on the noise frame: while the script
        # holds still (two thirds of the session) the same few frames come again, so they are kept.
        key = (replace(state, t=0.0, phase=""), index % NOISE_FRAMES)
        if key not in self._held:
            if self._held and next(iter(self._held))[0] != key[0]:
                self._held.clear()  # the person moved: the frames kept show an old placement
            self._held[key] = self._render(state, index)
        return self._held[key].copy()

    def _render(self, state: Keyframe, index: int) -> np.ndarray:
        width, height = self.size
        person = self._person
        scale = state.ied * (width / 1280.0) / person.ied
        target = (state.x * width, state.y * height)
        # Rotation about the eye midpoint; OpenCV's positive angle turns counter-clockwise on screen, and
        # a head tilting toward the person's left shoulder turns clockwise in an unmirrored frame.
        matrix = cv2.getRotationMatrix2D(person.eye_mid, -state.roll_deg, scale)
        matrix[:, 2] += np.array(target) - np.array(person.eye_mid)
        # Photo and matte in one warp (the same values as two warps, one interpolation pass fewer), into a
        # buffer kept between frames (a fresh full-frame float array costs page faults every frame).
        warped = cv2.warpAffine(self._photo, matrix, self.size, dst=self._warped, flags=cv2.INTER_LINEAR)
        out = self._plain[index % NOISE_FRAMES].copy()
        box = self._box(matrix)
        if box is None:  # the person is wholly outside the frame
            return out
        x0, y0, x1, y1 = box
        # wall + (layer * gain - wall) * alpha + noise, clipped: the same float32 operations in the same
        # order as over the whole frame, on the box only and in place, so the pixels are identical.
        # Rows of (x1 - x0) * 3 values: NumPy broadcasting a per-pixel value over 3 channels is ~7x slower.
        rows = (y1 - y0, (x1 - x0) * 3)
        wall = self._wall[y0:y1, x0:x1].reshape(rows)
        box_bgra = warped[y0:y1, x0:x1]
        layer = cv2.cvtColor(box_bgra, cv2.COLOR_BGRA2BGR)  # copies of the values (OpenCV's are the fast ones)
        alpha = cv2.extractChannel(box_bgra, 3)
        part = layer.reshape(rows)
        part *= np.repeat(self._light_gain(state, target[0], scale)[x0:x1], 3)[None, :]
        part -= wall
        part *= cv2.merge((alpha, alpha, alpha)).reshape(rows)
        part += wall
        part += self._noise[index % NOISE_FRAMES][y0:y1, x0:x1].reshape(rows)
        np.clip(part, 0, 255, out=part)
        out[y0:y1, x0:x1] = layer  # float to uint8 truncates, as astype does
        return out

    def _box(self, matrix: np.ndarray) -> tuple[int, int, int, int] | None:
        """(x0, y0, x1, y1) of the frame holding every pixel the warped matte can make non-zero (the photo's
        matte support, one pixel grown for the bilinear taps, mapped by ``matrix``, two pixels of margin)."""
        corners = self._support @ matrix[:, :2].T + matrix[:, 2]
        width, height = self.size
        x0, y0 = (max(int(math.floor(v)) - 2, 0) for v in corners.min(axis=0))
        x1, y1 = (int(math.ceil(v)) + 3 for v in corners.max(axis=0))
        x1, y1 = min(x1, width), min(y1, height)
        return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None

    def _light_gain(self, state: Keyframe, face_x: float, scale: float) -> np.ndarray:
        """Per-column gain in sRGB values for a side light and an exposure shift given in linear stops."""
        face_half_width = 0.8 * self._person.ied * scale
        xs = np.arange(self.size[0], dtype=np.float32)
        # 1 at the person's right side (image left, unmirrored), 0 at their left side.
        u = np.clip(0.5 - (xs - face_x) / (2.0 * face_half_width), 0.0, 1.0)
        shade = u * u * (3.0 - 2.0 * u)
        stops = state.exposure_stops - state.side_light_stops * shade
        return np.power(2.0, stops / 2.2).astype(np.float32)


class DemoSource(FrameSource):
    """Every frame of the session in order, as fast as it is read (capture, bench, tests)."""

    name = "demo"

    def __init__(self, *, size: tuple[int, int] = DEMO_SIZE, fps: float = DEMO_FPS,
                 renderer: DemoRenderer | None = None) -> None:
        self._renderer = renderer or DemoRenderer(size)
        self._fps = fps
        self._count = int(round(self._renderer.script[-1].t * fps))
        self._index = 0

    def read(self, timeout: float | None = None) -> SourceFrame | None:
        if self._index >= self._count:
            self.state = "ended"
            return None
        t = self._index / self._fps
        frame = SourceFrame(self._index, self._renderer.render(t, self._index), time.monotonic(), t)
        self._index += 1
        return frame

    @property
    def fps(self) -> float:
        return self._fps

    def describe(self) -> dict[str, object]:
        return {"name": self.name, "size": list(self._renderer.size), "fps": self._fps, "frames": self._count}


class LiveDemoSource(ThreadedSource):
    """The session in real time on a thread (like a webcam), looping, for the preview, booth and vcam."""

    name = "demo"

    def __init__(self, *, size: tuple[int, int] = DEMO_SIZE, fps: float = DEMO_FPS, loop: bool = True) -> None:
        super().__init__()
        self._renderer = DemoRenderer(size)
        self._fps = fps
        self.loop = loop

    def produce(self, stop: threading.Event) -> None:
        duration = self._renderer.script[-1].t
        start = time.monotonic()
        index = 0
        while not stop.is_set():
            t = index / self._fps
            if t >= duration and not self.loop:
                return
            stop.wait(max(0.0, start + t - time.monotonic()))
            self._publish(self._renderer.render(t % duration, index), t)
            index += 1

    @property
    def fps(self) -> float:
        return self._fps

    def describe(self) -> dict[str, object]:
        return {"name": self.name, "size": list(self._renderer.size), "fps": self._fps, "live": True,
                "dropped": self.dropped}
