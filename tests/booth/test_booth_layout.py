"""Buttons and the countdown beside the person, never over them; the countdown digit big, solid and
high-contrast. Unit cases for the layout, then the demo through the real pipeline, checked against the
demo's own ground truth (where the renderer put the person), not against the matte the layout used."""

from __future__ import annotations

import threading
from dataclasses import replace

import cv2
import numpy as np
import pytest

from realtime.booth.layout import MIN_TAKE_W, intersects, live_layout, person_box, picture_rect
from realtime.booth.machine import State
from realtime.booth.screens import BoothView, render
from realtime.loop import BaseSink, Loop
from realtime.sinks.overlay import CANVAS_SIZE, fit_frame
from realtime.sources.base import FrameSource, SourceFrame
from realtime.sources.demo import DemoRenderer
from realtime.sources.demo_script import DEMO_DURATION_S, DEMO_SCRIPT
from tests.booth.test_booth_session import LoopingDemo, renderer, stages  # noqa: F401 (fixtures)
from tests.booth.test_screens import ASSESSMENT, FRAME

W, H = CANVAS_SIZE


def canvas_box(frame_box, frame_size=(1280, 720), mirrored=True):
    """A frame-pixel box on the live screen's canvas (computed here from fit_frame, not from the layout)."""
    _, transform = fit_frame(np.zeros((frame_size[1], frame_size[0], 3), np.uint8), CANVAS_SIZE,
                             mirrored=mirrored, area=(0, 0, W, picture_rect(CANVAS_SIZE)[3]))
    return transform.rect(*frame_box)


# --- the countdown digit ---------------------------------------------------------------------------------------

def digit_pixels(image):
    """The countdown digit: near-black pixels inside the white disc."""
    white = (image.min(axis=-1) > 245).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(white)
    disc = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h = stats[disc, :4]
    inside = image[y:y + h, x:x + w]
    dark = inside.max(axis=-1) < 60
    ys, xs = np.nonzero(dark)
    return (x + xs.min(), y + ys.min(), x + xs.max() + 1, y + ys.max() + 1), dark, inside, (x, y, w, h)


@pytest.mark.parametrize("digit", [3, 2, 1])
def test_countdown_digit_is_big_solid_high_contrast_and_beside_the_person(digit, tmp_path):
    image, buttons = render(BoothView(State.COUNTDOWN, frame=FRAME, assessment=ASSESSMENT, countdown=digit))
    cv2.imwrite(str(tmp_path / f"countdown_{digit}.png"), image)
    assert buttons == []
    (x0, y0, x1, y1), dark, inside, (dx, dy, dw, dh) = digit_pixels(image)
    assert y1 - y0 > 150  # a digit taller than 150 px on a 720 px screen
    assert dw > 250 and dh > 250  # in a disc wider than 250 px
    box = dark[y0 - dy:y1 - dy, x0 - dx:x1 - dx]
    strokes = cv2.distanceTransform(box.astype(np.uint8), cv2.DIST_L2, 5)
    assert strokes.max() * 2 >= 24  # strokes at least 24 px thick: a solid figure, not a thin outline
    digit_lum = inside[dark].mean()
    disc_lum = inside[inside.min(axis=-1) > 245].mean()
    assert disc_lum - digit_lum > 200  # near black on white
    person = canvas_box((384, 60, 896, 700))  # the astronaut and the crop guide in the test frame
    assert not intersects((x0, y0, x1, y1), person) and not intersects((dx, dy, dx + dw, dy + dh), person)


# --- the layout, unit cases ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("person", [(420, 40, 860, 610), (0, 30, 700, 610), (600, 0, 1280, 610),
                                    (300, 100, 900, 610), (100, 50, 1000, 610)])
def test_buttons_go_beside_the_person(person):
    lay = live_layout(CANVAS_SIZE, person)
    assert not lay.in_band
    for rect in (lay.take, lay.exit):
        assert not intersects(rect, person), rect
        assert 0 <= rect[0] < rect[2] <= W and 0 <= rect[1] < rect[3] <= lay.picture[3]
    assert not intersects(lay.take, lay.exit)
    assert lay.take[2] - lay.take[0] >= MIN_TAKE_W and lay.exit[2] - lay.exit[0] >= 200
    cx, cy, r = lay.disc
    assert not intersects((cx - r - 8, cy - r - 8, cx + r + 8, cy + r + 8), person)


def test_buttons_stay_on_their_side_while_it_fits():
    centred = (420, 40, 860, 610)
    assert live_layout(CANVAS_SIZE, centred, prefer="left").side == "left"
    assert live_layout(CANVAS_SIZE, centred, prefer="right").side == "right"
    off_left = (0, 30, 700, 610)  # the left column is gone: TAKE PHOTO moves right whatever it preferred
    lay = live_layout(CANVAS_SIZE, off_left, prefer="left")
    assert lay.side == "right" and not intersects(lay.take, off_left)


