"""Per-pixel alpha in the soft edge from the colour line between the person and the old wall.

The matte is computed at the segmentation grid (256 x 256) and upsampled: at 720p its soft band is
several pixels wide and often reaches out over the old wall, where the camera pixel IS the wall
(``I = B``) at ``a > 0``, so the plain blend leaves a dark (or coloured) outline of the old background on
a new backdrop. Where the person colour ``F`` and the wall colour ``B`` around the edge (estimated at
grid / 4 by the graph, ``engines.graph._edge_colours``) differ clearly, the camera pixel's place on the
line from B to F is how much of it the person covers:

    t = clip(dot(I - B, F - B) / |F - B|^2, 0, 1),  covered = ramp(t, LINE_NOISE, LINE_COVER)

A pixel counts as person from LINE_COVER (0.3) up, as wall below LINE_NOISE (camera noise along the line):
a 0.5 cut of the exact mix ``t`` sat a pixel inside the edge the devdata masks draw (matte IoU below the
raw model's), and a ramp up to 1 at t = 1 left more of the wall in the colour of mixed pixels. It is
trusted by ``w = near * ramp(|F - B|, LINE_MIN, LINE_FULL)`` (0 where the colours are close, or where
either side was far from the edge, ``near``) and kept near the matte: the step ``w (covered - a)`` is
limited to ``LINE_LIMIT * 4 a (1 - a)``, so a matte of exactly 0 or 1 is never changed (the blend plan's
person and background runs stay what they are), the refined matte is continuous, and a person colour off
the line (an eye, a shirt beside the face) moves it by at most LINE_LIMIT in the middle of the band. Up,
the step is LINE_UP times smaller: a wall a little lighter than its estimate (texture, a lamp's bokeh) read
as part person made light, ragged patches beyond the hair on a real clip.

The person's colour at a mixed pixel is ``I + (1 - t) (F - B)`` (the wall's share swapped for the person's);
the composite adds that correction, weighted by ``near`` and by a gate that fades with the matte's own
softness (``min(1, 4 UNMIX_GATE a (1 - a))``: nothing where the grid matte is 0 or 1) and by the replaced
weight ``1 - keep``, to the person before the blend. The relight gain is left out of that small term.

Two forms of one function: NumPy on the edge runs of the CPU composite (``refine``, fed by the grid / 4
map bilinearly upsampled, ``LineSampler``), and ONNX operators on the full frame for the TensorRT graph
(``refine_graph``).
"""

from __future__ import annotations

import cv2
import numpy as np

from engines.graph_builder import GraphBuilder

# |F - B| (8-bit RGB distance) below LINE_MIN: no trust (the colour line says nothing); full trust from
# LINE_FULL. LINE_LIMIT: the largest step of the matte, in the middle of the soft band; LINE_UP: the
# upward step's share of it. LINE_NOISE and LINE_COVER: the coverage ramp along the line. UNMIX_GATE: the
# colour correction's gate. Chosen on the devdata photos and clips (docs/PERFORMANCE.md, 2026-12-02 note).
LINE_MIN = 20.0
LINE_FULL = 60.0
LINE_LIMIT = 0.5
LINE_COVER = 0.3
LINE_NOISE = 0.08
LINE_UP = 0.3
UNMIX_GATE = 1.0
# The graph's map at grid / 4: old-wall colour B (BGR 0..255), person colour F (BGR 0..255), near (0..1).
LINE_CHANNELS = 7
_EPS = 1e-3


