"""Exposure across skin tones: dev portraits made 1.5 stops darker and brighter in linear light.

``shift_ev`` decodes sRGB to linear light, scales every pixel by 2**stops, clips at white and encodes
back, as a camera's exposure change would (up to its tone curve). A correctly exposed face must pass
the exposure check at 0 EV and fail it at -1.5 and +1.5 EV, whatever the skin tone.

Portraits: from the good portraits (``photos.PORTRAITS``), the ``LIGHT`` ones with the highest skin
ITA angle (individual typology angle, atan((L* - 50) / b*), a dermatology skin-tone measure) and the
``DARK`` ones of visibly dark-skinned people. ITA was not used for the dark group alone: on as-shot
photos it also reads under-exposure and coloured light as dark skin (it put a dim photo of a light-
skinned man and a blue-lit one lowest), so the dark group is the people whose skin is dark by eye, with
their ITA reported beside them. Every ITA is printed in docs/QUALITY.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np

LIGHT = ("057", "044", "084", "082", "080")
DARK = ("006", "024", "058")
STOPS = (-1.5, 0.0, 1.5)
_LINEAR = np.array([c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in np.arange(256) / 255.0])


def shift_ev(image_bgr: np.ndarray, stops: float) -> np.ndarray:
    """``image_bgr`` (uint8 sRGB) with its exposure changed by ``stops`` in linear light, clipped at white."""
    linear = np.clip(_LINEAR[image_bgr] * 2.0**stops, 0.0, 1.0)
    encoded = np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * np.power(linear, 1.0 / 2.4) - 0.055)
    return np.round(encoded * 255.0).astype(np.uint8)


def ita_deg(image_bgr: np.ndarray, skin: np.ndarray) -> float:
    """Individual typology angle of the median skin colour (degrees; > 55 very light, < -30 dark)."""
    lab = cv2.cvtColor((image_bgr.astype(np.float32) / 255.0), cv2.COLOR_BGR2Lab)[skin]
    lightness, b = float(np.median(lab[:, 0])), float(np.median(lab[:, 2]))
    return float(np.degrees(np.arctan2(lightness - 50.0, b)))


def sweep(grader: Any, image: np.ndarray, profile: Any) -> dict[float, dict[str, Any]]:
    """The exposure check at each of ``STOPS`` for one portrait: {stops: check JSON + measurements}."""
    out = {}
    for stops in STOPS:
        report = grader.grade(shift_ev(image, stops), profile)
        out[stops] = {**report["checks"]["exposure"], "faces": report["faces"],
                      "skin": report["measurements"].get("exposure")}
    return out


def ev_figures(grader: Any, data_dir: Path, profile: Any, limit: int | None) -> dict[str, Any]:
    from realtime.commands.check import read_image
    from realtime.face.lighting import _face_crop, skin_mask

    out: dict[str, Any] = {}
    right = total = 0
    for group, names in (("light", LIGHT), ("dark", DARK)):
        for name in names[:limit] if limit else names:
            image = read_image(data_dir / "segmentation" / "images" / f"{name}.jpg")
            if image is None:
                continue
            face = grader.face(image)
            if face is not None:
                small, pts = _face_crop(image, face)
                out[f"ev.{name}.ita_deg"] = round(ita_deg(small, skin_mask(pts, small.shape[:2]) > 0), 1)
            out[f"ev.{name}.group"] = group
            for stops, result in sweep(grader, image, profile).items():
                key = f"ev.{name}.{stops:+.1f}"
                out[f"{key}.stops"] = round(result["value"], 2) if result["value"] is not None else "no face"
                out[f"{key}.skin"] = round(result["skin"], 3) if result["skin"] is not None else "no face"
                out[f"{key}.pass"] = int(bool(result["pass"]))
                total += 1
                right += bool(result["pass"]) == (stops == 0.0)
    out["ev.correct"] = right
    out["ev.cases"] = total
    return out
