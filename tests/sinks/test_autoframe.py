"""Auto-framing: follows the crop smoothly without overshoot, ignores jitter, eases out without a face."""

from __future__ import annotations

import numpy as np
import pytest

from realtime.coach.assessment import Assessment
from realtime.sinks.autoframe import AutoFramer

FRAME = (1280, 720)


def crop_at(cx: float, cy: float, h: float) -> Assessment:
    w = h * 0.8  # a 4:5 headshot crop
    return Assessment({}, None, None, False, False,
                      (int(cx - w / 2), int(cy - h / 2), int(cx + w / 2), int(cy + h / 2)), None)


def run(framer: AutoFramer, assessments, fps: float = 30.0, t0: float = 0.0):
    return [framer.update(a, t0 + i / fps, FRAME) for i, a in enumerate(assessments)]


def centre(rect):
    x0, y0, x1, y1 = rect
    return (x0 + x1) / 2.0, (y0 + y1) / 2.0, y1 - y0


def test_starts_full_frame_and_keeps_aspect_inside_frame():
    framer = AutoFramer(16 / 9)
    rects = run(framer, [crop_at(300, 250, 300)] * 90)
    assert rects[0] == (0, 0, 1280, 720)
    for x0, y0, x1, y1 in rects:
        assert 0 <= x0 < x1 <= 1280 and 0 <= y0 < y1 <= 720
        assert (x1 - x0) / (y1 - y0) == pytest.approx(16 / 9, abs=0.02)


def test_converges_to_head_without_overshoot():
    framer = AutoFramer(16 / 9, omega=4.0)
    rects = run(framer, [crop_at(640, 330, 320)] * 120)  # 4 s
    heights = [centre(r)[2] for r in rects]
    target_h = 320 * framer.head_scale
    assert heights[-1] == pytest.approx(target_h, abs=2)
    assert all(b <= a + 1 for a, b in zip(heights, heights[1:]))  # zooms in monotonically
    assert min(heights) >= target_h - 2  # never past the target
    assert heights[15] > target_h + 40  # and it is a glide, not a jump (0.5 s in)


def test_dead_zone_ignores_jitter():
    framer = AutoFramer(16 / 9, dead_zone=0.04)
    rng = np.random.default_rng(0)
    steady = run(framer, [crop_at(640, 330, 320)] * 150)
    jitter = [crop_at(640 + rng.normal(0, 6), 330 + rng.normal(0, 6), 320 + rng.normal(0, 6)) for _ in range(90)]
    moved = run(framer, jitter, t0=5.0)
    assert {r for r in moved} == {steady[-1]}  # the view did not move a pixel


def test_follows_a_real_move():
    framer = AutoFramer(16 / 9)
    run(framer, [crop_at(500, 330, 320)] * 150)
    after = run(framer, [crop_at(800, 330, 320)] * 150, t0=5.0)
    assert centre(after[-1])[0] == pytest.approx(800, abs=3)


def test_eases_back_to_full_frame_when_face_is_gone():
    framer = AutoFramer(16 / 9, lost_after_s=1.0)
    run(framer, [crop_at(640, 330, 320)] * 120)
    gone = run(framer, [None] * 150, t0=4.0)
    assert centre(gone[20])[2] < 600  # still holding the framing for a moment
    assert gone[-1] == (0, 0, 1280, 720)


def test_zoom_is_limited():
    framer = AutoFramer(16 / 9, max_zoom=2.0)
    rects = run(framer, [crop_at(640, 360, 60)] * 200)
    assert centre(rects[-1])[2] == pytest.approx(360, abs=2)


def test_rejects_bad_settings():
    with pytest.raises(ValueError, match="positive aspect"):
        AutoFramer(0.0)
