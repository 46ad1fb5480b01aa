"""Crops from a real face (the astronaut placed by the demo renderer): aspect, size, head placement."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from realtime.capture.crops import CropPlan, id_pixels, plan_crops, render_crop
from realtime.coach.framing import find_crown
from tests.capture.conftest import place


@pytest.fixture(scope="module")
def big(placed):
    """The same scene from a 2560x1440 camera (more pixels on the face)."""
    return place(cv2.resize(placed.image, (2560, 1440), interpolation=cv2.INTER_CUBIC))


def test_id_pixels_for_35x45_mm_at_600_dpi() -> None:
    assert id_pixels((35, 45), 600) == (827, 1063)


@pytest.mark.parametrize("profile_name", ["professional", "id"])
def test_crops_have_the_right_aspect_and_size(placed, profile_name, request) -> None:
    profile = request.getfixturevalue("id_profile" if profile_name == "id" else "professional")
    crown, _ = find_crown(placed.face, placed.alpha)
    plans = plan_crops(placed.face, crown, profile, upscale=True)
    assert set(plans) == {"square", "vertical", "id"}
    for plan in plans.values():
        image = render_crop(placed.image, plan)
        assert image.shape[1::-1] == plan.size
    sq, vert, ident = plans["square"].size, plans["vertical"].size, plans["id"].size
    assert sq[0] == sq[1] >= 800
    assert vert[0] * 5 == vert[1] * 4 and vert[0] >= 1080 and vert[1] >= 1350
    assert ident == (827, 1063) and plans["id"].dpi == 600
    # Boxes keep the aspect in frame pixels too (within a rounding pixel).
    for plan, aspect in ((plans["square"], 1.0), (plans["vertical"], 0.8), (plans["id"], 35 / 45)):
        w, h = plan.native_px
        assert w == pytest.approx(h * aspect, abs=1.5)


def test_head_placement_follows_the_profile_bands(placed, professional) -> None:
    face = placed.face
    crown, from_matte = find_crown(face, placed.alpha)
    assert from_matte
    plans = plan_crops(face, crown, professional)
    ex, ey = face.eye_mid
    for name in ("square", "vertical"):
        x0, y0, x1, y1 = plans[name].box
        h = y1 - y0
        head_size = professional.check("head_size").band
        eye_line = professional.check("eye_line").band
        headroom = professional.check("headroom").band
        assert head_size.low - 0.01 <= face.eye_to_chin_px / h <= head_size.high + 0.01, name
        assert eye_line.low - 0.01 <= (ey - y0) / h <= eye_line.high + 0.01, name
        assert headroom.low - 0.01 <= (crown - y0) / h <= headroom.high + 0.01, name
        assert abs(ex - (x0 + x1) / 2) <= 0.25 * face.inter_eye_px, name
        assert y0 < crown and face.chin[1] < y1  # the whole head is in


@pytest.mark.parametrize("use_matte", [True, False], ids=["matte-crown", "landmark-crown"])
def test_id_crop_has_chin_to_crown_70_to_80_percent(placed, id_profile, use_matte) -> None:
    crown, _ = find_crown(placed.face, placed.alpha if use_matte else None)
    plan = plan_crops(placed.face, crown, id_profile)["id"]
    fraction = plan.head_fraction(crown, placed.face.chin[1])
    assert 0.70 <= fraction <= 0.80
    x0, y0, x1, y1 = plan.box
    assert y0 < crown - 0.02 * (y1 - y0)  # some space above the crown
    assert abs(placed.face.eye_mid[0] - (x0 + x1) / 2) <= 0.1 * placed.face.inter_eye_px


def test_matte_crown_is_above_the_landmark_hairline(placed) -> None:
    crown, from_matte = find_crown(placed.face, placed.alpha)
    assert from_matte and crown < placed.face.forehead[1]


def test_small_camera_upscales_only_when_asked_and_says_so(placed, professional) -> None:
    crown, _ = find_crown(placed.face, placed.alpha)
    asked = plan_crops(placed.face, crown, professional, upscale=True)["vertical"]
    assert asked.native_px[1] <= 720 and asked.upscaled  # a 720p camera cannot give 1350 rows
    assert asked.as_json()["native_px"] == list(asked.native_px)
    plans = plan_crops(placed.face, crown, professional)  # the default invents no pixels
    for plan in plans.values():
        assert not plan.upscaled and plan.size[1] <= plan.native_px[1], plan.name
        assert plan.purpose
    assert plans["vertical"].size == plans["vertical"].native_px
    assert "1080x1350" in plans["vertical"].purpose  # says it is below the ideal size


def test_big_camera_keeps_native_pixels(big, professional) -> None:
    crown, _ = find_crown(big.face, big.alpha)
    plans = plan_crops(big.face, crown, professional)
    square = plans["square"]
    assert square.native_px[1] >= 800 and not square.upscaled
    assert square.size == (square.native_px[1], square.native_px[1])
    # No resampling when the size is native: the crop is the frame's own pixels.
    x0, y0, x1, y1 = square.box
    rendered = render_crop(big.image, CropPlan("square", (x0, y0, x0 + square.size[0], y1), square.size,
                                               72, False, ""))
    np.testing.assert_array_equal(rendered, big.image[y0:y1, x0:x0 + square.size[0]])


def test_crop_outside_the_frame_is_refused(placed) -> None:
    plan = CropPlan("square", (1000, 0, 1400, 400), (800, 800), 72, True, "")
    with pytest.raises(ValueError, match="inside the 1280x720 frame"):
        render_crop(placed.image, plan)


def test_id_crop_headroom_is_made_from_the_backdrop_only_when_allowed(placed, id_profile) -> None:
    from realtime.capture.crops import CropRefused, plan_id

    crown, _ = find_crown(placed.face, placed.alpha)
    high = place(np.ascontiguousarray(placed.image[int(crown) - 2:]))  # the crown 2 px below the top edge
    crown_high, _ = find_crown(high.face, high.alpha)
    plan = plan_id(high.face, crown_high, id_profile, pad_ok=True)
    assert plan.box[1] < 0  # reaches above the frame: headroom from the backdrop
    fraction = plan.head_fraction(crown_high, high.face.chin[1])
    assert 0.70 <= fraction <= 0.80
    rendered = render_crop(high.image, plan, backdrop=(242, 242, 242))
    assert rendered.shape[1::-1] == plan.size
    assert (rendered[0] == 242).all()  # the top row is backdrop, not stretched photo
    with pytest.raises(CropRefused, match="cut off"):
        plan_id(high.face, 0.0, id_profile, pad_ok=True, cut=True)
