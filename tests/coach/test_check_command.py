"""``headshot check`` end to end on a real photo (skimage's astronaut) transformed by code, through the CLI's
``main()`` in-process: the right check fails, with the right direction, in both output forms."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

from realtime.cli import main

FACE_X = 320  # the face's x in the headshot below (eye midpoint ~322)


def headshot() -> np.ndarray:
    """A 640x800 (4:5) headshot: the astronaut enlarged 2.5x (105 px between the eyes) and cropped."""
    image = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    big = cv2.resize(image, None, fx=2.5, fy=2.5, interpolation=cv2.INTER_CUBIC)
    return np.ascontiguousarray(big[0:800, 242:882])


def shifted(image: np.ndarray, dx: int) -> np.ndarray:
    m = np.float32([[1, 0, dx], [0, 1, 0]])
    return cv2.warpAffine(image, m, (image.shape[1], image.shape[0]), borderMode=cv2.BORDER_REPLICATE)


def rotated(image: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate about the face, counter-clockwise on screen for positive ``degrees`` (OpenCV's convention)."""
    m = cv2.getRotationMatrix2D((FACE_X, 260), degrees, 1.0)
    return cv2.warpAffine(image, m, (image.shape[1], image.shape[0]), borderMode=cv2.BORDER_REPLICATE)


def half_darkened(image: np.ndarray) -> np.ndarray:
    out = image.astype(np.float32)
    out[:, FACE_X:] *= 0.3  # the image right: the person's own left
    return out.astype(np.uint8)


def scaled_colour(image: np.ndarray, bgr: tuple[float, float, float]) -> np.ndarray:
    return np.clip(image.astype(np.float32) * np.float32(bgr), 0, 255).astype(np.uint8)


def second_face(image: np.ndarray) -> np.ndarray:
    out = image.copy()
    face = cv2.resize(image[100:560, 120:520], (280, 322))
    out[470:792, 350:630] = face
    return out


VARIANTS = {
    "a_base": headshot,
    "b_shift_right": lambda: shifted(headshot(), 240),
    "c_shift_left": lambda: shifted(headshot(), -240),
    "d_roll_cw": lambda: rotated(headshot(), -15.0),
    "e_roll_ccw": lambda: rotated(headshot(), 15.0),
    "f_half_dark": lambda: half_darkened(headshot()),
    "g_dark": lambda: scaled_colour(headshot(), (0.3, 0.3, 0.3)),
    "h_blurred": lambda: cv2.GaussianBlur(headshot(), (0, 0), 6.0),
    "i_warm": lambda: scaled_colour(headshot(), (0.55, 0.9, 1.25)),
    "j_small": lambda: cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR),
    "k_two_people": lambda: second_face(headshot()),
    "l_grey": lambda: cv2.cvtColor(cv2.cvtColor(headshot(), cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR),
    "m_tiny": lambda: cv2.resize(headshot(), (100, 125), interpolation=cv2.INTER_AREA),
    "n_sideways": lambda: cv2.rotate(headshot(), cv2.ROTATE_90_CLOCKWISE),
    "o_no_face": lambda: np.full((400, 320, 3), 128, np.uint8),
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("photos")
    for name, make in VARIANTS.items():
        cv2.imwrite(str(root / f"{name}.png"), make())
    (root / "z_broken.jpg").write_bytes(b"not an image")
    (root / "notes.txt").write_text("ignored: not an image suffix")
    return root


@pytest.fixture(scope="module")
def graded(folder: Path) -> tuple[int, dict[str, dict], str]:
    """One CLI run over the whole folder (the analyzer starts once): exit code, reports by name, stderr."""
    capture = pytest.MonkeyPatch()
    out, err = io.StringIO(), io.StringIO()
    capture.setattr(sys, "stdout", out)
    capture.setattr(sys, "stderr", err)
    try:
        code = main(["check", str(folder), "--json"])
    finally:
        capture.undo()
    reports = [json.loads(line) for line in out.getvalue().splitlines()]
    return code, {Path(r["path"]).stem: r for r in reports}, err.getvalue()


def test_folder_is_graded_in_name_order_and_a_broken_file_is_one_error(graded) -> None:
    code, reports, err = graded
    assert code == 3  # a file that cannot be read wins over photos that are not headshots (10)
    assert list(reports) == sorted(VARIANTS)
    errors = [line for line in err.splitlines() if line.startswith("headshot: error:")]
    assert len(errors) == 1 and "z_broken.jpg" in errors[0]


def test_json_has_the_documented_shape(graded) -> None:
    report = graded[1]["a_base"]
    assert {"path", "faces", "headshot", "checks", "measurements"} <= set(report)
    for key in ("yaw_deg", "pitch_deg", "roll_deg", "eyes_open", "smile", "gaze", "evenness", "exposure"):
        assert isinstance(report["measurements"][key], float)
    check = report["checks"]["head_size"]
    assert {"value", "band", "pass", "instruction"} <= set(check)


def test_the_base_headshot_passes(graded) -> None:
    report = graded[1]["a_base"]
    failing = {n: c["value"] for n, c in report["checks"].items() if not c["pass"]}
    assert failing == {} and report["headshot"] is True and report["faces"] == 1
    assert report["matte"] is not None  # shoulders and headroom came from a real matte
    assert report["checks"]["shoulders"]["measured"]


@pytest.mark.parametrize(("name", "check", "fragment", "sign"), [
    # Content moved to the image right = toward the person's own left: they must move to their right.
    # Photo words: what a better photo needs, never how to move in front of a camera.
    ("b_shift_right", "horizontal_centring", "room beside the head", 1),
    ("c_shift_left", "horizontal_centring", "room beside the head", -1),
    ("f_half_dark", "evenness", "light uneven across the face", -1),
    ("g_dark", "exposure", "face too dark", -1),
    ("h_blurred", "sharpness", "face not sharp", -1),
    ("i_warm", "colour_cast", "too warm", 1),
    ("j_small", "face_found", "too small for a 1080x1350 portrait: use a photo at least", -1),
    ("k_two_people", "one_person", "more than one person", 1),
])
def test_transformed_photo_fails_the_right_check_with_the_right_direction(graded, name, check, fragment,
                                                                          sign) -> None:
    report = graded[1][name]
    result = report["checks"][check]
    assert not result["pass"] and fragment in result["instruction"]
    assert " cm" not in result["instruction"] and "camera" not in result["instruction"].replace("facing the camera", "")
    low, high = result["band"]
    assert (result["value"] > high) if sign > 0 else (result["value"] < low)
    assert report["headshot"] is False


@pytest.mark.parametrize(("name", "degrees", "shoulder"), [
    # Clockwise on screen tips the head toward the image right = the person's left shoulder (roll > 0).
    ("d_roll_cw", 15.0, "right"),
    ("e_roll_ccw", -15.0, "left"),
])
def test_in_plane_rotation_reads_as_roll(graded, name, degrees, shoulder) -> None:
    base = graded[1]["a_base"]["measurements"]["roll_deg"]
    report = graded[1][name]
    assert report["measurements"]["roll_deg"] - base == pytest.approx(degrees, abs=2.0)
    roll = report["checks"]["roll"]
    assert not roll["pass"] and "head tilted" in roll["instruction"] and "shoulder" not in roll["instruction"]
    # Rotating the whole photo also tips the shoulders, so framing may speak first; roll is still failing.
    assert report["instruction_check"] in ("shoulders", "headroom", "eye_line", "roll")


def test_table_output_and_profile_choice(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(folder / "a_base.png"), "--profile", "id", "--matte", "none"])
    out = capsys.readouterr().out
    assert code == 10  # not an ID photo yet: exit 10
    assert "check" in out and "value" in out and "band" in out and "pass" in out
    assert "(id profile)" in out and "not a headshot yet" in out
    assert "shoulders" in out and "not measured" in out
    assert "expression" in out and "-> " in out


