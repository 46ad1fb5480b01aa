"""Relighting subgraph: a smooth luminance gain on the person's skin that fills its shadows like a fill light.

Why this shape: skin texture, pores and eyes are high-frequency and belong to the person; uneven light
(a window on one side, an overhead lamp) is low-frequency. So we never touch pixels directly. At a
coarse grid (the segmentation grid / 4) we estimate

* where skin is: normalised-rg chromaticity near skin's and a luma floor, inside the matte, minus what
  is textured (hair of a skin colour) or far darker than the skin's lit level (brown hair and dark
  collars pass the colour test);
* the skin's level ``S`` (a skin-weighted blur of log luminance: normalised convolution, so hair,
  clothes and background do not leak in), blurred about half a face high but only a few percent of a
  face wide, so it follows the face's left/right shading and not the hairline or the chin's shadow;
* the skin's lit level ``R`` (luminance-weighted mean of ``S``: a half-shadowed face reads its lit half);

and output ``gain = (1 + s (exp(k (R - S)) - 1)) * exp(s E)`` on linear light, where ``s`` is the
strength (the share of the missing light filled in, as a fill light adds light), ``k`` a little over 1
(the blurred level underestimates the gap) and ``E`` a small pull toward the target exposure, both
faded out smoothly around the skin and over hair and brows. The gain is upsampled and multiplied onto
the full-resolution frame inside the matte, so texture is kept exactly and the background is untouched.
Strength 0 gives a gain of exactly 1.

Log luminance is ``2.2 * ln(sRGB luma)``, i.e. log *linear* light under a pure 2.2 gamma; a linear gain
``g`` therefore scales the sRGB values by ``g ** (1 / 2.2)``, which is what is returned.
"""

from __future__ import annotations

import math

from engines import settings as S
from engines.graph_builder import GraphBuilder

GAMMA = 2.2
# Grid (segmentation grid / POOL) where shading is estimated; the broad level is POOL times coarser again.
POOL = 4
# Blur sigmas in grid pixels as (y, x): the grid is the segmentation's square grid squashed from a 16:9
# frame, so x pixels are ~1.8x wider in the image than y pixels. The skin level is blurred about half a
# face high but only a few percent of a face wide: it follows the left/right shading that evening is
# about, while the forehead under the hair and the shadow under the chin are averaged with the rest of
# their column (lifting those drew a bright band along the hairline; docs/QUALITY.md).
SIGMA_SHADING = (10.0, 1.2)
SIGMA_COVER = (1.0, 0.6)
# Gain limits in stops (linear light): lift shadowed skin at most 2 stops, darken skin above the lit
# level at most 0.05 (evening by darkening the lit half would darken the face);
# the exposure move is a share of the way to the target, at most 1 stop, so skin stays its colour.
MAX_LIFT_STOPS = 2.0
MAX_CUT_STOPS = 0.05
MAX_EXPOSURE_STOPS = 1.0
EXPOSURE_SHARE = 0.05
# Strength s fills s of the light shadowed skin misses, as a fill light would (linear light): gain
# 1 + s (exp(SHADOW_GAIN gap) - 1). SHADOW_GAIN is a little over 1 because the blurred level
# underestimates the gap (measured on side-lit dev portraits in docs/QUALITY.md).
SHADOW_GAIN = 1.65
# Skin in normalised rg chromaticity: (centre, spread) of R/(R+G+B) and G/(R+G+B) over light to dark
# skin; luma (sRGB 0..1) below the floor's first value is not judged, above its second fully.
SKIN_R = (0.45, 0.05)
SKIN_G = (0.31, 0.04)
SKIN_LUMA_FLOOR = (0.08, 0.18)
# Gap below the lit skin level (stops) beyond which a region is not treated as shadowed skin, and the
# stops over which the lift fades out past it.
RANGE_STOPS = 2.0
RANGE_FADE_STOPS = 0.5
# Skin hue: CIELAB a*, b* of a colour grow about as sRGB scale ** 0.27 of its channel differences
# (cube root of linear light ~ sRGB ** 0.73), so the chroma (channel minus luma) is scaled by the
# luma gain ** CHROMA_EXP and a*, b* stay put while the skin brightens. RATIO_LIMIT bounds luma /
# channel of the mean skin colour (where there is no skin the gain is 1 whatever the ratio).
CHROMA_EXP = 0.5
RATIO_LIMIT = 4.0
# Hair guard: a grid cell more than GUARD_STOPS darker than the skin level around it loses its gain over
# the next GUARD_FADE_STOPS (shadowed skin sits near its own blurred level; hair and brows well below it).
GUARD_STOPS = 0.6
GUARD_FADE_STOPS = 0.4
# Skin weight (blurred) at which the correction is applied in full: the falloff around the face.
SKIN_COVER = 0.35
_EPS_WEIGHT = 1e-3
# Skin far darker than the face's lit level is not skin in a shadow but hair or a dark collar of a skin
# colour: cells more than SKIN_STOPS below it leave the skin weight over the next SKIN_FADE_STOPS.
SKIN_STOPS = 1.75
# Texture: relative luma std within a cell (light-brown hair of a skin colour measured 0.2-0.4, skin
# under 0.1; a side light's terminator up to about 0.2, so the cut sits above it).
TEXTURE_STD = 0.15
TEXTURE_FADE = 0.05
SKIN_FADE_STOPS = 0.25


