"""Framing: the crop policy (ideal crop around the face, limited, shifted into the frame), crown from the
matte or the landmarks, shoulders from the matte, and the ID crop."""

from __future__ import annotations

import numpy as np
import pytest

from realtime.coach.framing import compute_framing, find_crown, measure_shoulders
from realtime.coach.profile import load_profile
from tests.coach.builders import FOREHEAD_ABOVE_EYES_T, T, face, matte, moved


@pytest.fixture(scope="module")
def professional():
    return load_profile("professional")


def test_ideal_crop_fits_and_hits_the_band_middles(professional) -> None:
    framing = compute_framing(face(), None, professional)
    assert framing.limited is None
    assert framing.head_size == pytest.approx(0.35, abs=0.005)
    assert framing.eye_line == pytest.approx(0.40, abs=0.005)
    assert framing.centring == pytest.approx(0.0, abs=0.01)
    x0, y0, x1, y1 = framing.crop
    assert (x1 - x0) / (y1 - y0) == pytest.approx(0.8, abs=0.005)


@pytest.mark.parametrize(("obs", "limited", "head_size_side"), [
    (moved(face(), scale=1.9, dy=60), "frame", "above"),
    (moved(face(), scale=0.5), "minimum", "below"),
])
def test_crop_size_is_limited_by_frame_and_minimum(professional, obs, limited, head_size_side) -> None:
    framing = compute_framing(obs, None, professional)
    assert framing.limited == limited
    band = professional.check("head_size").band
    assert framing.head_size > band.high if head_size_side == "above" else framing.head_size < band.low
    x0, y0, x1, y1 = framing.crop
    assert 0 <= x0 < x1 <= 1280 and 0 <= y0 < y1 <= 720


def test_crop_is_shifted_into_the_frame_not_resized(professional) -> None:
    centred = compute_framing(face(), None, professional)
    edge = compute_framing(moved(face(), dx=560), None, professional)
    assert edge.crop[2] == 1280
    assert edge.crop[2] - edge.crop[0] == centred.crop[2] - centred.crop[0]
    assert edge.centring > 1.0


def test_crown_from_landmarks_without_a_matte() -> None:
    crown, from_matte = find_crown(face(), None)
    assert not from_matte
    assert crown == pytest.approx(300 - FOREHEAD_ABOVE_EYES_T * T - 0.4 * T)


@pytest.mark.parametrize("size", [None, (640, 360)])
def test_crown_from_the_matte_at_any_resolution(size) -> None:
    obs = face()
    crown, from_matte = find_crown(obs, matte(obs, crown_above_eyes_t=1.1, size=size))
    assert from_matte
    assert crown == pytest.approx(300 - 1.1 * T, abs=3.0)


def test_matte_missing_the_head_falls_back_to_landmarks() -> None:
    obs = face()
    alpha = matte(obs)
    alpha[:480] = 0.0  # nothing above the chin
    assert find_crown(obs, alpha) == find_crown(obs, None)


def test_shoulders_from_the_matte() -> None:
    obs = face()
    assert measure_shoulders(obs, matte(obs), 700.0) == pytest.approx(3.0, abs=0.1)
    assert measure_shoulders(obs, matte(obs, shoulders=False), 700.0) < 0.7
    assert measure_shoulders(obs, matte(obs), 470.0) == 0.0  # crop ends above the chin


def test_one_sided_body_is_not_shoulders() -> None:
    obs = face()
    alpha = matte(obs)
    alpha[480:, 640 + 120:] = 0.0  # the person's left shoulder (image right) is not there
    assert measure_shoulders(obs, alpha, 700.0) < 1.2


def _shoulders_by_reversed_argmax(obs, alpha, bottom_y: float) -> float:
    """measure_shoulders as first written (the last person column by argmax over a reversed view)."""
    w, h = obs.image_size
    sx, sy = alpha.shape[1] / w, alpha.shape[0] / h
    r0, r1 = int(max(obs.chin[1] * sy, 0)), int(min(bottom_y * sy, alpha.shape[0]))
    person = alpha[r0:r1] > 0.5
    person = person[person.any(axis=1)]
    if r1 <= r0 or not person.size:
        return 0.0
    left = np.argmax(person, axis=1)
    right = alpha.shape[1] - 1 - np.argmax(person[:, ::-1], axis=1)
    x0, _, x1, _ = obs.face_box
    cx, face_w = (x0 + x1) / 2.0 * sx, max((x1 - x0) * sx, 1.0)
    return float(max(np.minimum(cx - left, right + 1 - cx).max(), 0.0) * 2.0 / face_w)