def _lerp_axis(cells: int, pixels: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bilinear (``half_pixel``, clamped) upsampling along one axis: lower cell, upper cell, weight of upper."""
    position = np.clip((np.arange(pixels, dtype=np.float64) + 0.5) * cells / pixels - 0.5, 0, cells - 1)
    low = np.floor(position).astype(np.intp)
    return low, np.minimum(low + 1, cells - 1), (position - low).astype(np.float32)


class LineSampler:
    """The grid / 4 line map bilinearly upsampled to the frame (``half_pixel``, clamped: the same values as one
    ``cv2.resize`` / ONNX ``Resize`` of the whole map), read one rectangle at a time without making the whole,
    planar: [7, r, c] (B, F, near), so the arithmetic runs over contiguous planes."""

    def __init__(self, line: np.ndarray, size: tuple[int, int]) -> None:
        self._planes = np.ascontiguousarray(np.moveaxis(np.asarray(line, dtype=np.float32), -1, 0))  # [7, h, w]
        h, w = line.shape[:2]
        self._rows, self._cols = _lerp_axis(h, size[0]), _lerp_axis(w, size[1])

    def __call__(self, rows: slice, cols: slice) -> np.ndarray:
        y0, y1, fy = (a[rows] for a in self._rows)
        x0, x1, fx = (a[cols] for a in self._cols)
        top, bottom = self._planes[:, y0], self._planes[:, y1]  # [7, r, w]: w is a few dozen cells
        band = (top + fy[None, :, None] * (bottom - top)).reshape(-1, top.shape[2])  # 2-D: a fast column gather
        left = band[:, x0]
        left += fx * (band[:, x1] - left)
        return left.reshape(*top.shape[:2], -1)


def smoothed(frame: np.ndarray, rows: slice, cols: slice) -> np.ndarray:
    """The frame's 3x3 mean (float32) over one rectangle, read with a pixel of margin (replicated only at the
    frame's border): the same values as one ``cv2.blur`` of the whole frame. The line position of a single
    camera pixel carries its sensor noise times the coverage ramp's gain (flicker); the mean keeps a third."""
    height, width = frame.shape[:2]
    top, left = max(0, rows.start - 1), max(0, cols.start - 1)
    bottom, right = min(height, rows.stop + 1), min(width, cols.stop + 1)
    mean = cv2.blur(frame[top:bottom, left:right].astype(np.float32), (3, 3), borderType=cv2.BORDER_REPLICATE)
    return mean[rows.start - top: rows.stop - top, cols.start - left: cols.stop - left]


def refine(pixels: np.ndarray, alpha: np.ndarray, line: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(refined alpha, person colour correction ``(1 - t) near gate (F - B)``) for the camera ``pixels``
    [r, c, 3] (BGR, their 3x3 mean: ``smoothed``) at the upsampled matte ``alpha`` [r, c] with the
    upsampled line map ``line`` [r, c, 7]."""
    shape = alpha.shape
    refined, correction = _refine_planar(np.ascontiguousarray(pixels.reshape(-1, 3).T, dtype=np.float32),
                                         alpha.reshape(-1), np.ascontiguousarray(line.reshape(-1, LINE_CHANNELS).T))
    return refined.reshape(shape), np.ascontiguousarray(correction.T).reshape(*shape, 3)


def _refine_planar(colour: np.ndarray, alpha: np.ndarray, planes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``refine`` on planes: ``colour`` [3, N] (overwritten), ``alpha`` [N], ``planes`` [7, N]; returns the
    refined alpha [N] and the correction [3, N]. NumPy's elementwise loops over an interleaved last axis of 3
    or 7 values run several times slower than over whole contiguous planes."""
    wall, near = planes[0:3], planes[6]
    d = planes[3:6] - wall
    colour -= wall
    length2 = d[0] * d[0]
    length2 += d[1] * d[1]
    length2 += d[2] * d[2]
    along = colour[0] * d[0]
    along += colour[1] * d[1]
    along += colour[2] * d[2]
    t = np.clip(along / (length2 + np.float32(_EPS)), 0.0, 1.0)
    covered = np.clip((t - np.float32(LINE_NOISE)) * np.float32(1.0 / (LINE_COVER - LINE_NOISE)), 0.0, 1.0)
    trust = near * np.clip((np.sqrt(length2) - LINE_MIN) / (LINE_FULL - LINE_MIN), 0.0, 1.0)
    soft = alpha * (1.0 - alpha)
    limit = np.float32(4.0 * LINE_LIMIT) * soft
    refined = alpha + np.clip(trust * (covered - alpha), -limit, limit * np.float32(LINE_UP))
    gate = near * np.minimum(soft * np.float32(4.0 * UNMIX_GATE), 1.0)
    d *= gate * (1.0 - t)
    return refined.astype(np.float32), d


def refine_rects(frame: np.ndarray, alpha: np.ndarray, line: LineSampler,
                 rects: list[tuple[slice, slice]]) -> list[np.ndarray]:
    """``refine`` over the frame's rectangles ``rects`` in one batch (one set of array passes instead of one per
    rectangle): the refined matte is written into ``alpha``; returns each rectangle's correction [h, w, 3]."""
    if not rects:
        return []
    shapes = [(r.stop - r.start, c.stop - c.start) for r, c in rects]
    pixels = np.ascontiguousarray(np.concatenate([smoothed(frame, r, c).reshape(-1, 3) for r, c in rects]).T)
    mattes = np.concatenate([alpha[r, c].ravel() for r, c in rects])
    lines = np.concatenate([line(r, c).reshape(LINE_CHANNELS, -1) for r, c in rects], axis=1)
    refined, correction = _refine_planar(pixels, mattes, lines)
    out, start = [], 0
    for (rows, cols), (h, w) in zip(rects, shapes, strict=True):
        alpha[rows, cols] = refined[start:start + h * w].reshape(h, w)
        out.append(np.ascontiguousarray(correction[:, start:start + h * w].T).reshape(h, w, 3))
        start += h * w
    return out


def refine_graph(b: GraphBuilder, planar: str, alpha: str, line: str) -> tuple[str, str]:
    """The same as ``refine`` in ONNX operators on planar [1, 3, H, W] float frames: ``alpha`` [1, 1, H, W]
    the upsampled matte, ``line`` [1, 7, H, W] the upsampled map; returns (refined alpha, correction
    [1, 3, H, W])."""
    b.stage = "edge_alpha"
    wall, person, near = b.op("Split", line, b.ints([3, 3, 1]), axis=1, n_out=3)
    d = b.sub(person, wall)
    length2 = b.op("ReduceSum", b.mul(d, d), b.ints([1]), keepdims=1)
    mean = b.op("AveragePool", planar, kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=0)
    along = b.op("ReduceSum", b.mul(b.sub(mean, wall), d), b.ints([1]), keepdims=1)
    t = b.clip(b.div(along, b.offset(length2, _EPS)), 0.0, 1.0)
    covered = b.clip(b.scale(b.offset(t, -LINE_NOISE), 1.0 / (LINE_COVER - LINE_NOISE)), 0.0, 1.0)
    ramp = b.clip(b.scale(b.offset(b.op("Sqrt", length2), -LINE_MIN), 1.0 / (LINE_FULL - LINE_MIN)), 0.0, 1.0)
    trust = b.mul(near, ramp)
    soft = b.mul(alpha, b.sub(b.const(1.0), alpha))
    limit = b.scale(soft, 4.0 * LINE_LIMIT)
    # clip(step, -limit, limit) with Max only (min(x, y) = -max(-x, -y)).
    below = b.op("Max", b.scale(b.mul(trust, b.sub(covered, alpha)), -1.0), b.scale(limit, -LINE_UP))
    step = b.op("Max", b.scale(below, -1.0), b.scale(limit, -1.0))
    gate = b.mul(near, b.clip(b.scale(soft, 4.0 * UNMIX_GATE), 0.0, 1.0))
    return b.add(alpha, step), b.mul(b.mul(gate, b.sub(b.const(1.0), t)), d)
