"""Eye baseline and blink rule, and the feature measures' invariance to where and how big the face is."""

from __future__ import annotations

import numpy as np
import pytest

from realtime.face.features import BLINK_FRACTION, EyeBaseline, MouthActivity, measure


def test_baseline_waits_for_enough_frames_then_tracks_the_open_level() -> None:
    baseline = EyeBaseline(window=30, min_samples=5)
    levels = [baseline.update(0.08) for _ in range(4)]
    assert levels == [None] * 4
    assert baseline.update(0.08) == pytest.approx(0.08)
    for _ in range(3):  # a blink barely moves a high percentile
        level = baseline.update(0.01)
    assert level == pytest.approx(0.08, rel=0.05)
    baseline.reset()
    assert baseline.update(0.08) is None


@pytest.mark.parametrize(
    "opening, level, blink",
    [(0.08, 0.08, False), (0.05, 0.08, False), (0.04, 0.08, True), (0.01, 0.08, True), (0.01, None, False),
     (0.03, 0.045, False)],  # narrow eyes at their own normal level are not a blink
)
def test_blink_is_relative_to_the_persons_baseline(opening: float, level: float | None, blink: bool) -> None:
    assert EyeBaseline.is_blink(opening, level) is blink
    if level is not None:
        assert blink == (opening < BLINK_FRACTION * level)


@pytest.mark.parametrize("scale, shift, angle", [(2.0, (100.0, 50.0), 0.0), (0.5, (-30.0, 10.0), 20.0)])
def test_measures_do_not_depend_on_position_size_or_tilt(astronaut_face, scale, shift, angle) -> None:
    pts = astronaut_face.landmarks.astype(np.float64)
    c, s = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    moved = pts.copy()
    moved[:, :2] = (pts[:, :2] @ np.array([[c, s], [-s, c]])) * scale + np.array(shift)
    a, b = measure(pts), measure(moved)
    assert b.inter_eye_px == pytest.approx(a.inter_eye_px * scale, rel=1e-6)
    for name in ("eye_open_left", "eye_open_right", "mouth_open", "smile", "gaze", "gaze_x", "gaze_y"):
        assert getattr(b, name) == pytest.approx(getattr(a, name), abs=1e-6), name


def test_smile_falls_when_corners_drop_and_mouth_narrows(astronaut_face) -> None:
    pts = astronaut_face.landmarks.astype(np.float64).copy()
    before = measure(pts).smile
    ied = measure(pts).inter_eye_px
    centre = pts[[13, 14], :2].mean(axis=0)
    for corner in (61, 291):
        pts[corner, 1] = centre[1] + 0.05 * ied  # corners below the lip line
        pts[corner, 0] = centre[0] + (pts[corner, 0] - centre[0]) * 0.8
    assert measure(pts).smile < before - 0.4
    assert measure(pts).smile < 0.2


def _talk(activity, gaps, fps: float = 30.0, start: float = 0.0) -> list[bool]:
    return [activity.update(float(g), start + i / fps) for i, g in enumerate(gaps)]


def test_talking_is_the_lip_gap_swinging_again_and_again() -> None:
    t = np.arange(60) / 30.0
    speech = 0.1 + 0.08 * np.sin(2 * np.pi * 3.0 * t)  # three syllables a second, 0.16 T peak to peak
    activity = MouthActivity()
    talking = _talk(activity, speech)
    assert not any(talking[:10]) and all(talking[-20:])
    # A closed mouth afterwards: talking ends once the swings leave the window.
    after = _talk(activity, np.full(60, 0.02), start=2.0)
    assert after[0] and not any(after[-10:])


@pytest.mark.parametrize("gaps", [
    np.full(90, 0.01) + np.random.default_rng(1).uniform(-0.02, 0.02, 90),  # landmark jitter on a still mouth
    np.r_[np.full(30, 0.0), np.full(60, 0.12)],  # a smile that opens the lips once and holds
    np.r_[np.full(20, 0.0), np.full(30, 0.35), np.full(40, 0.0)],  # a yawn: open once, shut once
])
def test_a_still_mouth_a_smile_or_a_yawn_is_not_talking(gaps: np.ndarray) -> None:
    assert not any(_talk(MouthActivity(), gaps))


def test_talking_forgets_on_reset() -> None:
    activity = MouthActivity()
    t = np.arange(45) / 30.0
    assert _talk(activity, 0.1 + 0.08 * np.sin(2 * np.pi * 3.0 * t))[-1]
    activity.reset()
    assert not activity.update(0.1, 1.6)
