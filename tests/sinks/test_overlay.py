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
    picture_area,
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


@pytest.mark.parametrize("size", [(640, 360), (1280, 720), (900, 700), (490, 400)])
def test_fit_frame_places_the_frame_exactly_and_blacks_the_bars(size):
    canvas, transform = fit_frame(PHOTO, size)
    x0, y0 = transform.offset
    w, h = round(PHOTO.shape[1] * transform.scale), round(PHOTO.shape[0] * transform.scale)
    scaled = PHOTO if (w, h) == PHOTO.shape[1::-1] else cv2.resize(PHOTO, (w, h), interpolation=cv2.INTER_LINEAR)
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


PANEL_X = CANVAS_SIZE[0] - PANEL_WIDTH
PICTURE = (CANVAS_SIZE[0] - PANEL_WIDTH, CANVAS_SIZE[1] - BAND_HEIGHT)  # the picture's area, top-left


def row_dot(out: np.ndarray, index: int) -> np.ndarray:
    """The status dot of checklist group ``index`` (0 Framing .. 5 Background) in the side panel."""
    y = 154 + 56 * index
    return out[y - 8:y + 9, PANEL_X + 22:PANEL_X + 39]


@pytest.mark.parametrize(("status", "colour"), [("pass", PASS), ("close", CLOSE), ("fail", FAIL)])
def test_group_row_colour_per_status(status, colour):
    blank = np.zeros((360, 640, 3), np.uint8)
    out = render_overlay(blank, assessment({"head_size": status, "yaw": "pass"}, crop=None), OverlayView())
    assert colour_mask(row_dot(out, 0), colour).sum() > 60  # Framing holds head_size
    assert colour_mask(row_dot(out, 1), PASS).sum() > 60  # Face the camera holds yaw


def test_group_without_measured_checks_is_grey():
    blank = np.zeros((360, 640, 3), np.uint8)
    out = render_overlay(blank, assessment({"backlight": "pass"}, crop=None, unmeasured=("backlight",)),
                         OverlayView())
    assert colour_mask(row_dot(out, 4), UNKNOWN).sum() > 60 and colour_mask(row_dot(out, 4), FAIL).sum() == 0


def test_panel_and_band_never_cover_the_picture():
    """Everything but the guide leaves the picture's pixels alone: the panel and band are beside it."""
    from realtime.coach.registry import CHECK_ORDER

    statuses = {name: "fail" for name in CHECK_ORDER}
    out = render_overlay(PHOTO, assessment(statuses, crop=None), OverlayView(detail="Framing", fps=30.0))
    area = picture_area(CANVAS_SIZE, True, (640, 360))
    assert area == (0, 0, PICTURE[0], round(PICTURE[0] * 9 / 16))  # top-left, no black bars
    plain, _ = fit_frame(PHOTO, CANVAS_SIZE, mirrored=True, area=area)
    picture = (slice(0, area[3]), slice(0, area[2]))
    assert np.array_equal(out[picture][60:], plain[picture][60:])  # the top 60 rows hold only a toast
    assert colour_mask(out[:, PANEL_X:], FAIL).sum() > 6 * 60  # six red group dots, and the open detail


def test_detail_lists_the_group_checks_and_fps_needs_debug():
    a = assessment({"exposure": "pass", "evenness": "fail", "clipping": "pass"}, crop=None)
    closed = render_overlay(PHOTO, a, OverlayView(fps=29.7))
    opened = render_overlay(PHOTO, a, OverlayView(fps=29.7, detail="Light", debug=True))
    assert np.array_equal(closed[:, PANEL_X:][:380], opened[:, PANEL_X:][:380])  # rows above Light alike
    assert not np.array_equal(closed[:, PANEL_X:], opened[:, PANEL_X:])  # the Light detail opened
    assert np.array_equal(closed[10:60, 10:200], render_overlay(PHOTO, a, OverlayView())[10:60, 10:200])
    assert not np.array_equal(closed[10:60, 10:200], opened[10:60, 10:200])  # fps box only with debug


