"""Shared fixtures for the capture tests: constructed observations for unit tests, and one real face
(the astronaut placed well in a 1280x720 frame by the demo renderer) for crops, retouch and writing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pytest

from realtime.coach.assessment import Assessment, CheckResult
from realtime.coach.profile import Profile, load_profile
from realtime.face.observation import FaceObservation, LightingObservation
from realtime.frame import FrameResult


@pytest.fixture(scope="session")
def professional() -> Profile:
    return load_profile("professional")


@pytest.fixture(scope="session")
def id_profile() -> Profile:
    return load_profile("id")


BASE_FACE = FaceObservation(
    image_size=(1280, 720), faces=1, second_face_ratio=0.0,
    landmarks=np.zeros((478, 3), np.float32), face_box=(560.0, 230.0, 720.0, 470.0),
    left_eye=(692.0, 302.0), right_eye=(588.0, 302.0), chin=(640.0, 440.0), forehead=(640.0, 235.0),
    inter_eye_px=104.0, eye_to_chin_px=138.0, yaw_deg=0.0, pitch_deg=0.0, roll_deg=0.0,
    eye_open_left=0.07, eye_open_right=0.07, eye_open_baseline=0.07, blinking=False,
    gaze=0.0, gaze_x=0.0, gaze_y=0.0, mouth_open=0.0, smile=0.45, motion_ied_per_s=0.05,
)

BASE_LIGHT = LightingObservation(
    exposure=0.5, clipped_dark=0.0, clipped_bright=0.0, evenness=0.95, brighter_side="left",
    backlight=1.0, lab_a=12.0, lab_b=18.0, key_light_azimuth_deg=0.0, key_light_elevation_deg=10.0,
    sharpness=100.0, background_busyness=0.01,
)


def assessment(*, ready: bool, all_passed: bool | None = None, failing: tuple[str, ...] = (),
               instruction: str | None = None) -> Assessment:
    """A coach verdict with the named checks failing (each with its own instruction)."""
    names = ("face_found", "head_size", "roll", "eyes_open", "evenness", "motion")
    checks = {
        n: CheckResult(n, 1.0, (0.0, 2.0), n not in failing, "pass" if n not in failing else "fail",
                       None if n not in failing else f"fix {n}")
        for n in names
    }
    passed = not failing if all_passed is None else all_passed
    first = next((n for n in names if n in failing), None)
    return Assessment(checks, instruction or (f"fix {first}" if first else None), first, ready, passed,
                      (400, 40, 880, 640))


@dataclass
class Clip:
    """Builds constructed frames (a shared blank image: capture never looks at constructed pixels)."""

    fps: float = 30.0

    def __post_init__(self) -> None:
        self.image = np.zeros((720, 1280, 3), np.uint8)
        self.index = 0

    def frame(self, *, ready: bool = True, all_passed: bool | None = None, failing: tuple[str, ...] = (),
              face: dict | None = None, light: dict | None = None, has_face: bool = True) -> FrameResult:
        t = self.index / self.fps
        result = FrameResult(self.index, t, t, self.image)
        self.index += 1
        if has_face:
            result.face = replace(BASE_FACE, **(face or {}))
            result.lighting = replace(BASE_LIGHT, **(light or {}))
        result.assessment = assessment(ready=ready, all_passed=all_passed, failing=failing)
        return result


@pytest.fixture
def clip() -> Callable[[], Clip]:
    return Clip


@dataclass(frozen=True)
class Placed:
    """A real face: the astronaut well placed in a 1280x720 frame, its matte and its observations."""

    image: np.ndarray
    alpha: np.ndarray
    face: FaceObservation
    light: LightingObservation


def _matte(image: np.ndarray) -> np.ndarray:
    import cv2
    import mediapipe as mp

    with mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0) as segmenter:
        return segmenter.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB)).segmentation_mask.astype(np.float32)


def place(image: np.ndarray) -> Placed:
    from realtime.face.analyzer import FaceAnalyzer
    from realtime.face.lighting import measure_lighting

    alpha = _matte(image)
    with FaceAnalyzer(static_images=True) as analyzer:
        face = analyzer.analyze(image, 0.0)
    assert face is not None
    return Placed(image, alpha, face, measure_lighting(image, face, alpha))


@pytest.fixture(scope="session")
def demo_renderer():
    from realtime.sources.demo import DemoRenderer

    return DemoRenderer()


@pytest.fixture(scope="session")
def placed(demo_renderer) -> Placed:
    """The demo's hold phase frame (well framed, even light) at 1280x720."""
    from realtime.sources.demo_script import hold_phase

    start, end = hold_phase()
    return place(demo_renderer.render((start + end) / 2.0, 0))