def _lit_level(b: GraphBuilder, local: str, weight: str) -> str:
    """ln of the skin's lit level: the luminance-weighted mean of the face-scale skin level ``local``.

    Taken from the blurred level, not from pixels: teeth, eye whites and specular spots are far brighter
    than skin (three stops on dark skin) and would make a whole evenly lit face read as shadowed. The
    luminance weighting leans toward the lit half of a side-lit face.
    """
    linear = b.op("Exp", local)
    wl = b.mul(weight, linear)
    axes = b.ints([1, 2, 3])
    num = b.op("ReduceSum", b.mul(wl, linear), axes, keepdims=1)
    den = b.op("ReduceSum", wl, axes, keepdims=1)
    return b.op("Log", b.offset(b.div(num, b.offset(den, 1e-6)), 1e-4))


def _skin(b: GraphBuilder, colour: str, luma: str, weight: str) -> str:
    """Skin likelihood in the person: normalised-rg chromaticity near skin's, luma above a floor.

    Chromaticity (R/sum, G/sum) does not change with the light level, so a shadowed cheek counts as
    much as a lit one; the luma floor keeps black clothes and dark hair (no reliable chroma) out.
    """
    blue, green, red = b.op("Split", colour, axis=1, n_out=3)
    total = b.offset(b.add(b.add(blue, green), red), 1e-3)
    r_dist = b.scale(b.offset(b.div(red, total), -SKIN_R[0]), 1.0 / SKIN_R[1])
    g_dist = b.scale(b.offset(b.div(green, total), -SKIN_G[0]), 1.0 / SKIN_G[1])
    chroma = b.op("Exp", b.scale(b.add(b.mul(r_dist, r_dist), b.mul(g_dist, g_dist)), -0.5))
    lit = b.clip(b.scale(b.offset(luma, -SKIN_LUMA_FLOOR[0]), 1.0 / (SKIN_LUMA_FLOOR[1] - SKIN_LUMA_FLOOR[0])),
                 0.0, 1.0)
    return b.mul(b.mul(chroma, lit), weight)


