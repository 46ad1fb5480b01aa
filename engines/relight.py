"""Relighting subgraph: a smooth luminance gain field that swaps the person's shading for studio light.

Why this shape: skin texture, pores and eyes are high-frequency and belong to the person; uneven light
(a window on one side, an overhead lamp) is low-frequency. So we never touch pixels directly. At a
coarse grid (the segmentation grid / 4) we estimate

* the person's local light level ``S_s`` (a face-scale low-pass of log luminance, matte-weighted so the
  background does not leak in: normalised convolution),
* the person's broad level ``S_L`` (the same at about head scale), which stands in for a smooth albedo:
  shading = ``S_s - S_L`` is what varies across a face but not across a whole shirt,
* a target studio shading ``P`` from a soft key, a fill and ambient on normals taken from the blurred
  matte (its gradient tilts the surface away from the camera near the silhouette: a bulge),

and output ``gain = exp(strength * (P - (S_s - S_L) + E))`` where ``E`` pulls the broad level toward the
target exposure. The gain is upsampled and multiplied onto the full-resolution frame inside the matte,
so texture is kept exactly and the background is untouched. Strength 0 gives a gain of exactly 1.

Log luminance is ``2.2 * ln(sRGB luma)``, i.e. log *linear* light under a pure 2.2 gamma; a linear gain
``g`` therefore scales the sRGB values by ``g ** (1 / 2.2)``, which is what is returned.
"""

from __future__ import annotations

import math

import numpy as np
from onnx import TensorProto, helper

from engines import settings as S
from engines.graph_builder import GraphBuilder

GAMMA = 2.2
# Grid (segmentation grid / POOL) where shading is estimated; the broad level is POOL times coarser again.
POOL = 4
# Blur sigmas in grid pixels as (y, x): the grid is the segmentation's square grid squashed from a 16:9
# frame, so x pixels are ~1.8x wider in the image than y pixels. Chosen as fractions of a typical
# webcam head (about a third of the frame height): shading ~ 1/7 of a face, broad level ~ a face.
SIGMA_SHADING = (1.5, 0.9)
SIGMA_BROAD = (3.5, 2.0)
SIGMA_NORMALS = (5.0, 2.8)
# Slope of the matte that tilts a normal by 45 degrees is 1 / NORMAL_GAIN.
NORMAL_GAIN = 25.0
# Gain limits in stops (linear light): lift at most 2.5 stops, darken at most 2.
MAX_LIFT_STOPS = 2.5
MAX_CUT_STOPS = 2.0
MAX_EXPOSURE_STOPS = 2.0
_EPS_WEIGHT = 1e-3
# Range bins (ln linear luminance, 1/255 .. 1) and the range kernel of the albedo-aware level.
RANGE_BINS = tuple(float(v) for v in np.arange(-12.0, 0.51, 1.0))
RANGE_SIGMA = 2.5


def _normalised_blur(
    b: GraphBuilder, value: str, weight: str, sigma: tuple[float, float], pool: int
) -> str:
    """Matte-weighted mean of ``value`` around each pixel (after an optional block-mean downsample)."""
    stack = b.concat([b.mul(value, weight), weight], axis=1)
    if pool > 1:
        stack = b.pool(stack, pool)
    blurred = b.gauss(stack, 2, *sigma)
    num, den = b.op("Split", blurred, axis=1, n_out=2)
    return b.div(num, b.offset(den, _EPS_WEIGHT))


def _lambert(b: GraphBuilder, normals: str, direction: str) -> str:
    """max(0, n . l): ``normals`` [1, 3, h, w], ``direction`` [1, 3, 1, 1] from the settings."""
    return b.op("Relu", b.op("ReduceSum", b.mul(normals, direction), b.ints([1]), keepdims=1))


def _studio_shading(b: GraphBuilder, matte: str, aspect: str, settings: str) -> str:
    """log(studio shading / shading of a camera-facing surface) from matte-derived normals."""
    blurred = b.gauss(matte, 1, *SIGMA_NORMALS, edge=True)  # edge: a matte cut by the frame is no rim
    pad_x = b.op("Pad", blurred, b.ints([0, 0, 0, 1, 0, 0, 0, 1]), mode="edge")
    pad_y = b.op("Pad", blurred, b.ints([0, 0, 1, 0, 0, 0, 1, 0]), mode="edge")
    gx = b.op("Conv", pad_x, b.const([[[[-0.5, 0.0, 0.5]]]]))  # central differences
    gy = b.op("Conv", pad_y, b.const([[[[-0.5], [0.0], [0.5]]]]))
    # Grid x pixels span W/grid image pixels, y pixels H/grid: scale x slopes by H/W to make them isotropic.
    nx = b.scale(b.mul(gx, aspect), -NORMAL_GAIN)
    ny = b.scale(gy, -NORMAL_GAIN)
    ones = b.op("ConstantOfShape", b.op("Shape", nx), value=helper.make_tensor("one", TensorProto.FLOAT, [1], [1.0]))
    tilted = b.concat([nx, ny, ones], axis=1)
    norm = b.op("Sqrt", b.op("ReduceSum", b.mul(tilted, tilted), b.ints([1]), keepdims=1))
    normals = b.div(tilted, norm)

    key, fill, ambient = (b.setting(settings, i) for i in (S.IDX_KEY, S.IDX_FILL, S.IDX_AMBIENT))
    key_dir = b.setting(settings, S.IDX_KEY_DIR, [1, 3, 1, 1])
    fill_dir = b.setting(settings, S.IDX_FILL_DIR, [1, 3, 1, 1])
    shade = b.add(
        ambient, b.add(b.mul(key, _lambert(b, normals, key_dir)), b.mul(fill, _lambert(b, normals, fill_dir)))
    )
    # A camera-facing surface (n = z) receives ambient + key * max(0, l_z) + fill * max(0, f_z).
    key_z = b.op("Relu", b.setting(settings, S.IDX_KEY_DIR.stop - 1))
    fill_z = b.op("Relu", b.setting(settings, S.IDX_FILL_DIR.stop - 1))
    flat = b.add(ambient, b.add(b.mul(key, key_z), b.mul(fill, fill_z)))
    return b.sub(b.op("Log", b.offset(shade, 1e-3)), b.op("Log", b.offset(flat, 1e-3)))


