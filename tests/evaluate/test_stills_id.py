"""The stills evaluator's ID-crop figure (issue #15): each headshot's ID crop, made as still mode makes it,
graded by the project's own ``check --profile id``; a crown cut off by the photo's edge is a refusal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import cv2
import numpy as np
import pytest
from skimage import data

from realtime.evaluate.stills_id import COUNTS, id_crop_check


def headshot() -> np.ndarray:
    """A 640x800 head-and-shoulders photo: the astronaut enlarged 2.5x and cropped (BGR)."""
    image = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    big = cv2.resize(image, None, fx=2.5, fy=2.5, interpolation=cv2.INTER_CUBIC)
    return np.ascontiguousarray(big[0:800, 242:882])


@pytest.fixture(scope="module")
def studio() -> Iterator[dict[str, Any]]:
    from engines.settings import StudioSettings
    from engines.studio import open_studio_engine
    from realtime.capture.matting import final_matte, person_seed
    from realtime.capture.still import engine_pass
    from realtime.coach.profile import load_profile
    from realtime.face.analyzer import FaceAnalyzer

    with ExitStack() as stack:
        engine = stack.enter_context(open_studio_engine("onnxruntime"))
        settings = StudioSettings(relight=False, background="keep", smoothing=0.0)
        analyzer = stack.enter_context(FaceAnalyzer(static_images=True))

        def segment(image: np.ndarray) -> np.ndarray:
            return engine_pass(engine, settings, image)[0]

        def check(image: np.ndarray) -> dict[str, bool]:
            live = segment(image)
            face = analyzer.analyze(image, 0.0)
            assert face is not None
            matte = final_matte(image, person_seed(segment, image, live, face.landmarks), face.landmarks)
            return id_crop_check(image, face, matte.alpha, matte.foreground, load_profile("professional"),
                                 load_profile("id"), analyzer, segment)

        yield {"check": check}


def test_a_headshot_id_crop_is_checked_for_head_size_and_never_upscaled(studio: dict[str, Any]) -> None:
    flags = studio["check"](headshot())
    assert set(flags) == set(COUNTS)
    assert flags["checked"] and not flags["refused"] and not flags["face_not_found"]
    assert flags["head_size"] and flags["headroom"] and flags["both"] and not flags["upscaled"]


def test_a_crown_cut_by_the_photo_edge_is_a_refusal_not_a_crop(studio: dict[str, Any]) -> None:
    cut = np.ascontiguousarray(headshot()[150:, :])  # the top of the hair off the photo
    flags = studio["check"](cut)
    assert flags["refused"] and not flags["checked"]
