"""The final matte for a live capture: the saved processed frame recomposited with the final-quality matte.

The live loop composites every frame with the live matte for speed: the camera's pixel at partial alpha,
so whatever stood behind the person (a red wall, a bright window) survives as a fringe on the new
backdrop. A saved capture can afford more, off the loop (the capture's save step, which
:class:`realtime.capture.stage.CaptureStage` runs on its writer thread when ``background_writes`` is on),
so the frame it saves is made again from what the loop already holds, with no second engine run:

* the matte: :func:`realtime.capture.matting.final_matte` seeded by the frame's live matte and its face
  mesh (alpha in the uncertain band, face and ears opaque, the person's own colour at the edge). The
  still mode's closer look (a second run of the segmentation model) is left out: the engine belongs to
  the live loop;
* the relight: the engine's relight is a smooth gain, read where the person is solid (processed / frame
  where the live alpha is at least ``SOLID``) and carried outward over the edge band by the same
  push-pull fill the matte uses;
* the backdrop: the processed frame where the live matte is sure background, carried inward the same way
  (a studio gradient or a blurred background is smooth there);
* then ``relit foreground x alpha + backdrop x (1 - alpha)``.

A frame whose background is kept (processed equals the frame in the sure background, up to ``KEEP_DIFF``)
is returned as it is: its edge already shows the true background, nothing was replaced.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from realtime.capture.matting import SURE, fill_from, final_matte

SOLID = 0.98  # live alpha at or above this: the processed pixel is the relit person alone (gain read there)
KEEP_DIFF = 2.0  # mean |processed - frame| (8-bit) in the sure background below this: background kept
MIN_KNOWN = 64  # fewer sure-person or sure-background pixels than this: nothing to carry, frame unchanged


@dataclass(frozen=True)
class LiveFinal:
    """The recomposited processed frame, and why it is (or is not) different from the loop's."""

    image: np.ndarray
    method: str  # "final" or the reason the live composite was kept


def recomposite(image: np.ndarray, processed: np.ndarray, alpha: np.ndarray,
                landmarks: np.ndarray | None = None) -> LiveFinal:
    """The processed frame ``processed`` (BGR uint8) of the camera frame ``image`` made again with the final
    matte seeded by the live ``alpha`` (float, any resolution, 0..1) and the face mesh ``landmarks``."""
    if image.shape != processed.shape or image.dtype != np.uint8 or processed.dtype != np.uint8:
        raise ValueError(f"expected two BGR uint8 frames of one shape, got {image.shape} {image.dtype} and "
                         f"{processed.shape} {processed.dtype}")
    h, w = image.shape[:2]
    live = np.clip(np.asarray(alpha, np.float32).squeeze(), 0.0, 1.0)
    if live.shape != (h, w):
        live = cv2.resize(live, (w, h), interpolation=cv2.INTER_LINEAR)
    solid, back = live >= SOLID, live <= 1.0 - SURE
    if np.count_nonzero(solid) < MIN_KNOWN or np.count_nonzero(back) < MIN_KNOWN:
        return LiveFinal(processed, "live (no clear person or background in the frame)")
    diff = np.abs(processed.astype(np.int16) - image.astype(np.int16)).sum(axis=2)[back]
    if float(diff.mean()) / 3.0 < KEEP_DIFF:
        return LiveFinal(processed, "live (background kept: the edge shows the true background)")
    matte = final_matte(image, live, landmarks)
    gain = (processed.astype(np.float32) + 1.0) / (image.astype(np.float32) + 1.0)
    gain = fill_from(gain, solid)
    backdrop = fill_from(processed, back)
    a = matte.alpha[..., None]
    out = matte.foreground.astype(np.float32) * gain * a + backdrop * (1.0 - a)
    return LiveFinal(np.clip(np.rint(out), 0, 255).astype(np.uint8), "final")


def saved_frame(candidate: Any) -> tuple[np.ndarray, dict[str, Any]]:
    """(the processed frame a capture saves, its report's ``matte`` section) for a
    :class:`realtime.capture.ready.Candidate`: recomposited with the final matte when the loop kept its
    live matte and the engine replaced the background."""
    c = candidate
    if c.processed is None:
        return c.image, {"method": "none (no engine: the frame as grabbed)"}
    if c.alpha is None:
        return c.processed, {"method": "live (no matte kept with the frame)"}
    started = time.perf_counter()
    landmarks = c.face.landmarks if c.face is not None else None
    out = recomposite(c.image, c.processed, c.alpha, landmarks)
    return out.image, {"method": out.method, "seconds": round(time.perf_counter() - started, 3)}