def build_relight_gain(b: GraphBuilder, colour: str, luma: str, matte: str, settings: str) -> str:
    """Per-channel gain on sRGB values (BGR), [1, 3, h, w] at the segmentation grid; exactly 1 where
    strength is 0 and where there is no skin.

    ``colour``: BGR in [0, 1] at the segmentation grid [1, 3, h, w]; ``luma``: its luma [1, 1, h, w];
    ``matte``: person probability there.

    Only skin is relit. The skin's local level ``S`` (a skin-weighted blur of log luminance, tall and
    narrow) is compared with its lit level ``R`` (the luminance-weighted mean over all skin: a
    half-shadowed face reads its lit half); shadowed skin gets the strength's share of the light it
    misses and the whole face a small move toward the target exposure. The correction fades out over
    ``SIGMA_COVER`` around the skin (a smooth falloff, no rim), so hair, clothes and the background
    keep their own levels.
    """
    b.stage = "relight"
    colour_c = b.pool(colour, POOL)
    luma_c = b.pool(luma, POOL)
    ln2 = math.log(2.0)
    log_lum = b.scale(b.op("Log", b.offset(luma_c, 1.0 / 255.0)), GAMMA)
    # Skin by colour first; then what is far darker than that skin's lit level leaves it (brown hair and
    # dark collars pass the chroma test, and as "shadowed skin" they were lifted into a band).
    first = _skin(b, colour_c, luma_c, b.pool(matte, POOL))
    # Hair of a skin colour is textured where skin is smooth: a cell whose luma varies (relative std over
    # its POOL x POOL grid pixels) beyond TEXTURE_STD leaves the skin over the next TEXTURE_FADE.
    spread = b.op("Sqrt", b.op("Relu", b.sub(b.pool(b.mul(luma, luma), POOL), b.mul(luma_c, luma_c))))
    smooth = b.clip(b.scale(b.offset(b.div(spread, b.offset(luma_c, 0.02)), -(TEXTURE_STD + TEXTURE_FADE)),
                            -1.0 / TEXTURE_FADE), 0.0, 1.0)
    first = b.mul(first, smooth)
    first_num, first_den = b.op("Split", b.gauss(b.concat([b.mul(log_lum, first), first], axis=1), 2,
                                                 *SIGMA_SHADING), axis=1, n_out=2)
    first_level = _lit_level(b, b.div(first_num, b.offset(first_den, _EPS_WEIGHT)), first)
    near = b.offset(b.sub(log_lum, first_level), (SKIN_STOPS + SKIN_FADE_STOPS) * ln2)
    skin = b.mul(first, b.clip(b.scale(near, 1.0 / (SKIN_FADE_STOPS * ln2)), 0.0, 1.0))
    stack = b.gauss(b.concat([b.mul(log_lum, skin), skin, b.mul(luma_c, skin), b.mul(colour_c, skin)], axis=1),
                    6, *SIGMA_SHADING)
    num, den, skin_luma, skin_colour = b.op("Split", stack, b.ints([1, 1, 1, 3]), axis=1, n_out=4)
    local = b.div(num, b.offset(den, _EPS_WEIGHT))
    # Where the correction applies: skin blurred only a little, so the falloff is smooth (about a tenth
    # of a face) but hair and dark clothes beside the face, which are not skin, are not lifted.
    cover = b.clip(b.scale(b.gauss(skin, 1, *SIGMA_COVER), 1.0 / SKIN_COVER), 0.0, 1.0)
    level = _lit_level(b, local, skin)
    gap = b.sub(level, local)
    # A region far darker than the lit skin is not shadowed skin (black clothes, hair that passed the
    # chroma test): past RANGE_STOPS the lift fades to nothing within RANGE_FADE_STOPS.
    in_range = b.clip(b.scale(b.offset(gap, -RANGE_STOPS * ln2), -1.0 / (RANGE_FADE_STOPS * ln2)), 0.0, 1.0)
    shadow = b.mul(in_range, b.clip(gap, -MAX_CUT_STOPS * ln2, MAX_LIFT_STOPS * ln2))
    target = b.op("Log", b.setting(settings, S.IDX_EXPOSURE))
    exposure = b.clip(b.sub(target, level), -MAX_EXPOSURE_STOPS * ln2, MAX_EXPOSURE_STOPS * ln2)
    strength = b.setting(settings, S.IDX_STRENGTH)
    # A fill light: s of the missing light added, ln(1 + s (exp(SHADOW_GAIN gap) - 1)); the exposure move
    # (a gentle global lift) scales with s as before.
    fill = b.op("Log", b.offset(b.mul(strength, b.offset(b.op("Exp", b.scale(shadow, SHADOW_GAIN)), -1.0)), 1.0))
    log_gain = b.mul(cover, b.add(fill, b.mul(strength, b.scale(exposure, EXPOSURE_SHARE))))
    srgb_log = b.scale(log_gain, 1.0 / GAMMA)
    # Luma gain s, chroma gain s ** CHROMA_EXP: channel c of the skin's mean colour m goes to
    # s Y + s^k (m_c - Y), i.e. gain_c = s^k + (s - s^k) Y / m_c, from the skin-weighted mean colour.
    luma_gain = b.op("Exp", srgb_log)
    chroma_gain = b.op("Exp", b.scale(srgb_log, CHROMA_EXP))
    ratio = b.clip(b.div(b.offset(skin_luma, _EPS_WEIGHT), b.offset(skin_colour, _EPS_WEIGHT)),
                   1.0 / RATIO_LIMIT, RATIO_LIMIT)
    gain = b.add(chroma_gain, b.mul(b.sub(luma_gain, chroma_gain), ratio))
    b.debug.update(local=local, skin=skin, cover=cover, exposure=exposure, log_gain=log_gain)
    grid = b.op("Slice", b.op("Shape", luma), b.ints([2]), b.ints([4]), b.ints([0]))
    # Resized minus 1 (the resize is linear, so subtracting before it is the same and costs a 64x64 pass).
    lift = b.resize(b.offset(gain, -1.0), b.concat([b.ints([1, 3]), grid], 0), "half_pixel")
    # Hair guard at the full segmentation grid (4x finer than the gain): a cell far darker than the skin
    # level around it is hair, a brow or a dark collar beside the skin, not shadowed skin (whose level the
    # face-scale blur follows), so the gain fades back to 1 there and no band of lifted hair lines the face.
    # In natural-log units of sRGB luma (the level divided by GAMMA), with the guard's threshold folded
    # into the coarse level before its resize: fewer passes at the grid.
    level_here = b.resize(b.scale(b.offset(local, -(GUARD_STOPS + GUARD_FADE_STOPS) * ln2), 1.0 / GAMMA),
                          b.concat([b.ints([1, 1]), grid], 0), "half_pixel")
    below = b.sub(level_here, b.op("Log", b.offset(luma, 1.0 / 255.0)))
    guard = b.clip(b.scale(below, -GAMMA / (GUARD_FADE_STOPS * ln2)), 0.0, 1.0)
    return b.offset(b.mul(guard, lift), 1.0)
