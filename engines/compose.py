"""The full-resolution step of the CPU studio graph: the frame to the grid before, the picture after.

The ``onnxruntime`` form of the studio graph (``engines.graph``) stops at the segmentation grid; this
module does what is left at the frame's size with OpenCV's SIMD, multi-threaded kernels, in as few
passes over the frame as the function allows:

* ``to_grid``: one bilinear resize of the uint8 frame to the grid (``INTER_LINEAR``, centred);
* ``compose``: one bilinear resize of the matte (the ``alpha`` the loop reads), then
  ``alpha * relit + (1 - alpha) * background`` as one ``cv2.blendLinear`` in uint8, where
  ``relit = frame * up(gain)`` and ``background = keep * frame + up(backdrop)``.

Passes are skipped where they provably change nothing: the gain is applied only inside the box of grid
cells where it differs from 1 (relight touches skin only), a kept background is the frame itself, and
with the background kept only that box is blended (elsewhere both blend inputs are the frame). The
same function as the ``tensorrt`` graph, which does it all in float on the GPU; here the relit frame
and the upsampled backdrop are rounded to uint8 before the blend (at most one level apart).
"""

from __future__ import annotations

import cv2
import numpy as np

from engines import settings as S


def to_grid(frame: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    """The BGR uint8 frame resized to the grid (h, w), as the graph's ``frame_grid`` [1, h, w, 3]."""
    h, w = grid
    return cv2.resize(frame, (w, h), interpolation=cv2.INTER_LINEAR)[None]


def up(grid_map: np.ndarray, size: tuple[int, int], out: np.ndarray | None = None) -> np.ndarray:
    """A map at the grid ([h, w] or [h, w, c]) at the frame's (H, W): bilinear, centred (``half_pixel``)."""
    height, width = size
    return cv2.resize(grid_map, (width, height), dst=out, interpolation=cv2.INTER_LINEAR)


# A gain within this of 1 moves an integer level (0..255) by under half a level: the rounded result is
# the level itself, so the multiply can be skipped there and the output is the same.
GAIN_NEUTRAL = 0.49 / 255.0


def changed_box(grid_map: np.ndarray, neutral: float, size: tuple[int, int],
                tolerance: float = 0.0) -> tuple[slice, slice] | None:
    """Rows and columns of the frame outside which ``up(grid_map)`` is within ``tolerance`` of ``neutral``
    everywhere, or None when that holds on the whole frame.

    A bilinear sample reads the two grid cells around it (and stays between their values), so the box of
    cells that differ grows by one cell each way before it is mapped to frame pixels.
    """
    far = np.abs(grid_map - np.float32(neutral)) > tolerance
    differs = far.any(axis=2) if far.ndim == 3 else far
    rows, cols = np.flatnonzero(differs.any(axis=1)), np.flatnonzero(differs.any(axis=0))
    if rows.size == 0:
        return None
    (h, w), (height, width) = grid_map.shape[:2], size

    def span(first: int, last: int, cells: int, pixels: int) -> slice:
        scale = pixels / cells  # grid cell j is centred on frame position (j + 0.5) * scale - 0.5
        start = int(np.floor((first - 1 + 0.5) * scale - 0.5))
        stop = int(np.ceil((last + 1 + 0.5) * scale - 0.5)) + 1
        return slice(max(0, start), min(pixels, stop))

    return span(int(rows[0]), int(rows[-1]), h, height), span(int(cols[0]), int(cols[-1]), w, width)


class Composer:
    """The full-resolution step, with its scratch buffers (gain, relit frame, backdrop, weights) kept from
    one frame to the next: on a VM a fresh 10 MB array costs as much in page faults as the pass that
    fills it. The image and the alpha it returns are new arrays (the loop keeps frames in flight). One per
    engine; not for two threads at once (an engine runs one frame at a time)."""

    def __init__(self) -> None:
        self._scratch: dict[str, np.ndarray] = {}

    def _buffer(self, name: str, shape: tuple[int, ...], dtype: type) -> np.ndarray:
        buf = self._scratch.get(name)
        if buf is None or buf.shape != shape or buf.dtype != dtype:
            buf = self._scratch[name] = np.empty(shape, dtype)
        return buf

    def __call__(self, frame: np.ndarray, alpha_grid: np.ndarray, gain_grid: np.ndarray,
                 backdrop_grid: np.ndarray, keep: float) -> tuple[np.ndarray, np.ndarray]:
        """(image uint8 [H, W, 3], alpha float32 [H, W]) from the frame and the graph's maps at the grid.

        ``alpha_grid`` [h, w], ``gain_grid`` and ``backdrop_grid`` [h, w, 3] float32; ``keep`` the settings'
        keep-background weight (0 or 1 from ``StudioSettings``; anything between is blended in float).
        """
        size = frame.shape[:2]
        alpha = up(alpha_grid, size)
        image = np.empty_like(frame)
        box = changed_box(gain_grid, 1.0, size, GAIN_NEUTRAL)
        relit = self._relit(frame, gain_grid, box) if box is not None else None
        weights = self._buffer("weights", size, np.float32)  # 1 - alpha, filled where a blend needs it
        if keep == 1.0 and not backdrop_grid.any():
            # Both blend inputs are the frame wherever the gain is 1: blend only the gain's box.
            np.copyto(image, frame)
            if box is not None:
                _blend(relit, frame[box], alpha[box], weights[box], image[box])
            return image, alpha
        if keep == 0.0:
            background = up(cv2.convertScaleAbs(backdrop_grid), size, self._buffer("background", frame.shape, np.uint8))
        else:  # not from StudioSettings (one-hot): plain float
            mixed = frame * np.float32(keep) + up(backdrop_grid, size)
            background = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
        for part in _around(box, size) if box is not None else [(slice(None), slice(None))]:
            _blend(frame[part], background[part], alpha[part], weights[part], image[part])
        if box is not None:
            _blend(relit, background[box], alpha[box], weights[box], image[box])
        return image, alpha

    def _relit(self, frame: np.ndarray, gain_grid: np.ndarray, box: tuple[slice, slice]) -> np.ndarray:
        """frame * up(gain) inside ``box``, uint8: the gain upsampled for the box's rows only (the same
        bilinear resize as ``up``, done as its vertical and horizontal passes)."""
        (height, width), w = frame.shape[:2], gain_grid.shape[1]
        rows, cols = box
        vertical = cv2.resize(gain_grid, (w, height), interpolation=cv2.INTER_LINEAR)[rows]
        gain = cv2.resize(vertical, (width, vertical.shape[0]), interpolation=cv2.INTER_LINEAR)[:, cols]
        part = frame[box]
        return cv2.multiply(part, gain, dtype=cv2.CV_8U, dst=self._buffer("relit", part.shape, np.uint8))


def compose(frame: np.ndarray, alpha_grid: np.ndarray, gain_grid: np.ndarray, backdrop_grid: np.ndarray,
            keep: float) -> tuple[np.ndarray, np.ndarray]:
    """One frame through a fresh :class:`Composer` (an engine keeps one, with its buffers)."""
    return Composer()(frame, alpha_grid, gain_grid, backdrop_grid, keep)


def _blend(person: np.ndarray, background: np.ndarray, alpha: np.ndarray, weights: np.ndarray,
           out: np.ndarray) -> None:
    """``out = alpha * person + (1 - alpha) * background`` in uint8 (OpenCV's blendLinear, rounded);
    ``weights`` is scratch of alpha's shape that receives 1 - alpha."""
    np.subtract(np.float32(1.0), alpha, out=weights)
    cv2.blendLinear(person, background, alpha, weights, dst=out)


def _around(box: tuple[slice, slice], size: tuple[int, int]) -> list[tuple[slice, slice]]:
    """The frame outside ``box`` as up to four rectangles: rows above and below, columns left and right."""
    (rows, cols), (height, width) = box, size
    parts = [(slice(0, rows.start), slice(None)), (slice(rows.stop, height), slice(None)),
             (rows, slice(0, cols.start)), (rows, slice(cols.stop, width))]
    return [(r, c) for r, c in parts if r.stop - (r.start or 0) > 0 and (c.stop or width) - (c.start or 0) > 0]


def keep_weight(settings: np.ndarray | None) -> float:
    """The keep-background weight from a settings vector (the defaults' when there is none)."""
    if settings is None:
        return float(S.StudioSettings().to_tensor()[S.IDX_BG_ONEHOT.start])
    return float(settings[S.IDX_BG_ONEHOT.start])
