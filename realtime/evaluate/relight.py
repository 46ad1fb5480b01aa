"""Relight quality on real portraits (part of the matte section of ``headshot eval``).

On the devdata segmentation photos where OpenCV's frontal-face cascade finds one face (scaled to
``EVAL_HEIGHT`` px high like the matte part), with the live graph at its default relight settings:

* skin hue: change of mean CIELAB a* and b* over the inner face (face box centre, inside the true
  mask) between the photo and its relit copy;
* dark clothes and hair: mean linear-luminance ratio relit / photo over the person's dark pixels
  (sRGB luma < 0.25) away from the face: 1.0 means they were left alone;
* the hairline: the same ratio over the person's darker pixels (sRGB luma < ``HAIRLINE_LUMA``) from a
  third of a face height above the face box to a tenth inside it: hair at the hairline (and, on dark
  skin, the upper forehead, which may rightly be lifted a little); a bright band there reads high;
* evening light: each photo side-lit by code (the face's right half darkened by ``SIDE_STOPS`` stops in
  linear light with a smooth edge), then the darker / brighter face-half ratio of mean linear luminance
  before and after relighting, and the share of the way to 1.0 it moved.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from realtime.evaluate.matte import load, pairs

SIDE_STOPS = 1.5
DARK_LUMA = 0.25
HAIRLINE_LUMA = 0.45
MIN_FACE_PX = 500


def to_linear(u8: np.ndarray) -> np.ndarray:
    v = u8.astype(np.float64) / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def to_srgb8(linear: np.ndarray) -> np.ndarray:
    v = np.clip(linear, 0.0, 1.0)
    v = np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055)
    return np.clip(np.round(v * 255.0), 0, 255).astype(np.uint8)


def luminance(u8: np.ndarray) -> np.ndarray:
    """Linear-light luminance (Rec. 709 weights), 0..1."""
    lin = to_linear(u8)
    return 0.0722 * lin[..., 0] + 0.7152 * lin[..., 1] + 0.2126 * lin[..., 2]


def side_light(frame: np.ndarray, centre_x: float, width: float, stops: float) -> np.ndarray:
    """Darken the image right of ``centre_x`` by ``stops`` in linear light, with a smooth logistic edge."""
    xs = np.arange(frame.shape[1], dtype=np.float64)[None, :, None]
    return to_srgb8(to_linear(frame) * 2.0 ** (-stops / (1.0 + np.exp(-(xs - centre_x) / width))))


def half_ratio(image: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """Darker / brighter mean linear luminance of the inner face's left and right halves."""
    x, y, w, h = box
    lum = luminance(image[y + h // 5 : y + 4 * h // 5, x + w // 8 : x + 7 * w // 8])
    half = lum.shape[1] // 2
    left, right = float(lum[:, :half].mean()), float(lum[:, half:].mean())
    return min(left, right) / max(left, right, 1e-6)


def _face(image: np.ndarray, cascade: cv2.CascadeClassifier) -> tuple[int, int, int, int] | None:
    faces = cascade.detectMultiScale(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), 1.1, 5, minSize=(100, 100))
    if len(faces) != 1:
        return None
    return tuple(int(v) for v in faces[0])  # type: ignore[return-value]


def _lift(before: np.ndarray, after: np.ndarray, region: np.ndarray) -> float:
    """Mean linear luminance after / before over ``region`` (1.0: left alone)."""
    return float(after[region].mean() / max(before[region].mean(), 1e-6))


def relight_scores(data_dir: Path, relight: Callable[[np.ndarray], np.ndarray], *, limit: int | None = None,
                   sheet: Path | None = None) -> dict[str, float]:
    """Hue shift, dark-region lift and side-light evening over the photos with one found face."""
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    da, db, dark, hair, before, after, shots = [], [], [], [], [], [], []
    for image_path, mask_path in pairs(data_dir, limit):
        image, truth = load(image_path, mask_path)
        box = _face(image, cascade)
        if box is None:
            continue
        x, y, w, h = box
        inner = np.zeros(truth.shape, bool)
        inner[y + h // 4 : y + 3 * h // 4, x + w // 4 : x + 3 * w // 4] = True
        inner &= truth
        if inner.sum() < MIN_FACE_PX:  # a detection off the person (a poster, a pattern): not a face
            continue
        relit = relight(image)
        lab0 = cv2.cvtColor(image, cv2.COLOR_BGR2LAB).astype(np.float64)
        lab1 = cv2.cvtColor(relit, cv2.COLOR_BGR2LAB).astype(np.float64)
        da.append(float(lab1[..., 1][inner].mean() - lab0[..., 1][inner].mean()))
        db.append(float(lab1[..., 2][inner].mean() - lab0[..., 2][inner].mean()))
        away = np.ones(truth.shape, bool)
        away[max(0, y - h // 2) : y + 3 * h // 2, max(0, x - w // 2) : x + 3 * w // 2] = False
        gray, lum0, lum1 = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), luminance(image), luminance(relit)
        dark_px = truth & away & (gray < DARK_LUMA * 255)
        if dark_px.sum() > 500:
            dark.append(_lift(lum0, lum1, dark_px))
        hairline = np.zeros(truth.shape, bool)
        hairline[max(0, y - h // 3) : y + h // 10, x : x + w] = True
        hairline &= truth & (gray < HAIRLINE_LUMA * 255)
        if hairline.sum() > 300:
            hair.append(_lift(lum0, lum1, hairline))
        lit = side_light(image, x + w / 2, w * 0.06, SIDE_STOPS)
        lit_relit = relight(lit)
        before.append(half_ratio(lit, box))
        after.append(half_ratio(lit_relit, box))
        if len(shots) < 4:
            shots.append(np.hstack([image, relit, lit, lit_relit])[max(0, y - h // 2) : y + 2 * h])
    if sheet is not None and shots:
        width = min(s.shape[1] for s in shots)
        cv2.imwrite(str(sheet), np.vstack([cv2.resize(s, (width, s.shape[0] * width // s.shape[1])) for s in shots]))
    if not da:  # no photo with one frontal face on the person (e.g. a small --limit): nothing to average
        return {"faces": 0}
    b, a = np.asarray(before), np.asarray(after)
    return {
        "faces": len(da), "da_mean": float(np.mean(da)), "da_abs_mean": float(np.mean(np.abs(da))),
        "da_abs_p90": float(np.percentile(np.abs(da), 90)),
        "db_mean": float(np.mean(db)), "db_abs_mean": float(np.mean(np.abs(db))),
        "db_abs_p90": float(np.percentile(np.abs(db), 90)),
        "dark_lift": float(np.median(dark)) if dark else float("nan"), "dark_regions": len(dark),
        "hairline_lift": float(np.median(hair)) if hair else float("nan"), "hairlines": len(hair),
        "side_ratio_before": float(b.mean()), "side_ratio_after": float(a.mean()),
        "side_share_to_even": float(np.median((a - b) / (1.0 - b))),
    }


def markdown(runs: dict[str, dict[str, float]]) -> str:
    """One column per relight strength measured (``runs``: column title -> ``relight_scores`` figures)."""
    s = next(iter(runs.values()))
    if not s["faces"]:
        return ("Relight: no faces: none of the photos read had exactly one frontal face on the person "
                "(OpenCV cascade), so there are no relight figures; read more photos (a larger --limit).")
    cols = list(runs.values())

    def row(label: str, fmt: Callable[[dict[str, float]], str], band: str) -> str:
        return f"| {label} | " + " | ".join(fmt(c) for c in cols) + f" | {band} |"

    return "\n".join([
        f"Relight on the {s['faces']} photos with one frontal face (OpenCV cascade), scaled like the matte "
        "photos, background kept. Skin hue: per portrait, the change of the inner face's mean a* (b*); over "
        "the portraits the signed mean, the mean of the absolute change and its 90th percentile.",
        "",
        "| figure | " + " | ".join(runs) + " | band |",
        "|---|" + "---|" * len(runs) + "---|",
        row("skin a* change: signed mean / abs mean / abs p90",
            lambda c: f"{c['da_mean']:+.2f} / {c['da_abs_mean']:.2f} / {c['da_abs_p90']:.2f}", "abs mean <= 2"),
        row("skin b* change: signed mean / abs mean / abs p90",
            lambda c: f"{c['db_mean']:+.2f} / {c['db_abs_mean']:.2f} / {c['db_abs_p90']:.2f}", "abs mean <= 2"),
        row(f"dark clothes and hair away from the face, luminance after / before (median of {s['dark_regions']})",
            lambda c: f"{c['dark_lift']:.3f}", "1.00 (never lifted as under-lit)"),
        row(f"hairline band, luminance after / before (median of {s['hairlines']})",
            lambda c: f"{c['hairline_lift']:.3f}", "near 1.00 (no bright band)"),
        row(f"side-lit by code ({SIDE_STOPS} stops), darker/brighter face half, before -> after",
            lambda c: f"{c['side_ratio_before']:.3f} -> {c['side_ratio_after']:.3f}", "at least halfway to 1.0"),
        row("share of the way to 1.0 moved (median)", lambda c: f"{c['side_share_to_even']:.2f}", ">= 0.5"),
    ])
