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
with the background kept only that box is blended (elsewhere both blend inputs are the frame). Only the
soft edge is blended at all: where the upsampled matte is exactly 1 the person is copied, where it is
exactly 0 the background stays (``blend_plan`` finds those runs from the grid). The
same function as the ``tensorrt`` graph, which does it all in float on the GPU; here the relit frame
and the upsampled backdrop are rounded to uint8 before the blend (at most one level apart).
"""

from __future__ import annotations

import cv2
import numpy as np

from engines import settings as S
from engines.edge_alpha import LineSampler, refine_rects


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
    (h, w), channels = grid_map.shape[:2], (grid_map.shape[2] if grid_map.ndim == 3 else 1)
    deviation = cv2.absdiff(np.ascontiguousarray(grid_map).reshape(h, w * channels), float(neutral))
    rows = np.flatnonzero(deviation.max(axis=1) > tolerance)
    cols = np.flatnonzero(deviation.max(axis=0).reshape(w, channels).max(axis=1) > tolerance)
    if rows.size == 0:
        return None
    height, width = size

    def span(first: int, last: int, cells: int, pixels: int) -> slice:
        scale = pixels / cells  # grid cell j is centred on frame position (j + 0.5) * scale - 0.5
        start = int(np.floor((first - 1 + 0.5) * scale - 0.5))
        stop = int(np.ceil((last + 1 + 0.5) * scale - 0.5)) + 1
        return slice(max(0, start), min(pixels, stop))

    return span(int(rows[0]), int(rows[-1]), h, height), span(int(cols[0]), int(cols[-1]), w, width)


# Grid rows per strip of the blend plan: each strip's columns are split into runs that are the backdrop,
# the person or the soft edge; fewer, taller strips mean fewer OpenCV calls but more pixels blended.
STRIP_CELLS = 8
BACKGROUND, PERSON, EDGE = 0, 1, 2


class Composer:
    """The full-resolution step, with its scratch buffers (relit person, weights) kept from one frame to the
    next: on a VM a fresh 10 MB array costs as much in page faults as the pass that fills it. The image and
    the alpha it returns are new arrays (the loop keeps frames in flight). One per engine; not for two
    threads at once (an engine runs one frame at a time).

    Only the soft edge is blended: where the upsampled matte is exactly 0 the picture is the background
    and where it is exactly 1 the (relit) person, so those runs are copied (``blend_plan``); the result is
    the same as one blend over the whole frame."""

    def __init__(self) -> None:
        self._scratch: dict[str, np.ndarray] = {}
        self._cells: dict[tuple[int, int, int, int], tuple[np.ndarray, np.ndarray]] = {}

    def _buffer(self, name: str, shape: tuple[int, ...], dtype: type) -> np.ndarray:
        buf = self._scratch.get(name)
        if buf is None or buf.shape != shape or buf.dtype != dtype:
            buf = self._scratch[name] = np.empty(shape, dtype)
        return buf

    def __call__(self, frame: np.ndarray, alpha_grid: np.ndarray, gain_grid: np.ndarray,
                 backdrop_grid: np.ndarray, keep: float, *,
                 line_grid: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(image uint8 [H, W, 3], alpha float32 [H, W]) from the frame and the graph's maps at the grid.

        ``alpha_grid`` [h, w], ``gain_grid`` and ``backdrop_grid`` [h, w, 3] float32; ``keep`` the settings'
        keep-background weight (0 or 1 from ``StudioSettings``; anything between is blended in float);
        ``line_grid`` [h/4, w/4, 7] the edge's colour line (``engines.edge_alpha``): with it the matte of the
        soft edge is refined per pixel and the old background taken out of the edge colour.
        """
        size = frame.shape[:2]
        alpha = up(alpha_grid, size)
        line = None if line_grid is None else LineSampler(line_grid, size)
        box = changed_box(gain_grid, 1.0, size, GAIN_NEUTRAL)
        person = frame
        if box is not None:  # the frame with the gain applied inside its box
            person = self._buffer("person", frame.shape, np.uint8)
            np.copyto(person, frame)
            person[box] = self._relit(frame, gain_grid, box)
        whole = (slice(0, size[0]), slice(0, size[1]))
        plan = blend_plan(alpha_grid, size, whole, self._cell_maps(alpha_grid, size))  # once a frame
        if keep == 1.0 and not backdrop_grid.any():
            # Both blend inputs are the frame wherever the gain is 1: only the gain's box can change, but
            # the matte the loop reads is refined on every edge run.
            if line is not None:
                refine_rects(frame, alpha, line, [(rows, cols) for rows, cols, kind in plan if kind == EDGE])
            image = frame.copy()
            if box is not None:
                self._blend_edges(person, image, alpha, within(plan, box))
            return image, alpha
        if keep == 0.0:
            image = up(cv2.convertScaleAbs(backdrop_grid), size, np.empty_like(frame))
        else:  # not from StudioSettings (one-hot): plain float
            mixed = frame * np.float32(keep) + up(backdrop_grid, size)
            image = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
        self._blend_edges(person, image, alpha, plan, frame, line, 1.0 - keep)
        return image, alpha

    def _blend_edges(self, person: np.ndarray, image: np.ndarray, alpha: np.ndarray,
                     plan: list[tuple[slice, slice, int]], frame: np.ndarray | None = None,
                     line: LineSampler | None = None, replaced: float = 0.0) -> None:
        """``image = alpha * person + (1 - alpha) * image`` over ``plan`` (``blend_plan``): person runs copied,
        edge runs blended, background runs left as they are. With ``line``, each edge run's matte is refined
        first (in ``alpha``) and ``replaced`` times the correction that takes the old wall out of the edge
        colour added to the person."""
        weights = self._buffer("weights", alpha.shape, np.float32)
        edges = [(rows, cols) for rows, cols, kind in plan if kind == EDGE]
        corrections = iter(refine_rects(frame, alpha, line, edges) if line is not None and frame is not None
                           else [None] * len(edges))
        for rows, cols, kind in plan:
            if kind == PERSON:
                image[rows, cols] = person[rows, cols]
            else:
                fore, correction = person[rows, cols], next(corrections)
                if replaced and correction is not None:  # the old wall taken out of the person's edge colour
                    fore = cv2.convertScaleAbs(cv2.scaleAdd(correction, float(replaced), fore.astype(np.float32)))
                _blend(fore, image[rows, cols], alpha[rows, cols], weights[rows, cols], image[rows, cols])

    def _cell_maps(self, grid_map: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        key = (*grid_map.shape[:2], *size)
        if key not in self._cells:
            self._cells[key] = nearest_cells(grid_map.shape[0], size[0]), nearest_cells(grid_map.shape[1], size[1])
        return self._cells[key]

    def _relit(self, frame: np.ndarray, gain_grid: np.ndarray, box: tuple[slice, slice]) -> np.ndarray:
        """frame * up(gain) inside ``box``, uint8: the gain upsampled for the box's rows only (the same
        bilinear resize as ``up``, done as its vertical and horizontal passes)."""
        (height, width), w = frame.shape[:2], gain_grid.shape[1]
        rows, cols = box
        vertical = cv2.resize(gain_grid, (w, height), interpolation=cv2.INTER_LINEAR)[rows]
        gain = cv2.resize(vertical, (width, vertical.shape[0]), interpolation=cv2.INTER_LINEAR)[:, cols]
        part = frame[box]
        return cv2.multiply(part, gain, dtype=cv2.CV_8U, dst=self._buffer("relit", part.shape, np.uint8))


def nearest_cells(cells: int, pixels: int) -> np.ndarray:
    """For each frame pixel along one axis, the grid cell nearest to where it samples (centred mapping)."""
    position = (np.arange(pixels, dtype=np.float64) + 0.5) * cells / pixels - 0.5
    return np.clip(np.rint(position), 0, cells - 1).astype(np.intp)


def blend_plan(alpha_grid: np.ndarray, size: tuple[int, int], region: tuple[slice, slice],
               cells: tuple[np.ndarray, np.ndarray] | None = None) -> list[tuple[slice, slice, int]]:
    """Rectangles of ``region`` (rows, cols, kind) where the upsampled matte needs a blend (EDGE) or is
    exactly 1 (PERSON); the rest of the region is exactly 0 (BACKGROUND, not listed).

    A bilinear sample lies between the values of the two grid cells around it, both within one cell of the
    nearest cell, so a pixel whose nearest cell's 3x3 neighbourhood is all 0 (all 1) has alpha 0 (1).
    ``cells``: ``nearest_cells`` for the rows and the columns (computed when not given). The grid is cut
    into strips of STRIP_CELLS rows; in each, a column is PERSON or BACKGROUND only if it is in every row
    of the strip, else EDGE; runs of equal columns become one rectangle of the frame pixels nearest to them.
    """
    (h, w), (height, width) = alpha_grid.shape, size
    rows_of, cols_of = cells if cells is not None else (nearest_cells(h, height), nearest_cells(w, width))
    row_range, col_range = region
    top, bottom = row_range.start or 0, min(height, row_range.stop or height)
    left, right = col_range.start or 0, min(width, col_range.stop or width)
    if bottom <= top or right <= left:
        return []
    kernel = np.ones((3, 3), np.uint8)
    low = cv2.erode(alpha_grid, kernel, borderType=cv2.BORDER_REPLICATE)
    high = cv2.dilate(alpha_grid, kernel, borderType=cv2.BORDER_REPLICATE)
    strips = -(-h // STRIP_CELLS)
    if strips * STRIP_CELLS != h:  # repeat the last row: a strip's min and max do not change
        spare = strips * STRIP_CELLS - h
        low, high = (np.vstack([x, np.repeat(x[-1:], spare, axis=0)]) for x in (low, high))
    all_fg = low.reshape(strips, STRIP_CELLS, w).min(axis=1) >= 1.0
    all_bg = high.reshape(strips, STRIP_CELLS, w).max(axis=1) <= 0.0
    kinds = np.where(all_fg, PERSON, np.where(all_bg, BACKGROUND, EDGE)).astype(np.int8)
    # Frame rows of each strip (the pixels whose nearest cell row is in it), cut to the region.
    bounds = np.searchsorted(rows_of, np.arange(0, strips + 1) * STRIP_CELLS)
    starts, stops = np.maximum(bounds[:-1], top), np.minimum(bounds[1:], bottom)
    columns = kinds[:, cols_of[left:right]]  # [strips, region width]
    # Runs of equal kind in every strip at once: a run starts at column 0 and wherever the kind changes.
    starts_at = np.ones(columns.shape, bool)
    starts_at[:, 1:] = columns[:, 1:] != columns[:, :-1]
    strip_of, begin = np.nonzero(starts_at)
    end = np.append(begin[1:], 0)
    end[np.append(strip_of[1:] != strip_of[:-1], True)] = columns.shape[1]
    kind_of = columns[strip_of, begin]
    starts_list, stops_list = starts.tolist(), stops.tolist()
    plan = []
    for strip, a, b, kind in zip(strip_of.tolist(), begin.tolist(), end.tolist(), kind_of.tolist(), strict=True):
        if kind != BACKGROUND and stops_list[strip] > starts_list[strip]:
            plan.append((slice(starts_list[strip], stops_list[strip]), slice(left + a, left + b), kind))
    return plan


def within(plan: list[tuple[slice, slice, int]], box: tuple[slice, slice]) -> list[tuple[slice, slice, int]]:
    """``plan``'s rectangles cut to ``box`` (empty ones dropped): the same as ``blend_plan`` over that region,
    whose runs are the whole frame's cut at the region's edges, without finding them again."""
    rows, cols = box
    out = []
    for r, c, kind in plan:
        top, bottom = max(r.start, rows.start), min(r.stop, rows.stop)
        left, right = max(c.start, cols.start), min(c.stop, cols.stop)
        if bottom > top and right > left:
            out.append((slice(top, bottom), slice(left, right), kind))
    return out


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


def keep_weight(settings: np.ndarray | None) -> float:
    """The keep-background weight from a settings vector (the defaults' when there is none)."""
    if settings is None:
        return float(S.StudioSettings().to_tensor()[S.IDX_BG_ONEHOT.start])
    return float(settings[S.IDX_BG_ONEHOT.start])