def test_matte_none_reports_unmeasured_checks_as_null(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(folder / "a_base.png"), "--json", "--matte", "none"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["matte"] is None
    for name in ("shoulders", "backlight", "background"):
        assert report["checks"][name]["value"] is None and report["checks"][name]["pass"]


def test_missing_path_and_bad_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "nope.png"), "--matte", "none"]) == 3
    assert "nope.png: no such file or folder" in capsys.readouterr().err
    assert main(["check", str(tmp_path), "--profile", "profesional"]) == 2
    assert "did you mean 'professional'?" in capsys.readouterr().err


def test_grey_photo_is_not_told_about_colour(graded) -> None:
    report = graded[1]["l_grey"]
    cast = report["checks"]["colour_cast"]
    assert cast["pass"] and not cast["measured"]
    assert all("cold" not in (c["instruction"] or "") and "warm" not in (c["instruction"] or "")
               for c in report["checks"].values())


def test_tiny_photo_speaks_of_pixels_not_focus(graded) -> None:
    report = graded[1]["m_tiny"]
    assert report["headshot"] is False
    if report["faces"]:
        assert report["checks"]["sharpness"]["pass"] and not report["checks"]["sharpness"]["measured"]
        assert "px across" in report["checks"]["face_found"]["instruction"]
    texts = " ".join(c["instruction"] or "" for c in report["checks"].values())
    assert "focus" not in texts and " cm" not in texts


def test_sideways_photo_is_called_rotated_or_faceless(graded) -> None:
    report = graded[1]["n_sideways"]
    assert report["headshot"] is False
    roll = report["checks"]["roll"]
    if report["faces"] and not roll["pass"]:
        assert "rotated" in roll["instruction"]


def test_no_face_is_one_line(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(folder / "o_no_face.png"), "--matte", "none"])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 10 and len(out) == 1 and "no face found" in out[0]


def test_exif_rotated_jpeg_is_graded_upright(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from PIL import Image

    upright = headshot()
    stored = cv2.rotate(upright, cv2.ROTATE_90_COUNTERCLOCKWISE)  # as a phone stores a portrait
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    path = tmp_path / "phone.jpg"
    Image.fromarray(stored[:, :, ::-1]).save(path, quality=95, exif=exif)
    main(["check", str(path), "--json", "--matte", "none"])
    report = json.loads(capsys.readouterr().out)
    assert report["faces"] == 1 and abs(report["measurements"]["roll_deg"]) < 10
