"""Edge colour of the live composite over a new backdrop (part of the matte section of ``headshot eval``).

The live composite puts the camera's pixel at partial alpha over the new backdrop, so whatever stood
behind the person survives at the edge: a dark rim round light hair from a dark room. Measured on the
devdata segmentation photos, scaled like the matte part: each photo's person (its mask) is composited by
code onto a known old background (``OLD_BACKGROUNDS`` in turn: a dark room wall and a saturated green),
with a hard edge and with a camera-like soft one (``EDGES``), and the live graph puts it on a light
studio backdrop ``N``. Over the band of ``BAND_PX`` px either side of the true edge, where the engine's
alpha ``a`` is visible (> ``VISIBLE``), the residue

    sum |out - (1 - a) N - a T| / sum a        (8-bit RGB distance)

is how far the colour the composite shows for the person is from the person's true colour ``T`` (the
photo's colour at the nearest mask pixel), alpha-weighted: 0 when no old background survives. Beside it the
same for the plain blend ``a I + (1 - a) N`` with the engine's alpha (the composite before the edge-colour
correction). What remains after it is mostly the matte's own error (alpha over wall pixels).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from realtime.evaluate.matte import edge_band, load, pairs

OLD_BACKGROUNDS = ((45, 45, 45), (40, 190, 40))  # BGR: a dark room wall, a saturated green
BACKDROP = (227.0, 221.0, 217.0)  # BGR: the professional profile's light studio colour (#d9dde3)
VISIBLE = 0.02
# How the person is composited onto the old background: a hard edge (only the matte's own error shows)
# and a camera-like soft edge (Gaussian of 2 px at 720 px high: focus and hair mix the two colours).
EDGES = {"hard": 0.0, "soft": 2.0}

Composer = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]  # frame -> (image uint8, alpha float [0, 1])


def nearest_person_colour(image: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Per pixel, the photo's colour at the nearest person (mask) pixel, float32 [H, W, 3]."""
    _, labels = cv2.distanceTransformWithLabels((~truth).astype(np.uint8), cv2.DIST_L2, 3,
                                                labelType=cv2.DIST_LABEL_PIXEL)
    ys, xs = np.nonzero(truth)
    colours = np.zeros((int(labels.max()) + 1, 3), np.float32)
    colours[labels[ys, xs]] = image[ys, xs]
    return colours[labels]


def residue(image: np.ndarray, alpha: np.ndarray, truth_colour: np.ndarray, where: np.ndarray) -> float:
    """Alpha-weighted mean distance between the person colour the composite shows and the true one."""
    a = alpha[where].astype(np.float64)
    visible = a > VISIBLE
    if not visible.any():
        return 0.0
    a = a[visible][:, None]
    shown = image[where][visible].astype(np.float64) - (1.0 - a) * np.asarray(BACKDROP)
    return float(np.linalg.norm(shown - a * truth_colour[where][visible], axis=1).sum() / a.sum())


def fringe_scores(data_dir: Path, composer: Composer, *, limit: int | None = None) -> dict[str, float]:
    """Mean residue over the photos for the live composite and the plain blend with the same alpha, with
    the person composited by code with a hard edge (``hard.*``) and a camera-like soft one (``soft.*``)."""
    scores: dict[str, list[float]] = {f"{edge}.{kind}": [] for edge in EDGES for kind in ("plain", "live")}
    photos = 0
    for index, (image_path, mask_path) in enumerate(pairs(data_dir, limit)):
        image, truth = load(image_path, mask_path)
        if not truth.any() or truth.all():
            continue
        photos += 1
        band, colour = edge_band(truth), nearest_person_colour(image, truth)
        wall = np.asarray(OLD_BACKGROUNDS[index % len(OLD_BACKGROUNDS)], np.float32)
        for edge, sigma in EDGES.items():
            cover = truth.astype(np.float32)
            if sigma:
                cover = cv2.GaussianBlur(cover, (0, 0), sigma)
            mixed = np.clip(np.rint(cover[..., None] * image + (1.0 - cover[..., None]) * wall), 0, 255)
            out, alpha = composer(mixed.astype(np.uint8))
            a = alpha[..., None].astype(np.float64)
            plain = np.clip(np.rint(a * mixed + (1.0 - a) * np.asarray(BACKDROP)), 0, 255)
            scores[f"{edge}.plain"].append(residue(plain, alpha, colour, band))
            scores[f"{edge}.live"].append(residue(out, alpha, colour, band))
    if not photos:
        return {"photos": 0}
    figures = {"photos": float(photos)} | {key: float(np.mean(v)) for key, v in scores.items()}
    for edge in EDGES:
        figures[f"{edge}.ratio"] = figures[f"{edge}.live"] / max(figures[f"{edge}.plain"], 1e-6)
    return figures


def markdown(scores: dict[str, float]) -> str:
    if not scores.get("photos"):
        return "Edge colour: no photos with a person and a background to measure."
    return "\n".join([
        f"Edge colour over a new backdrop ({int(scores['photos'])} photos; each person composited by code onto a "
        "dark room wall or a saturated green, then put by the live graph on the light studio backdrop): the "
        "alpha-weighted distance (8-bit RGB) in the edge band between the colour the composite shows for the "
        "person and the person's true colour (0 = no old background survives).",
        "",
        "| person's edge | plain blend a I + (1 - a) N (before) | live graph, edge colour corrected |",
        "|---|---|---|",
        *(f"| {'2 px soft' if sigma else 'hard, as the mask'} | {scores[f'{edge}.plain']:.1f} | "
          f"{scores[f'{edge}.live']:.1f} ({scores[f'{edge}.ratio']:.2f}x) |" for edge, sigma in EDGES.items()),
    ])
