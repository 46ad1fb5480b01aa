"""Real dev photos (../shared/devdata, skipped when absent): exposure across skin tones at -1.5/0/+1.5 EV,
and head pose against the AFLW2000-3D labels."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pytest

from realtime.coach.profile import load_profile
from realtime.commands.check import read_image
from realtime.evaluate.ev_sweep import DARK, LIGHT, STOPS, shift_ev, sweep

DEVDATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "devdata"
needs_devdata = pytest.mark.skipif(not (DEVDATA / "manifest.json").is_file(),
                                   reason=f"dev data not found at {DEVDATA} (see its README)")


@pytest.fixture(scope="module")
def grader():
    from realtime.evaluate.photos import PhotoGrader

    with ExitStack() as stack:
        yield PhotoGrader(stack)


def test_shift_ev_scales_linear_light() -> None:
    grey = np.full((4, 4, 3), 118, dtype=np.uint8)  # about 0.18 linear
    from realtime.face.lighting import linear_luminance

    base = float(linear_luminance(grey).mean())
    assert float(linear_luminance(shift_ev(grey, -1.0)).mean()) == pytest.approx(base / 2, rel=0.03)
    assert float(linear_luminance(shift_ev(grey, 1.0)).mean()) == pytest.approx(base * 2, rel=0.03)
    assert shift_ev(np.full((2, 2, 3), 250, np.uint8), 1.5).max() == 255  # clipped at white


@needs_devdata
@pytest.mark.parametrize("name", [*LIGHT, *DARK])
def test_exposure_passes_at_0_ev_and_fails_at_1_5_stops_for_every_skin_tone(grader, name: str) -> None:
    image = read_image(DEVDATA / "segmentation" / "images" / f"{name}.jpg")
    assert image is not None
    results = sweep(grader, image, load_profile("professional"))
    verdicts = {stops: results[stops]["pass"] for stops in STOPS}
    assert verdicts == {-1.5: False, 0.0: True, 1.5: False}, results


@needs_devdata
def test_pose_zero_holds_on_the_dev_pose_set(grader) -> None:
    from realtime.evaluate.photos import manifest, pose_figures

    figures = pose_figures(grader, DEVDATA, manifest(DEVDATA), None)
    assert figures["pose.faces"] >= 30
    for angle in ("pitch", "yaw", "roll"):
        assert abs(figures[f"pose.{angle}.bias_deg"]) <= 2.0, figures
        assert figures[f"pose.{angle}.mae_deg"] <= 5.0, figures


@needs_devdata
def test_eyes_and_smile_on_dev_sets(grader) -> None:
    from realtime.evaluate.photos import eye_figures, manifest, smile_figures

    eyes = eye_figures(grader, DEVDATA, load_profile("professional"), None)
    assert eyes["eyes.closed_recall"] >= 0.95 and eyes["eyes.open_false_alarms"] <= 0.05, eyes
    smile = smile_figures(grader, DEVDATA, manifest(DEVDATA), load_profile("id"), None)
    assert smile["smile.auc"] >= 0.9, smile
    json.dumps(smile)