def test_someone_who_fills_the_frame_gets_the_buttons_in_the_band():
    person = (150, 0, 1130, 610)  # no column as wide as a button plus its gaps on either side
    lay = live_layout(CANVAS_SIZE, person)
    assert lay.in_band and lay.disc is None
    for rect in (lay.take, lay.exit):
        assert rect[1] >= lay.picture[3] and not intersects(rect, person) and rect[3] - rect[1] >= 90


def test_person_box_maps_the_matte_and_the_guide_through_the_mirror():
    alpha = np.zeros((360, 640), np.float32)  # a matte at half the frame's size
    alpha[100:300, 50:150] = 1.0  # frame x 100..300 (left of the frame)
    _, transform = fit_frame(FRAME, CANVAS_SIZE, mirrored=True, area=(0, 0, W, 610))
    box = person_box(alpha, None, transform, picture_rect(CANVAS_SIZE))
    expected = canvas_box((100, 200, 300, 600))
    assert all(abs(a - b) <= 8 for a, b in zip(box, expected)), (box, expected)
    assert box[0] > W // 2  # mirrored: the left of the frame is the right of the screen
    both = person_box(alpha, (700, 60, 900, 500), transform, picture_rect(CANVAS_SIZE))
    guide = canvas_box((700, 60, 900, 500))
    assert both[0] <= guide[0] and both[2] >= box[2] and both[1] <= guide[1]


def test_nothing_known_keeps_the_middle_free():
    _, transform = fit_frame(FRAME, CANVAS_SIZE, mirrored=True, area=(0, 0, W, 610))
    x0, _, x1, _ = person_box(None, None, transform, picture_rect(CANVAS_SIZE))
    assert x0 < W // 2 - 200 and x1 > W // 2 + 200


# --- the demo through the real pipeline -----------------------------------------------------------------------

MOMENTS = [0.25 + 0.5 * i for i in range(int(DEMO_DURATION_S / 0.5))]


class Moments(FrameSource):
    """The demo at MOMENTS, every one twice (the face tracker settles), time always increasing."""

    name = "demo-moments"

    def __init__(self, renderer: DemoRenderer) -> None:  # noqa: F811
        self.renderer = renderer
        self.items = [(t, i) for i, t in enumerate(t for t in MOMENTS for _ in range(2))]
        self.t0 = LoopingDemo.clock

    def read(self, timeout: float | None = None) -> SourceFrame | None:
        if not self.items:
            self.state = "ended"
            return None
        t, index = self.items.pop(0)
        LoopingDemo.clock = self.t0 + index / 6.0 + 1.0
        return SourceFrame(index, self.renderer.render(t, index), 0.0, self.t0 + index / 6.0)

    @property
    def fps(self) -> float:
        return 6.0


def ground_truth_box(renderer, empty, t, index):  # noqa: F811
    """Where the renderer put the person: what differs from the same frame with nobody in it."""
    diff = np.abs(renderer.render(t, index).astype(int) - empty.render(t, index).astype(int)).max(axis=-1)
    mask = cv2.morphologyEx((diff > 12).astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    ys, xs = np.nonzero(mask)
    return xs.min(), ys.min(), xs.max() + 1, ys.max() + 1


def test_buttons_never_cover_the_person_on_the_demo(stages, renderer, tmp_path):  # noqa: F811
    empty = DemoRenderer(script=tuple(replace(k, x=-5.0) for k in DEMO_SCRIPT))  # the person far off-screen
    checked: list[float] = []

    class Check(BaseSink):
        name = "check"

        def send(self, frame):
            t = MOMENTS[frame.frame_id // 2]
            if frame.frame_id % 2 == 0:
                return
            truth = canvas_box(ground_truth_box(renderer, empty, t, frame.frame_id))
            for state in (State.COACHING, State.COUNTDOWN):
                view = BoothView(state, frame=frame.output, assessment=frame.assessment, alpha=frame.alpha,
                                 countdown=3)
                image, buttons = render(view)
                if state is State.COACHING:
                    cv2.imwrite(str(tmp_path / f"coaching_{t:05.2f}.png"), image)
                    assert {b.label for b in buttons} == {"TAKE PHOTO", "EXIT"}
                for button in buttons:
                    assert not intersects(button.rect, truth), (t, button.label, button.rect, truth)
                    if frame.assessment is not None and frame.assessment.crop is not None:
                        guide = canvas_box(frame.assessment.crop)
                        assert not intersects(button.rect, guide), (t, button.label, guide)
            checked.append(t)

    stages.coach.coach.reset()
    Loop(Moments(renderer), stages.stages, [Check()], stop=threading.Event()).run()
    assert checked == MOMENTS