@pytest.mark.parametrize("seed", range(6))
def test_shoulders_are_exactly_what_the_first_formula_gave(seed) -> None:
    """The faster last-column search (issue #16) changes no value: ragged mattes with holes and one-sided
    rows, at full and at a quarter of the frame's resolution."""
    rng = np.random.default_rng(seed)
    obs = moved(face(), dx=float(rng.uniform(-200, 200)))
    size = None if seed % 2 else (320, 180)
    alpha = matte(obs, shoulders=bool(seed % 3), size=size)
    alpha *= rng.random(alpha.shape) > 0.05  # holes
    cut = rng.integers(0, alpha.shape[1], alpha.shape[0])
    rows = rng.random(alpha.shape[0]) < 0.3
    alpha[rows] *= np.arange(alpha.shape[1])[None, :] < cut[rows, None]  # rows cut off at one side
    if seed < 3:  # the image-right side narrower on every row: the last column decides the value
        ex = obs.eye_mid[0] * alpha.shape[1] / obs.image_size[0]
        alpha[:, int(ex + rng.uniform(0.2, 0.8) * alpha.shape[1] / 10):] = 0.0
    for bottom in (470.0, 600.0, 720.0):
        assert measure_shoulders(obs, alpha, bottom) == _shoulders_by_reversed_argmax(obs, alpha, bottom)


def test_tall_hair_gets_a_smaller_head_so_headroom_fits(professional) -> None:
    obs = face()
    framing = compute_framing(obs, matte(obs, crown_above_eyes_t=1.2), professional)
    band = professional.check("headroom").band
    assert band.contains(framing.headroom)
    assert framing.head_size < 0.35
    assert professional.check("eye_line").band.contains(framing.eye_line)


@pytest.mark.parametrize("crown_t", [0.95, 1.15, 1.33])  # the dev portraits' p5, median, p95 (id.toml)
def test_the_id_crop_passes_the_id_profiles_head_size_and_headroom(crown_t: float) -> None:
    from realtime.capture.crops import plan_id

    profile = load_profile("id")
    obs = face()
    crown, from_matte = find_crown(obs, matte(obs, crown_above_eyes_t=crown_t))
    assert from_matte
    x0, y0, x1, y1 = plan_id(obs, crown, profile, pad_ok=True).box
    height = y1 - y0
    assert (x1 - x0) / height == pytest.approx(35 / 45, abs=0.01)
    assert 0.70 <= (obs.chin[1] - crown) / height <= 0.80  # the ID rule the crop follows
    assert profile.check("head_size").band.contains((obs.chin[1] - crown) / height)  # ... and the check's measure
    assert profile.check("headroom").band.contains((crown - y0) / height)


@pytest.mark.parametrize("crown_t", [0.8, 1.15, 1.8])  # a short crop, the median, a tall hairdo
def test_check_grades_an_id_crop_by_the_id_rule_the_crop_was_made_by(crown_t: float) -> None:
    """``check --profile id`` on an ID crop (the frame is the crop) measures chin to crown as the crop maker
    does, and finds the headroom the crop was made with (issue #15)."""
    import dataclasses

    from realtime.capture.crops import ID_HEADROOM, plan_id

    profile = load_profile("id")
    obs = moved(face(), scale=0.6, dy=100)
    crown, _ = find_crown(obs, matte(obs, crown_above_eyes_t=crown_t))
    x0, y0, x1, y1 = plan_id(obs, crown, profile).box
    assert 0 <= x0 and 0 <= y0 and x1 <= 1280 and y1 <= 720
    photo = dataclasses.replace(moved(obs, dx=-x0, dy=-y0), image_size=(x1 - x0, y1 - y0))
    framing = compute_framing(photo, matte(photo, crown_above_eyes_t=crown_t), profile)
    assert framing.crown_from_matte
    assert framing.head_size == pytest.approx((photo.chin[1] - framing.crown_y) / (y1 - y0), abs=0.02)
    assert profile.check("head_size").band.contains(framing.head_size)
    assert framing.headroom == pytest.approx(ID_HEADROOM, abs=0.015)
    assert profile.check("headroom").band.contains(framing.headroom)
    if crown_t == 1.8:  # the eye-to-chin proxy this replaced (0.30-0.41) failed a tall hairdo
        assert photo.eye_to_chin_px / (y1 - y0) < 0.30
