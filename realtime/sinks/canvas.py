"""Pixel helpers for the screens: a fast fit-to-screen resize and a one-colour fill.

Both exist for speed (issue #16): the preview draws every frame on a 2-core machine, and OpenCV's
arbitrary-factor area resize and NumPy's per-element fill of a 3-channel slice cost more than all of
the overlay's drawing together.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np


def scale_image(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` resized to ``size`` (w, h) for the screen: exact 2x2 halvings while it is at least twice
    the size, then one bilinear step. OpenCV's area resize at an arbitrary factor (0.77 from 720p into the
    preview) costs ~15 ms a frame; this costs ~2 ms and differs from it by under 0.1 level on average
    (bilinear between 0.5x and 1x reads every pixel, and each halving averages all of them)."""
    while image.shape[1] >= 2 * size[0] and image.shape[0] >= 2 * size[1]:
        image = cv2.resize(image, (image.shape[1] // 2, image.shape[0] // 2), interpolation=cv2.INTER_AREA)
    if (image.shape[1], image.shape[0]) == size:
        return image
    return cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)


def fill(image: np.ndarray, rect: tuple[int, int, int, int], colour: Sequence[int]) -> None:
    """Paint a rectangle (x0, y0, x1, y1; x1, y1 excluded) one colour, in place. The same pixels as
    ``image[y0:y1, x0:x1] = colour``, which NumPy does element by element (~4 ms for the side panel)."""
    x0, y0, x1, y1 = rect
    if x1 > x0 and y1 > y0:
        cv2.rectangle(image, (x0, y0), (x1 - 1, y1 - 1), tuple(int(c) for c in colour), -1)