def test_countdown_is_a_solid_disc_in_the_band_and_a_green_frame():
    out = render_overlay(PHOTO, assessment({"a": "pass"}, crop=None), OverlayView(countdown=2))
    band = out[PICTURE[1]:, PICTURE[0] - 130:PICTURE[0]]
    assert colour_mask(band, PASS).sum() > 3000 and (band.min(axis=-1) > 230).sum() > 300  # disc, white digit
    assert colour_mask(out[:PICTURE[1], :6], PASS).sum() > 0.5 * PICTURE[1]  # the frame round the picture


def test_band_has_large_white_text_and_the_panel_a_labelled_meter():
    from realtime.coach.registry import CHECK_ORDER

    statuses = {name: "fail" if name == "evenness" else "pass" for name in CHECK_ORDER}
    out = render_overlay(PHOTO, assessment(statuses), OverlayView())
    band = out[CANVAS_SIZE[1] - BAND_HEIGHT + 12:, :PICTURE[0]]
    rows = np.nonzero((band.min(axis=-1) > 230).any(axis=1))[0]
    assert rows.max() - rows.min() >= 30  # letters at least 30 px tall: readable from a metre
    meter = out[88, PANEL_X + 20:CANVAS_SIZE[0] - 20]
    filled = colour_mask(meter[None], CLOSE)[0].sum()
    assert filled == pytest.approx(len(meter) * 5 / 6, abs=3)  # five of six groups pass (Light fails)


def test_booth_layout_keeps_the_full_frame_band():
    from realtime.coach.registry import CHECK_ORDER

    statuses = {name: "fail" if name == "evenness" else "pass" for name in CHECK_ORDER}
    out = render_overlay(PHOTO, assessment(statuses), OverlayView(show_checklist=False))
    meter = out[CANVAS_SIZE[1] - BAND_HEIGHT + 2, :]
    assert colour_mask(meter[None], CLOSE)[0].sum() > 600


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


def test_flash_whitens_and_thumbnail_is_drawn_in_the_panel():
    dark = np.full((360, 640, 3), 20, np.uint8)
    flashed = render_overlay(dark, None, OverlayView(flash=1.0))
    assert flashed.min() == 255
    thumb = np.zeros((300, 240, 3), np.uint8)
    thumb[:] = (0, 0, 200)
    out = render_overlay(dark, None, OverlayView(thumbnail=thumb))
    assert colour_mask(out[:, PANEL_X:], (0, 0, 200)).sum() > 10000
    assert colour_mask(out[:, :PANEL_X], (0, 0, 200)).sum() == 0


def test_idle_message_band():
    out = render_overlay(PHOTO, None, OverlayView(idle_message="Camera lost, reconnecting"))
    middle = out[CANVAS_SIZE[1] // 2 - 50:CANVAS_SIZE[1] // 2 + 50]
    assert middle[..., 2].mean() > middle[..., 0].mean() + 30  # a red band


def test_checklist_labels_say_what_failed():
    from realtime.sinks.overlay import check_label

    assert check_label("face_found") == "Face found, close enough"  # red over a far-away face must make sense
    assert check_label("horizontal_centring") == "Centred left to right"


def test_panel_cache_reuses_an_unchanged_panel_and_redraws_a_changed_one():
    """The preview keeps the last panel: the same content gives the same pixels as a fresh draw, and any
    change (a row's status, the detail opened, progress) is drawn anew, never a stale copy."""
    cache: dict = {}
    views = [
        (assessment({"head_size": "fail", "yaw": "pass"}, crop=None), OverlayView()),
        (assessment({"head_size": "fail", "yaw": "pass"}, crop=None), OverlayView()),  # same: from the cache
        (assessment({"head_size": "pass", "yaw": "pass"}, crop=None), OverlayView()),  # a row turned green
        (assessment({"head_size": "pass", "yaw": "pass"}, crop=None), OverlayView(detail="Framing")),
        (assessment({"head_size": "pass", "yaw": "pass"}, crop=None), OverlayView(detail="Framing", progress=0.5)),
    ]
    keys = []
    for a, view in views:
        cached = render_overlay(PHOTO, a, view, panel_cache=cache)
        fresh = render_overlay(PHOTO, a, view)
        assert np.array_equal(cached, fresh)
        keys.append(cache["key"])
    assert keys[0] == keys[1] and len(set(keys)) == 4