def _range_aware_level(b: GraphBuilder, log_lum: str, weight: str) -> str:
    """Head-scale level of ``log_lum`` that does not mix regions of very different brightness.

    A plain blur would average a face with a black collar or dark hair and then "correct" the face
    toward them. This is a piecewise-linear bilateral filter (Durand & Dorsey): the log range is cut
    into bins, each bin's pixels are blurred on their own (as channels of one depthwise Conv), and
    every pixel reads the bins around its own level. Shading steps inside a face (about 1-1.5 stops)
    are within the range kernel and get averaged away; albedo steps of several stops are not.
    """
    centres = b.const(np.array(RANGE_BINS, np.float32).reshape(1, -1, 1, 1))
    k = len(RANGE_BINS)
    dist = b.sub(log_lum, centres)  # [1, K, h, w]
    # Range kernel x matte x linear luminance: brighter pixels lead, so a half-shadowed face reads the
    # level of its lit half and the shadow is lifted rather than the lit side pulled down.
    bright = b.mul(weight, b.op("Exp", log_lum))
    member = b.mul(b.op("Exp", b.scale(b.mul(dist, dist), -0.5 / RANGE_SIGMA**2)), bright)
    stack = b.pool(b.concat([b.mul(member, log_lum), member], axis=1), POOL)
    blurred = b.gauss(stack, 2 * k, *SIGMA_BROAD)
    num, den = b.op("Split", blurred, axis=1, n_out=2)
    per_bin = b.resize(b.div(num, b.offset(den, _EPS_WEIGHT)), b.op("Shape", dist), "half_pixel")
    step = RANGE_BINS[1] - RANGE_BINS[0]
    hat = b.op("Relu", b.sub(b.const(1.0), b.scale(b.op("Abs", dist), 1.0 / step)))
    total = b.op("ReduceSum", b.mul(hat, per_bin), b.ints([1]), keepdims=1)
    return b.div(total, b.offset(b.op("ReduceSum", hat, b.ints([1]), keepdims=1), 1e-6))


def _person_level(b: GraphBuilder, luma: str, weight: str) -> str:
    """ln of the person's luminance-weighted mean linear luminance: the exposure the eye judges.

    Weighting by luminance makes bright skin and shirts count more than dark hair or clothes, so a
    person in black is not lifted until their face clips.
    """
    linear = b.op("Pow", luma, b.const(GAMMA))
    wl = b.mul(weight, linear)
    axes = b.ints([1, 2, 3])
    num = b.op("ReduceSum", b.mul(wl, linear), axes, keepdims=1)
    den = b.op("ReduceSum", wl, axes, keepdims=1)
    return b.op("Log", b.offset(b.div(num, b.offset(den, 1e-6)), 1e-4))


def build_relight_gain(b: GraphBuilder, luma: str, matte: str, aspect: str, settings: str) -> str:
    """Gain on sRGB values, [1, 1, h, w] at the segmentation grid; exactly 1 where strength is 0.

    ``luma``: sRGB luma in [0, 1] at the segmentation grid, [1, 1, h, w]; ``matte``: person
    probability there; ``aspect``: frame H / W as a [1, 1, 1, 1] tensor.
    """
    b.stage = "relight"
    luma_c = b.pool(luma, POOL)
    weight = b.pool(matte, POOL)
    log_lum = b.scale(b.op("Log", b.offset(luma_c, 1.0 / 255.0)), GAMMA)

    local = _normalised_blur(b, log_lum, weight, SIGMA_SHADING, pool=1)
    broad = _range_aware_level(b, log_lum, weight)
    ln2 = math.log(2.0)
    target = b.op("Log", b.setting(settings, S.IDX_EXPOSURE))
    level = _person_level(b, luma_c, weight)
    exposure = b.clip(b.sub(target, level), -MAX_EXPOSURE_STOPS * ln2, MAX_EXPOSURE_STOPS * ln2)
    studio = _studio_shading(b, weight, aspect, settings)
    log_gain = b.add(b.sub(studio, b.sub(local, broad)), exposure)
    log_gain = b.clip(log_gain, -MAX_CUT_STOPS * ln2, MAX_LIFT_STOPS * ln2)
    strength = b.setting(settings, S.IDX_STRENGTH)
    gain = b.op("Exp", b.scale(b.mul(log_gain, strength), 1.0 / GAMMA))
    b.debug.update(local=local, broad=broad, studio=studio, exposure=exposure, log_gain=log_gain, weight=weight)
    return b.resize(gain, b.op("Shape", luma), "half_pixel")
