"""Speed of the final still matte for ``headshot bench`` (issue #15): a 720p frame and a 12 MP photo.

Two figures per size, medians of ``REPEATS`` runs after one warm-up: the final matte alone (the model's
closer looks at the person and the head, then the edge and colour steps, seeded by a live matte and the
face mesh, as the still render calls it) and the whole still render of
:class:`realtime.capture.still.StillStudio` (engine pass at bounded size, face mesh, grading, final matte,
backdrop, retouch, crops and JPEG encoding; no disk write). A third, ``live_s``, is what a live capture's
save adds on its save thread: the loop's processed frame recomposited with the final matte seeded by the
live matte (:func:`realtime.capture.live_matte.recomposite`; no closer look). The photo is the astronaut
that ships with scikit-image, scaled to each size.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

SIZES = {"720p frame": (1280, 720), "12 MP photo": (3000, 4000)}
REPEATS = 3


def _photo(size: tuple[int, int]) -> np.ndarray:
    from skimage import data

    image = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    w, h = size
    scale = max(w / image.shape[1], h / image.shape[0])
    big = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    x0 = (big.shape[1] - w) // 2
    return np.ascontiguousarray(big[:h, x0:x0 + w])


def _live_composite(image: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """What the live loop saves before the final matte: the frame on a grey backdrop with the live matte."""
    a = np.asarray(alpha, np.float32)[..., None]
    return np.clip(image * a + np.float32(200.0) * (1.0 - a), 0, 255).astype(np.uint8)


def _median_s(call: Callable[[], object], repeats: int) -> float:
    call()  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 3)


def bench_stills(repeats: int = REPEATS, progress: Callable[[str], None] = lambda line: None) -> list[dict]:
    """One row per size: seconds for the final matte and for the whole still render."""
    from realtime.capture.live_matte import recomposite
    from realtime.capture.matting import final_matte, person_seed
    from realtime.capture.still import StillStudio
    from realtime.coach.profile import load_profile
    from realtime.sources.photo_read import Photo

    rows = []
    with StillStudio(load_profile("professional"), backend="onnxruntime") as studio:
        for label, size in SIZES.items():
            progress(f"final still matte, {label} {size[0]}x{size[1]}")
            image = _photo(size)
            live, _ = studio.engine_pass(image)
            face = studio.analyzer.analyze(image, 0.0)
            landmarks = face.landmarks if face is not None else None
            photo = Photo(path=Path(f"{label}.jpg"), image=image, mode="RGB",
                          grayscale=False, rotated=False)
            rows.append({
                "name": f"final matte, {label}",
                "size": list(size),
                "matte_s": _median_s(lambda i=image, a=live, m=landmarks: final_matte(
                    i, person_seed(studio.segment, i, a, m), m), repeats),
                "render_s": _median_s(lambda p=photo: studio.render(p), repeats),
                "live_s": _median_s(lambda i=image, a=live, m=landmarks: recomposite(
                    i, _live_composite(i, a), a, m), repeats),
            })
    return rows


def format_rows(rows: list[dict]) -> str:
    lines = [f"{'still (capture --source PHOTO)':<33}{'size':>10}{'matte s':>9}{'render s':>10}{'live s':>8}"]
    for row in rows:
        size = f"{row['size'][0]}x{row['size'][1]}"
        lines.append(f"{row['name']:<33}{size:>10}{row['matte_s']:>9.2f}{row['render_s']:>10.2f}"
                     f"{row.get('live_s', float('nan')):>8.2f}")
    lines.append("matte: the final still matte alone (closer looks included); render: engine pass, face, "
                 "grading, matte, backdrop, crops, JPEGs; live: a live capture's saved frame recomposited "
                 "with the final matte (on its save thread)")
    return "\n".join(lines)
