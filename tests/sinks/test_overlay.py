"""Overlay drawing on synthetic frame results: pure (the frame is untouched), mirrored coordinates,
checklist colours per status, the instruction band, and what shows without a face."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from realtime.coach.assessment import Assessment, CheckResult
from realtime.sinks.overlay import (
    BAND_HEIGHT,
    CANVAS_SIZE,
    CLOSE,
    FAIL,
    GUIDE,
    PANEL_WIDTH,
    PASS,
    UNKNOWN,
    OverlayView,
    fit_frame,
    instruction_text,
    ready_fraction,
    render_overlay,
    shade,
)

PHOTO = cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), (640, 360))  # 16:9, half of the canvas


def check(name: str, status: str, measured: bool = True) -> CheckResult:
    return CheckResult(name, 1.0 if measured else None, (0.0, 1.0), status == "pass", status,
                       None if status == "pass" else f"fix {name}", measured=measured)


def assessment(statuses: dict[str, str], *, crop=(100, 40, 260, 240), eye_y=120.0, ready=False,
               instruction="Move a little to your left", unmeasured=()) -> Assessment:
    checks = {n: check(n, s, n not in unmeasured) for n, s in statuses.items()}
    return Assessment(checks, instruction, None, ready, all(c.passed for c in checks.values()), crop, eye_y)


def colour_mask(image: np.ndarray, colour, tol: int = 12) -> np.ndarray:
    return np.all(np.abs(image.astype(int) - np.array(colour)) <= tol, axis=-1)


def test_does_not_modify_the_frame():
    image = PHOTO.copy()
    before = image.copy()
    out = render_overlay(image, assessment({"yaw": "fail"}), OverlayView(flash=0.5, countdown=3, show_help=True))
    np.testing.assert_array_equal(image, before)
    assert out.shape == (CANVAS_SIZE[1], CANVAS_SIZE[0], 3) and out is not image


@pytest.mark.parametrize("mirrored", [False, True])
def test_guide_lands_on_mirrored_coordinates(mirrored):
    crop = (100, 40, 260, 240)  # frame pixels; the canvas is 2x the frame
    out = render_overlay(PHOTO, assessment({"yaw": "pass"}, crop=crop), OverlayView(mirrored=mirrored,
                                                                                    show_checklist=False))
    ys, xs = np.nonzero(colour_mask(out, GUIDE, 30))
    x0, x1 = (1280 - 2 * 260, 1280 - 2 * 100) if mirrored else (2 * 100, 2 * 260)
    assert ys.min() == pytest.approx(2 * 40, abs=4)
    top_edge = xs[ys <= ys.min() + 2]  # the rectangle's top edge (the "eyes" label sits lower, outside)
    assert top_edge.min() == pytest.approx(x0, abs=4) and top_edge.max() == pytest.approx(x1, abs=4)
    eye_row = colour_mask(out[2 * 120 - 2:2 * 120 + 3, x0 + 10:x1 - 10], GUIDE, 30).sum()
    assert eye_row > 0.3 * (x1 - x0 - 20)  # a dashed line at the target eye height


def test_fit_frame_mirrors_the_image():
    canvas, transform = fit_frame(PHOTO, mirrored=True)
    plain, _ = fit_frame(PHOTO, mirrored=False)
    np.testing.assert_array_equal(canvas, plain[:, ::-1])
    assert transform.point(0, 0) == (1280, 0)


@pytest.mark.parametrize("size", [(640, 360), (1280, 720), (900, 700)])
def test_fit_frame_places_the_frame_exactly_and_blacks_the_bars(size):
    canvas, transform = fit_frame(PHOTO, size)
    x0, y0 = transform.offset
    w, h = round(PHOTO.shape[1] * transform.scale), round(PHOTO.shape[0] * transform.scale)
    scaled = PHOTO if (w, h) == PHOTO.shape[1::-1] else cv2.resize(
        PHOTO, (w, h), interpolation=cv2.INTER_AREA if transform.scale < 1 else cv2.INTER_LINEAR)
    assert np.array_equal(canvas[y0:y0 + h, x0:x0 + w], scaled)
    bars = canvas.copy()
    bars[y0:y0 + h, x0:x0 + w] = 0
    assert not bars.any()


def test_shade_blends_each_channel_towards_the_colour_inside_the_rectangle_only():
    image = PHOTO.copy()
    shade(image, (20, 30, 220, 130), colour=(30, 60, 140), opacity=0.8)
    inside = 0.2 * PHOTO[30:130, 20:220].astype(float) + 0.8 * np.array([30, 60, 140])
    assert np.abs(image[30:130, 20:220] - inside).max() <= 0.5 + 1e-9
    outside = image.copy()
    outside[30:130, 20:220] = PHOTO[30:130, 20:220]
    assert np.array_equal(outside, PHOTO)


@pytest.mark.parametrize(("status", "colour"), [("pass", PASS), ("close", CLOSE), ("fail", FAIL)])
def test_checklist_colour_per_status(status, colour):
    blank = np.zeros((360, 640, 3), np.uint8)
    out = render_overlay(blank, assessment({"head_size": status}, crop=None), OverlayView())
    panel = out[60:200, CANVAS_SIZE[0] - PANEL_WIDTH - 10:CANVAS_SIZE[0] - 10]
    assert colour_mask(panel, colour).sum() > 60
    for other in {PASS, CLOSE, FAIL} - {colour}:
        assert colour_mask(panel, other).sum() == 0


def test_unmeasured_check_is_grey():
    blank = np.zeros((360, 640, 3), np.uint8)
    out = render_overlay(blank, assessment({"backlight": "fail"}, crop=None, unmeasured=("backlight",)),
                         OverlayView())
    panel = out[60:200, CANVAS_SIZE[0] - PANEL_WIDTH - 10:]
    assert colour_mask(panel, UNKNOWN).sum() > 60 and colour_mask(panel, FAIL).sum() == 0


def test_many_checks_stay_above_the_band():
    statuses = {f"check_{i}": "fail" for i in range(21)}
    blank = np.zeros((360, 640, 3), np.uint8)
    out = render_overlay(blank, assessment(statuses, crop=None), OverlayView())
    band_top = CANVAS_SIZE[1] - BAND_HEIGHT
    ys, _ = np.nonzero(colour_mask(out[:band_top], FAIL))
    assert ys.max() < band_top - 5 and len(np.unique(ys // 10)) > 15


def test_band_has_large_white_text_and_meter():
    out = render_overlay(PHOTO, assessment({"a": "pass", "b": "fail"}), OverlayView())
    band = out[CANVAS_SIZE[1] - BAND_HEIGHT + 12:]
    rows = np.nonzero((band.min(axis=-1) > 230).any(axis=1))[0]
    assert rows.max() - rows.min() >= 30  # letters at least 30 px tall: readable from a metre
    meter = out[CANVAS_SIZE[1] - BAND_HEIGHT + 2, :]
    filled = colour_mask(meter[None], CLOSE)[0].sum()
    assert filled == pytest.approx(640, abs=3)  # one of two checks passing: half the meter


@pytest.mark.parametrize(
    ("a", "expected"),
    [
        (None, "No face yet: step into the frame"),
        (assessment({"a": "fail"}, instruction="Level your head"), "Level your head"),
        (assessment({"a": "pass"}, ready=True, instruction=None), "Ready: hold still"),
        (assessment({"a": "pass"}, instruction=None), "Looking good: hold still"),
    ],
)
def test_instruction_text(a, expected):
    assert instruction_text(a, OverlayView()) == expected


def test_no_face_shows_no_guide_and_says_so():
    out = render_overlay(PHOTO, None, OverlayView())
    assert colour_mask(out, GUIDE, 30).sum() < 20
    assert ready_fraction(None) == 0.0


def test_flash_whitens_and_thumbnail_is_drawn():
    dark = np.full((360, 640, 3), 20, np.uint8)
    flashed = render_overlay(dark, None, OverlayView(flash=1.0))
    assert flashed.min() == 255
    thumb = np.zeros((300, 240, 3), np.uint8)
    thumb[:] = (0, 0, 200)
    out = render_overlay(dark, None, OverlayView(thumbnail=thumb))
    corner = out[CANVAS_SIZE[1] - BAND_HEIGHT - 220:CANVAS_SIZE[1] - BAND_HEIGHT, :200]
    assert colour_mask(corner, (0, 0, 200)).sum() > 10000


def test_idle_message_band():
    out = render_overlay(PHOTO, None, OverlayView(idle_message="Camera lost, reconnecting"))
    middle = out[CANVAS_SIZE[1] // 2 - 50:CANVAS_SIZE[1] // 2 + 50]
    assert middle[..., 2].mean() > middle[..., 0].mean() + 30  # a red band


def test_checklist_labels_say_what_failed():
    from realtime.sinks.overlay import check_label

    assert check_label("face_found") == "Face found, close enough"  # red over a far-away face must make sense
    assert check_label("horizontal_centring") == "Horizontal centring"
