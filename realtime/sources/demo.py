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
from dataclasses import dataclass

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
    """Renders the scripted session; ``render(t, index)`` is a pure function of its arguments."""

    def __init__(self, size: tuple[int, int] = DEMO_SIZE, script: tuple[Keyframe, ...] = DEMO_SCRIPT) -> None:
        self.size = size
        self.script = script
        self._person = _load_person()
        self._wall = _wall(*size)
        rng = np.random.default_rng(20261121)
        self._noise = rng.normal(0.0, NOISE_SIGMA, (NOISE_FRAMES, size[1], size[0], 3)).astype(np.float32)

    def render(self, t: float, index: int) -> np.ndarray:
        state = state_at(t, self.script)
        width, height = self.size
        person = self._person
        scale = state.ied * (width / 1280.0) / person.ied
        target = (state.x * width, state.y * height)
        # Rotation about the eye midpoint; OpenCV's positive angle turns counter-clockwise on screen, and
        # a head tilting toward the person's left shoulder turns clockwise in an unmirrored frame.
        matrix = cv2.getRotationMatrix2D(person.eye_mid, -state.roll_deg, scale)
        matrix[:, 2] += np.array(target) - np.array(person.eye_mid)
        layer = cv2.warpAffine(person.image, matrix, self.size, flags=cv2.INTER_LINEAR)
        alpha = cv2.warpAffine(person.matte, matrix, self.size, flags=cv2.INTER_LINEAR)
        layer *= self._light_gain(state, target[0], scale)[None, :, None]
        frame = self._wall + (layer - self._wall) * alpha[..., None]
        frame += self._noise[index % NOISE_FRAMES]
        return np.clip(frame, 0, 255).astype(np.uint8)

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
