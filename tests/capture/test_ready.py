"""Score, rejection rules and the candidate ring, with constructed observations."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from realtime.capture.ready import (
    BLUR_FLOOR,
    DEFAULT_WEIGHTS,
    RING_MIN_FRAMES,
    Candidate,
    CandidateRing,
    ScoreLimits,
    best,
    rank,
    rejection,
)
from tests.capture.conftest import BASE_FACE, BASE_LIGHT

LIMITS = ScoreLimits()
IMAGE = np.zeros((720, 1280, 3), np.uint8)


def cand(frame_id: int, face: dict | None = None, light: dict | None = None,
         image: np.ndarray = IMAGE, processed: np.ndarray | None = None) -> Candidate:
    return Candidate(frame_id, frame_id / 30.0, image, processed, replace(BASE_FACE, **(face or {})),
                     replace(BASE_LIGHT, **(light or {})), None, 200.0, False)


def test_weights_sum_to_one() -> None:
    assert sum(DEFAULT_WEIGHTS.values()) == pytest.approx(1.0)


def test_limits_come_from_the_profile(professional, id_profile) -> None:
    pro, ident = ScoreLimits.from_profile(professional), ScoreLimits.from_profile(id_profile)
    assert (pro.yaw_deg, pro.roll_deg, pro.smile_target, pro.motion_max) == (8, 6, 0.45, 0.5)
    assert (ident.yaw_deg, ident.smile_target, ident.motion_max) == (5, 0.0, 0.3)


@pytest.mark.parametrize(
    ("better", "worse"),
    [
        ({}, {"yaw_deg": 6.0}),  # frontal beats turned
        ({}, {"pitch_deg": -5.0}),
        ({}, {"roll_deg": 4.0}),
        ({}, {"gaze": 0.1}),  # eyes into the lens
        ({}, {"eye_open_left": 0.045}),  # half-closed (not a blink) loses
        ({"smile": 0.45}, {"smile": 0.0}),  # closer to the professional target of 0.45
    ],
    ids=["yaw", "pitch", "roll", "gaze", "eyes_open", "expression"],
)
def test_face_terms_rank_the_better_frame_first(better: dict, worse: dict) -> None:
    ranked = rank([cand(1, worse), cand(2, better)], LIMITS)
    assert [s.candidate.frame_id for s in ranked] == [2, 1]
    assert ranked[0].score > ranked[1].score


@pytest.mark.parametrize(
    ("light_better", "light_worse"),
    [({"sharpness": 100.0}, {"sharpness": 80.0}), ({"evenness": 0.95}, {"evenness": 0.7})],
    ids=["sharpness", "evenness"],
)
def test_light_terms_rank_the_better_frame_first(light_better: dict, light_worse: dict) -> None:
    ranked = rank([cand(1, light=light_worse), cand(2, light=light_better)], LIMITS)
    assert ranked[0].candidate.frame_id == 2


def test_score_terms_are_in_unit_range_and_weighted_sum() -> None:
    scored = rank([cand(1, {"yaw_deg": 30.0, "smile": 1.0}), cand(2)], LIMITS)
    for s in scored:
        assert all(0.0 <= v <= 1.0 for v in s.terms.values())
        assert s.score == pytest.approx(sum(DEFAULT_WEIGHTS[k] * s.terms[k] for k in DEFAULT_WEIGHTS))
    perfect = next(s for s in scored if s.candidate.frame_id == 2)
    assert perfect.terms["pose"] == 1.0 and perfect.terms["sharpness"] == 1.0


@pytest.mark.parametrize(
    ("face", "light", "why"),
    [
        ({"blinking": True}, {}, "blink"),
        ({"motion_ied_per_s": 0.8}, {}, "motion"),
        ({}, {"sharpness": 100.0 * BLUR_FLOOR - 1.0}, "blur"),
    ],
)
def test_blinks_motion_and_blur_are_never_chosen(face: dict, light: dict, why: str) -> None:
    # The bad frame is made otherwise perfect and the good ones slightly off, so only the rule stops it.
    bad = cand(5, {**face, "smile": 0.45}, {**light, "evenness": 1.0})
    good = [cand(i, {"yaw_deg": 3.0, "smile": 0.3}, {"evenness": 0.8}) for i in range(5)]
    assert rejection(bad, LIMITS, 100.0) == why
    chosen = best([*good, bad], LIMITS)
    assert chosen is not None and chosen.candidate.frame_id != 5
    # Not strict (manual fallback): the rule is off and the bad frame is scored too.
    assert 5 in [s.candidate.frame_id for s in rank([*good, bad], LIMITS, strict=False)]


def test_ties_go_to_the_earlier_frame() -> None:
    assert best([cand(7), cand(3), cand(5)], LIMITS).candidate.frame_id == 3


def test_nothing_to_choose() -> None:
    assert best([], LIMITS) is None
    assert best([cand(1, {"blinking": True})], LIMITS) is None


def test_ring_count_bound_from_window_and_fps() -> None:
    ring = CandidateRing.for_window(1.5, 30.0)
    assert ring.max_frames == 54  # 1.5 s x 30 fps x 1.2 margin
    assert CandidateRing.for_window(0.1, 5.0).max_frames == RING_MIN_FRAMES
    for i in range(100):
        ring.push(cand(i))
    assert len(ring) == 54
    assert [c.frame_id for c in ring][0] == 46  # the newest are kept


def test_ring_byte_cap_and_no_copies() -> None:
    image = np.zeros((720, 1280, 3), np.uint8)
    processed = np.zeros_like(image)
    per_frame = image.nbytes + processed.nbytes  # 5.5 MB at 720p
    ring = CandidateRing(100, max_bytes=10 * per_frame)
    for i in range(25):
        ring.push(cand(i, image=image, processed=processed))
    assert len(ring) == 10 and ring.nbytes == 10 * per_frame
    assert all(c.image is image and c.processed is processed for c in ring)  # references, not copies


def test_ring_since_and_clear() -> None:
    ring = CandidateRing(10)
    for i in range(6):
        ring.push(cand(i))
    assert [c.frame_id for c in ring.since(3 / 30.0)] == [3, 4, 5]
    ring.clear()
    assert len(ring) == 0 and ring.nbytes == 0


def test_ring_rejects_bad_bounds() -> None:
    with pytest.raises(ValueError, match="positive"):
        CandidateRing(0)
