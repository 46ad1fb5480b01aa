"""Every booth screen rendered to an image and checked for its structure (saved to the test's tmp_path,
which pytest keeps, to be looked at)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

from realtime.booth.machine import Press, State
from realtime.booth.screens import BUTTON_H, BoothView, render
from realtime.coach.assessment import Assessment, CheckResult
from realtime.sinks.overlay import BAND_HEIGHT, CANVAS_SIZE, GUIDE

W, H = CANVAS_SIZE
FRAME = np.full((720, 1280, 3), (176, 182, 188), np.uint8)
FRAME[100:612, 384:896] = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
SHOT = FRAME[60:700, 384:896].copy()
ASSESSMENT = Assessment(
    {"roll": CheckResult("roll", 9.0, (-6.0, 6.0), False, "fail", "Level your head", arrow="left")},
    "Level your head: tilt it about 9 degrees to your right", "roll", False, False, (384, 60, 896, 700), 250.0)

VIEWS = {
    State.ATTRACT: BoothView(State.ATTRACT, frame=FRAME),
    State.COACHING: BoothView(State.COACHING, frame=FRAME, assessment=ASSESSMENT),
    State.COUNTDOWN: BoothView(State.COUNTDOWN, frame=FRAME, assessment=ASSESSMENT, countdown=2),
    State.CAPTURE: BoothView(State.CAPTURE, frame=FRAME),
    State.REVIEW: BoothView(State.REVIEW, shot=SHOT, time_left=27.4),
    State.DONE: BoothView(State.DONE, frame=FRAME, folder=Path("/home/booth/headshots/session-20250101-101500-001"),
                          kept=1, time_left=12.0),
}
EXPECTED_BUTTONS = {
    State.ATTRACT: {Press.PRIMARY},
    State.COACHING: {Press.PRIMARY, Press.CANCEL},
    State.COUNTDOWN: set(),
    State.CAPTURE: set(),
    State.REVIEW: {Press.PRIMARY, Press.RETAKE},
    State.DONE: {Press.PRIMARY, Press.ANOTHER},
}


@pytest.mark.parametrize("state", list(State))
def test_screen_structure(state, tmp_path):
    image, buttons = render(VIEWS[state])
    cv2.imwrite(str(tmp_path / f"booth_{state.value}.png"), image)
    assert image.shape == (H, W, 3) and image.dtype == np.uint8
    assert {b.press for b in buttons} == EXPECTED_BUTTONS[state]
    for button in buttons:
        x0, y0, x1, y1 = button.rect
        assert 0 <= x0 < x1 <= W and 0 <= y0 < y1 <= H
        assert y1 - y0 >= 90 and x1 - x0 >= 200  # big enough for a finger
        inside = image[y0 + 8:y1 - 8, x0 + 8:x1 - 8]
        assert (inside.min(axis=-1) > 230).sum() > 300  # a white label on it
        assert np.abs(inside.astype(int) - np.array(button.colour)).sum(axis=-1).__lt__(10).mean() > 0.4
    for a in buttons:
        for b in buttons:
            if a is not b:
                assert a.rect[2] <= b.rect[0] or b.rect[2] <= a.rect[0] or a.rect[3] <= b.rect[1] \
                    or b.rect[3] <= a.rect[1]  # buttons never overlap


@pytest.mark.parametrize("state", [State.COACHING, State.COUNTDOWN])
def test_live_screens_have_guide_and_instruction_band(state):
    image, _ = render(VIEWS[state])
    assert np.all(np.abs(image.astype(int) - np.array(GUIDE)) < 30, axis=-1).sum() > 300
    band = image[H - BAND_HEIGHT + 12:]
    assert band.mean() < 110 and (band.min(axis=-1) > 230).sum() > 800


def test_review_shows_the_shot():
    image, _ = render(VIEWS[State.REVIEW])
    left = image[30:H - 30, 30:W - 470]
    assert np.abs(left.astype(int) - 30).mean() > 40  # not the dark background: the photo


def test_done_names_the_folder():
    image, _ = render(VIEWS[State.DONE])
    text_rows = image[280:420]
    assert (np.abs(text_rows.astype(int) - np.array((0, 190, 255))).sum(axis=-1) < 60).sum() > 1000


def test_button_hit_test():
    _, buttons = render(VIEWS[State.REVIEW])
    accept = next(b for b in buttons if b.press is Press.PRIMARY)
    x0, y0, x1, y1 = accept.rect
    assert accept.contains((x0 + x1) // 2, (y0 + y1) // 2)
    assert not accept.contains(x1 + 1, y0) and y1 - y0 == BUTTON_H


def test_idle_message_over_any_screen():
    view = BoothView(State.ATTRACT, idle_message="Camera lost, reconnecting")
    image, _ = render(view)
    middle = image[H // 2 - 40:H // 2 + 40]
    assert middle[..., 2].mean() > middle[..., 0].mean() + 30


def test_handoff_done_screen_shows_a_readable_qr_code_and_the_address(tmp_path):
    from realtime.booth.share import qr_modules

    url = "http://192.168.1.20:8019/s/Zm9vYmFyYmF6cXV4cXV1eA/"
    view = BoothView(State.DONE, frame=FRAME, kept=1, time_left=50.0, share_url=url, share_qr=qr_modules(url),
                     share_note="Works for 30 min, on this booth's network (192.168.1.20:8019)")
    image, buttons = render(view)
    cv2.imwrite(str(tmp_path / "booth_handoff.png"), image)
    decoded, points, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert decoded == url
    assert {b.press for b in buttons} == {Press.ANOTHER, Press.PRIMARY}
    qr_right = points[0][:, 0].max()
    for button in buttons:  # on the canvas, beside the code (a touch on the code presses nothing)
        x0, y0, x1, y1 = button.rect
        assert qr_right < x0 and 0 <= y0 and x1 <= W and y1 <= H and y1 - y0 == BUTTON_H
