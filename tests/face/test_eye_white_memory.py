"""Live exposure keeps the eye-white reference of the last wide-open frame while a smile or a blink narrows
the eyes (the light did not change), and forgets it after a while or when the face is gone."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from realtime.face.exposure import SCLERA_LEVEL
from realtime.face.lighting import measure_lighting
from realtime.frame import FrameResult
from realtime.pipeline import EYE_WHITE_MEMORY_S, FaceStage


def narrowed(face):
    """The same face as a live frame where the person's own open level is twice today's opening."""
    return replace(face, eye_open_baseline=2.0 * min(face.eye_open_left, face.eye_open_right))


def test_a_photo_reads_its_own_eye_whites(astronaut, astronaut_face) -> None:
    light = measure_lighting(astronaut, astronaut_face)
    assert light.eye_white is not None and light.eye_white_fresh


def test_narrowed_eyes_use_the_remembered_white_and_say_so(astronaut, astronaut_face) -> None:
    own = measure_lighting(astronaut, narrowed(astronaut_face))
    assert not own.eye_white_fresh  # narrowed: its own white is not trusted as a reference
    brighter = measure_lighting(astronaut, narrowed(astronaut_face), remembered_white=4.0 * SCLERA_LEVEL)
    assert brighter.eye_white == pytest.approx(4.0 * SCLERA_LEVEL) and not brighter.eye_white_fresh
    # The eye-white cue is one of two averaged: a white 2 stops above the level adds about 1 stop over
    # what the same skin reads with a white at the level.
    level = measure_lighting(astronaut, narrowed(astronaut_face), remembered_white=SCLERA_LEVEL)
    assert brighter.exposure_stops - level.exposure_stops == pytest.approx(1.0, abs=1e-6)


def test_wide_open_eyes_read_their_own_white_even_with_a_memory(astronaut, astronaut_face) -> None:
    light = measure_lighting(astronaut, astronaut_face, remembered_white=4.0 * SCLERA_LEVEL)
    assert light.eye_white_fresh and light.eye_white != pytest.approx(4.0 * SCLERA_LEVEL)


class _Faces:
    """An analyzer that hands out prepared observations, one per frame."""

    def __init__(self, faces) -> None:
        self.faces = list(faces)

    def analyze(self, image, t):
        return self.faces.pop(0)


def test_the_stage_remembers_for_a_while_and_forgets_when_the_face_goes(astronaut, astronaut_face) -> None:
    brighter = np.clip(astronaut * 1.3, 0, 255).astype(np.uint8)  # the wide-open frames: another white level
    wide, narrow = astronaut_face, narrowed(astronaut_face)
    frames = [(0.0, brighter, wide), (1.0, astronaut, narrow), (1.5 + EYE_WHITE_MEMORY_S, astronaut, narrow),
              (7.0, brighter, wide), (8.0, astronaut, None), (9.0, astronaut, narrow)]
    stage = FaceStage(_Faces([face for _, _, face in frames]))
    lights = []
    for i, (t, image, _) in enumerate(frames):
        frame = FrameResult(i, t, t, image)
        stage(frame)
        lights.append(frame.lighting)
    remembered, own = lights[0].eye_white, measure_lighting(astronaut, narrow).eye_white
    assert remembered is not None and own is not None and remembered > own
    assert lights[1].eye_white == remembered and not lights[1].eye_white_fresh  # a smile 1 s later
    assert lights[2].eye_white == own  # the memory is too old: the frame's own reading
    assert lights[3].eye_white_fresh and lights[4] is None  # wide open again, then no face
    assert lights[5].eye_white == own  # the face went away: the memory went with it
