"""The studio graph: one ONNX model that maps (frame, settings, previous matte) to (image, alpha, matte).

Built once with ``onnx.helper`` and run unchanged by ONNX Runtime (CPU) and TensorRT (GPU), so both
backends compute the same function. Opset 17, standard operators only, no ``If``/``Loop``.

I/O (names are the backends' contract). Two forms of one function, chosen by the backend's target:

* ``tensorrt`` (the whole frame on the GPU):
  ``frame`` uint8 ``[1, H, W, 3]`` BGR, H and W dynamic (640x360 .. 1920x1080);
  ``image`` uint8 ``[1, H, W, 3]`` BGR, relit with the chosen background;
  ``alpha`` float32 ``[1, H, W, 1]`` full-resolution matte in [0, 1], 1 = person.
* ``onnxruntime`` (the CPU): the graph stops at the segmentation grid and the backend does the
  full-resolution step with OpenCV (``engines.compose``: the frame resized to the grid before, the maps
  upsampled and blended after). ONNX Runtime's elementwise kernels on full-resolution float planes cost
  ten times what the network does; OpenCV's SIMD, multi-threaded resize and blend do the same work in a
  few passes. ``frame_grid`` uint8 ``[1, h, w, 3]`` BGR (the frame bilinearly resized to the grid);
  ``alpha_grid`` float32 ``[1, h, w, 1]``; ``gain_grid`` float32 ``[1, h, w, 3]`` (relight gain per
  BGR channel); ``backdrop_grid`` float32 ``[1, h, w, 3]`` (replacement background, BGR 0..255, already
  weighted by the background mode).

Both forms: ``settings`` float32 ``[SETTINGS_SIZE]`` (layout in :mod:`engines.settings`); ``state_in``
float32 ``[1, h, w, 1]``, the previous smoothed low-res matte (zeros at start), where h x w is the
segmentation model's grid (256 x 256 for ``general``); ``state_out`` the same, fed back next frame.

The function, at full resolution: ``alpha = edge(up(alpha_grid))``, ``out = alpha * (frame * up(gain) +
(1 - keep) * c) + (1 - alpha) * (keep * frame + up(backdrop))``, rounded to uint8, where ``up`` is one
bilinear resize (``half_pixel``), ``keep`` the settings' keep-background weight, and ``edge`` and ``c``
(the per-pixel alpha of the soft edge and the person's edge colour without the old wall) come from the
colour line of ``_edge_colours`` (``engines.edge_alpha``; ``line_grid`` [1, h/4, w/4, 7] in the CPU form).
Everything that filters (segmentation, temporal smoothing, the colour guided filter that refines the
matte, relight, edge colour, background blur) runs at the segmentation grid or coarser. On the devdata
photos a full-resolution luma-guided step edge and a nearest x2 matte upsample both scored worse than
this (docs/QUALITY.md).

Resize conventions. The frame goes to the grid and the maps come back with the same centred
(``half_pixel``) bilinear mapping, OpenCV's ``INTER_LINEAR``: grid pixel j is centred on frame position
(j + 0.5) W / w - 0.5, and frame pixel X reads grid coordinate (X + 0.5) w / W - 0.5, the exact inverse,
so the matte lands where the model saw the person. Inside the low-res pyramid, block means are centred
too, so those resizes use ``half_pixel`` as well.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, compose, helper

from engines import settings as S
from engines.backends.registry import graph_targets
from engines.edge_alpha import LINE_CHANNELS, refine_graph
from engines.errors import EngineError
from engines.graph_builder import FLOAT, UINT8, GraphBuilder, value_info
from engines.relight import build_relight_gain

VARIANTS: dict[str, tuple[int, int]] = {"general": (256, 256), "landscape": (144, 256)}
# BT.601 luma weights in BGR order (the frame's order).
LUMA_BGR = (0.114, 0.587, 0.299)
# Colour guided filter at the segmentation grid: window radius (grid pixels) and regulariser (colour
# in 0..1); MATTE_CENTRE is where the refined matte is cut (0.5 after the contrast). Chosen on the
# devdata photos: the model's 0.5 crossing sits inside the edge people draw.
GUIDE_RADIUS = 2
GUIDE_EPS = 1e-2
# Fast guided filter (He & Sun 2015): the window statistics and the coefficients are computed on the
# grid subsampled by GUIDE_SUBSAMPLE (radius GUIDE_RADIUS / GUIDE_SUBSAMPLE there), the coefficients
# upsampled and applied to the full-grid guide: a quarter of the box-filter work, edges still from the
# full-grid colours.
GUIDE_SUBSAMPLE = 2
MATTE_CONTRAST = 1.3
MATTE_CENTRE = 0.4
# Temporal smoothing: matte changes below FOLLOW_LOW are damped by the ``smoothing`` setting, changes
# above FOLLOW_HIGH are followed at once (motion), linear in between. Differences are spread over a 3x3
# neighbourhood so a moving edge is followed across its whole soft band.
FOLLOW_LOW = 0.1
FOLLOW_HIGH = 0.4
FOLLOW_SPREAD = 3
# Background blur at the grid / 4 (light) and grid / 16 (heavy), blended by ``blur_strength``.
BLUR_SIGMA_LIGHT = (1.2, 1.2)
BLUR_SIGMA_HEAVY = (1.2, 1.0)
BLUR_FALLBACK = 0.05

# Edge colour (unmixing): foreground and old-background colours near the edge, estimated at grid /
# UNMIX_POOL by normalised convolution over the sure person (alpha above 1 - UNMIX_SURE) and the sure
# wall (alpha below UNMIX_SURE), a Gaussian of UNMIX_SIGMA cells; where either side's weight is under
# UNMIX_NEAR the difference, and so the correction, fades out.
UNMIX_POOL = 4
UNMIX_SIGMA = 1.0
UNMIX_SURE = 0.25
UNMIX_NEAR = 0.1
_EPS = 1e-4

INPUTS = ("frame", "settings", "state_in")
OUTPUTS = ("image", "alpha", "state_out")
# The onnxruntime (grid) form: the backend resizes the frame to the grid and composes at full size.
GRID_INPUTS = ("frame_grid", "settings", "state_in")
GRID_OUTPUTS = ("alpha_grid", "gain_grid", "backdrop_grid", "line_grid", "state_out")
GRID_TARGETS = ("onnxruntime",)


def seg_grid(segmentation: onnx.ModelProto) -> tuple[int, int]:
    """(h, w) of the segmentation model's NHWC input, checked to be [1, h, w, 3] float."""
    if len(segmentation.graph.input) != 1 or len(segmentation.graph.output) != 1:
        raise EngineError(
            f"segmentation model: expected 1 input and 1 output, found {len(segmentation.graph.input)} "
            f"and {len(segmentation.graph.output)}",
            "pass the converted selfie-segmentation model",
        )
    dims = [d.dim_value for d in segmentation.graph.input[0].type.tensor_type.shape.dim]
    if len(dims) != 4 or dims[0] != 1 or dims[3] != 3 or min(dims) <= 0:
        raise EngineError(
            f"segmentation model input: expected [1, h, w, 3] with fixed sizes, found {dims}",
            "pass the converted selfie-segmentation model (NHWC input)",
        )
    return dims[1], dims[2]


def _inline(b: GraphBuilder, model: onnx.ModelProto, source: str, prefix: str) -> str:
    """Copy ``model``'s graph into ours under ``prefix``, fed by ``source``; returns its output name."""
    opsets = {o.domain: o.version for o in model.opset_import}
    version = opsets.get("", opsets.get("ai.onnx", 0))
    foreign = sorted({n.domain for n in model.graph.node if n.domain not in ("", "ai.onnx")})
    if not 13 <= version <= 17 or foreign:
        raise EngineError(
            f"segmentation model: expected standard ONNX operators at opset 13..17, found opsets {opsets}"
            + (f" and operators from {', '.join(foreign)}" if foreign else ""),
            "convert the model with engines.models (opset 17, no custom operators)",
        )
    prefixed = compose.add_prefix(model, prefix)
    b.nodes.append(helper.make_node("Identity", [source], [prefixed.graph.input[0].name], name=f"{prefix}feed"))
    b.nodes.extend(prefixed.graph.node)
    b.initializers.extend(prefixed.graph.initializer)
    return prefixed.graph.output[0].name


def _temporal(b: GraphBuilder, prob: str, state_in: str, settings: str, grid: tuple[int, int]) -> str:
    """Adaptive blend with the previous matte: damp small changes (flicker), follow big ones (motion)."""
    b.stage = "temporal"
    prev = b.reshape(state_in, [1, 1, *grid])
    delta = b.sub(prob, prev)
    change = b.op(
        "MaxPool",
        b.op("Abs", delta),
        kernel_shape=[FOLLOW_SPREAD, FOLLOW_SPREAD],
        pads=[FOLLOW_SPREAD // 2] * 4,
    )
    follow = b.clip(b.scale(b.offset(change, -FOLLOW_LOW), 1.0 / (FOLLOW_HIGH - FOLLOW_LOW)), 0.0, 1.0)
    smoothing = b.setting(settings, S.IDX_SMOOTHING)
    weight = b.op("Max", follow, b.sub(b.const(1.0), smoothing))
    return b.add(prev, b.mul(weight, delta))


def _colour_guided(b: GraphBuilder, guide: str, matte: str, grid: tuple[int, int]) -> str:
    """Fast colour guided filter (He, Sun & Tang 2013; He & Sun 2015): matte ~ a . (B, G, R) + b per window.

    A colour guide follows edges a luma guide misses (skin against a wall of the same brightness). The
    window statistics and (a, b) are smooth, so they are computed at the grid / GUIDE_SUBSAMPLE and
    upsampled; only ``a . guide + b`` runs at the grid, so the edge still follows the grid's colours.
    The 3x3 window covariance is inverted in closed form (adjugate / determinant), eps on the diagonal.
    """
    b.stage = "guided"
    radius = max(1, GUIDE_RADIUS // GUIDE_SUBSAMPLE)
    low_guide, low_matte = (b.pool(x, GUIDE_SUBSAMPLE) for x in (guide, matte))
    bb, gg, rr = b.op("Split", low_guide, axis=1, n_out=3)
    products = [b.mul(x, y) for x, y in ((bb, bb), (bb, gg), (bb, rr), (gg, gg), (gg, rr), (rr, rr))]
    stats = b.box(b.concat([low_guide, low_matte, b.mul(low_guide, low_matte), *products], axis=1), radius)
    m_b, m_g, m_r, m_p, c_bp, c_gp, c_rp, s_bb, s_bg, s_br, s_gg, s_gr, s_rr = b.op(
        "Split", stats, axis=1, n_out=13)
    def cov(x: str, y: str, mean_xy: str, eps: float = 0.0) -> str:
        c = b.sub(mean_xy, b.mul(x, y))
        return b.offset(c, eps) if eps else c
    v_bb, v_gg, v_rr = (cov(m, m, s, GUIDE_EPS) for m, s in ((m_b, s_bb), (m_g, s_gg), (m_r, s_rr)))
    v_bg, v_br, v_gr = cov(m_b, m_g, s_bg), cov(m_b, m_r, s_br), cov(m_g, m_r, s_gr)
    p_b, p_g, p_r = cov(m_b, m_p, c_bp), cov(m_g, m_p, c_gp), cov(m_r, m_p, c_rp)
    def det2(a: str, d: str, x: str, y: str) -> str:  # a d - x y
        return b.sub(b.mul(a, d), b.mul(x, y))
    i_bb, i_gg, i_rr = det2(v_gg, v_rr, v_gr, v_gr), det2(v_bb, v_rr, v_br, v_br), det2(v_bb, v_gg, v_bg, v_bg)
    i_bg, i_br, i_gr = det2(v_br, v_gr, v_bg, v_rr), det2(v_bg, v_gr, v_br, v_gg), det2(v_bg, v_br, v_bb, v_gr)
    det = b.add(b.add(b.mul(v_bb, i_bb), b.mul(v_bg, i_bg)), b.mul(v_br, i_br))
    def dot3(x: tuple[str, str, str]) -> str:
        return b.add(b.add(b.mul(x[0], p_b), b.mul(x[1], p_g)), b.mul(x[2], p_r))
    a_b, a_g, a_r = (b.div(dot3(row), det) for row in ((i_bb, i_bg, i_br), (i_bg, i_gg, i_gr), (i_br, i_gr, i_rr)))
    offset = b.sub(m_p, b.add(b.add(b.mul(a_b, m_b), b.mul(a_g, m_g)), b.mul(a_r, m_r)))
    coeffs = b.box(b.concat([a_b, a_g, a_r, offset], axis=1), radius)
    if GUIDE_SUBSAMPLE > 1:
        coeffs = b.resize(coeffs, b.ints([1, 4, *grid]), "half_pixel")
    a_all, b_mean = b.op("Split", coeffs, b.ints([3, 1]), axis=1, n_out=2)
    # The sum over the three channels as a MatMul over the flattened planes (ORT's ReduceSum over the
    # channel axis is several times slower).
    weighted = b.reshape(b.mul(a_all, guide), [1, 3, -1])
    summed = b.reshape(b.op("MatMul", b.const(np.ones((1, 3), np.float32)), weighted), [1, 1, *grid])
    return b.add(summed, b_mean)


def _background(b: GraphBuilder, small: str, matte: str, settings: str, grid: tuple[int, int]) -> str:
    """The replacement background at the grid, BGR 0..255, already weighted by (1 - keep)."""
    b.stage = "background"
    bg_weight = b.sub(b.const(1.0), matte)
    # Normalised convolution over the wall only (no person halo); where there is no wall nearby (deep
    # inside the person) the ratio falls back to the plain blur, so the matte's leakage stays neutral.
    # The plain frame's block mean is the one relight and unmix take too (ONNX Runtime's common-subexpression
    # pass keeps one node): only the weighted planes are pooled here.
    light_stack = b.concat([b.pool(b.concat([b.mul(small, bg_weight), bg_weight], axis=1), 4), b.pool(small, 4)],
                           axis=1)
    heavy_stack = b.pool(light_stack, 4)
    light_grid = [(grid[0] // 4), (grid[1] // 4)]
    levels = []
    for pooled, sigma in ((light_stack, BLUR_SIGMA_LIGHT), (heavy_stack, BLUR_SIGMA_HEAVY)):
        num, den, plain = b.op("Split", b.gauss(pooled, 7, *sigma), b.ints([3, 1, 3]), axis=1, n_out=3)
        levels.append(b.div(b.add(num, b.scale(plain, BLUR_FALLBACK)), b.offset(den, BLUR_FALLBACK)))
    # The two levels are blended at the light level's grid (the heavy one brought up to it) and brought to
    # the grid in one resize, weighted (0..255, times the blur one-hot) while still small.
    light, heavy = levels[0], b.resize(levels[1], b.ints([1, 3, *light_grid]), "half_pixel")
    strength = b.setting(settings, S.IDX_BLUR)
    w_blur = b.setting(settings, S.IDX_BG_ONEHOT.start + 1)
    coarse = b.mul(b.add(light, b.mul(strength, b.sub(heavy, light))), b.scale(w_blur, 255.0))
    blurred = b.resize(coarse, b.ints([1, 3, *grid]), "half_pixel")

    top = b.setting(settings, S.IDX_STUDIO_TOP, [1, 3, 1, 1])
    bottom = b.setting(settings, S.IDX_STUDIO_BOTTOM, [1, 3, 1, 1])
    ramp = b.const(np.linspace(0.0, 1.0, grid[0], dtype=np.float32).reshape(1, 1, grid[0], 1))
    w_studio = b.setting(settings, S.IDX_BG_ONEHOT.start + 2)
    studio = b.mul(b.add(top, b.mul(ramp, b.sub(bottom, top))), w_studio)  # [1, 3, h, 1]: a column
    return b.add(blurred, studio)


def _edge_colours(b: GraphBuilder, small: str, alpha: str) -> str:
    """The colour line of the soft edge at grid / UNMIX_POOL, [1, 7, h/4, w/4]: the old-wall colour B and the
    person colour F (BGR 0..255) near the edge, and ``near`` (0..1), how sure both are.

    A camera pixel at partial alpha is ``I = a F + (1 - a) B``: ``engines.edge_alpha`` reads each pixel's own
    alpha from its place on the line from B to F and takes the old background out of the edge colour. F and
    B come from the sure person (alpha above 1 - UNMIX_SURE) and the sure wall (below UNMIX_SURE) around the
    edge by normalised convolution (a cell is sure by its mean alpha); ``near`` fades to 0 where either
    side's weight is under UNMIX_NEAR.
    """
    b.stage = "unmix"
    alpha_c = b.pool(alpha, UNMIX_POOL)
    small_c = b.pool(small, UNMIX_POOL)
    sure_fg = b.clip(b.scale(b.offset(alpha_c, UNMIX_SURE - 1.0), 1.0 / UNMIX_SURE), 0.0, 1.0)
    sure_bg = b.clip(b.scale(b.offset(alpha_c, -UNMIX_SURE), -1.0 / UNMIX_SURE), 0.0, 1.0)
    stack = b.concat([b.mul(small_c, sure_fg), sure_fg, b.mul(small_c, sure_bg), sure_bg], axis=1)
    f_num, f_den, b_num, b_den = b.op("Split", b.gauss(stack, 8, UNMIX_SIGMA, UNMIX_SIGMA), b.ints([3, 1, 3, 1]),
                                      axis=1, n_out=4)
    fg = b.scale(b.div(f_num, b.offset(f_den, _EPS)), 255.0)
    bg = b.scale(b.div(b_num, b.offset(b_den, _EPS)), 255.0)
    near = b.mul(*(b.clip(b.scale(den, 1.0 / UNMIX_NEAR), 0.0, 1.0) for den in (f_den, b_den)))
    return b.concat([bg, fg, near], axis=1)


def _frame_in(b: GraphBuilder, frame: str) -> tuple[str, str]:
    """The uint8 NHWC frame as float32 planar [1,3,H,W], and the frame's shape [1,H,W,3] (int64).

    TensorRT keeps uint8 only on the network's boundary, so the graph casts the input itself and
    transposes floats.
    """
    nhwc = b.op("Cast", frame, to=TensorProto.FLOAT)
    return b.op("Transpose", nhwc, perm=[0, 3, 1, 2]), b.op("Shape", nhwc)


def _to_uint8(b: GraphBuilder, x: str, output: str) -> None:
    """Planar float [1,3,H,W] -> the graph output ``output``: uint8 NHWC, rounded half to even, saturated.

    TensorRT only quantizes to int8 and accepts uint8 only as a network input or output, so the graph
    transposes the floats and spells Clip + Round + Cast out, the final Cast writing the output itself
    (TensorRT fuses them into one kernel).
    """
    rounded = b.op("Round", b.clip(b.op("Transpose", x, perm=[0, 2, 3, 1]), 0.0, 255.0))
    b.nodes.append(helper.make_node("Cast", [rounded], [output], name=f"out/{output}", to=TensorProto.UINT8))


def _nhwc_out(b: GraphBuilder, x: str, output: str) -> None:
    b.nodes.append(helper.make_node("Transpose", [x], [output], name=f"out/{output}", perm=[0, 2, 3, 1]))


def build_studio_graph(
    segmentation: onnx.ModelProto, *, variant: str = "general", target: str = "onnxruntime"
) -> onnx.ModelProto:
    """Compose the per-frame studio graph around ``segmentation`` (NHWC [1,h,w,3] -> [1,h,w,1]).

    ``target``: ``onnxruntime`` or ``tensorrt`` (the form a backend declares in the registry). The
    ``tensorrt`` graph takes the frame and returns the image; the ``onnxruntime`` graph takes the frame
    resized to the grid and returns the maps at the grid, which ``engines.compose`` brings to full size.
    The two compute the same function (module doc); the CPU form's resizes round to uint8 on the way in.
    """
    targets = graph_targets()  # the forms the registered backends declare
    if target not in targets:
        raise EngineError(f"target: expected one of {', '.join(targets)}, found {target!r}", "use onnxruntime")
    if variant not in VARIANTS:
        raise EngineError(f"variant: expected one of {', '.join(VARIANTS)}, found {variant!r}", "use general")
    grid = seg_grid(segmentation)
    if grid != VARIANTS[variant]:
        raise EngineError(
            f"segmentation model for variant {variant!r}: expected a {VARIANTS[variant]} input grid, found {grid}",
            "pass the model that matches the variant",
        )
    on_grid = target in GRID_TARGETS
    b = GraphBuilder()
    b.stage = "pre"
    settings, state_in = INPUTS[1:]
    if on_grid:  # the backend resized the frame to the grid (cv2 INTER_LINEAR, centred)
        planar_small = b.op("Cast", b.op("Transpose", GRID_INPUTS[0], perm=[0, 3, 1, 2]), to=TensorProto.FLOAT)
    else:
        planar, frame_shape = _frame_in(b, INPUTS[0])  # float [1,3,H,W], int64 [1,H,W,3]
        height_width = b.op("Slice", frame_shape, b.ints([1]), b.ints([3]), b.ints([0]))
        planar_small = b.resize(planar, b.ints([1, 3, *grid]), "half_pixel")
    small = b.scale(planar_small, 1.0 / 255.0)  # BGR [0,1]
    seg_input = b.op("Transpose", b.op("Gather", small, b.ints([2, 1, 0]), axis=1), perm=[0, 2, 3, 1])
    luma_weights = b.const(np.array([LUMA_BGR], np.float32))
    # A MatMul over the flattened planes, not a 1x1 Conv: ORT would wrap a Conv in layout reorders.
    luma = b.reshape(b.op("MatMul", luma_weights, b.reshape(small, [1, 3, -1])), [1, 1, *grid])

    prob = b.reshape(_inline(b, segmentation, seg_input, "seg/"), [1, 1, *grid])
    matte = _temporal(b, prob, state_in, settings, grid)
    state_out = b.op("Reshape", matte, b.ints([1, *grid, 1]))
    refined = _colour_guided(b, small, matte, grid)
    # The cut moves out to MATTE_CENTRE (the model's 0.5 crossing sits inside the hair and shoulder
    # edge that people and background removers draw) and the soft band narrows by MATTE_CONTRAST.
    alpha_grid = b.clip(b.offset(b.scale(refined, MATTE_CONTRAST), 0.5 - MATTE_CONTRAST * MATTE_CENTRE), 0.0, 1.0)
    gain = build_relight_gain(b, small, luma, matte, settings)
    backdrop = _background(b, small, matte, settings, grid)
    line = _edge_colours(b, small, alpha_grid)  # per-pixel edge alpha and colour at full size (edge_alpha)
    b.nodes.append(helper.make_node("Identity", [state_out], ["state_out"], name="out/state_out"))

    b.stage = "compose"
    state_info = value_info("state_out", FLOAT, [1, *grid, 1])
    if on_grid:
        for src, dst in ((alpha_grid, "alpha_grid"), (gain, "gain_grid"), (backdrop, "backdrop_grid"),
                         (line, "line_grid")):
            _nhwc_out(b, src, dst)
        coarse = [grid[0] // UNMIX_POOL, grid[1] // UNMIX_POOL]
        inputs = [value_info("frame_grid", UINT8, [1, *grid, 3])]
        outputs = [value_info("alpha_grid", FLOAT, [1, *grid, 1]), value_info("gain_grid", FLOAT, [1, *grid, 3]),
                   value_info("backdrop_grid", FLOAT, [1, *grid, 3]),
                   value_info("line_grid", FLOAT, [1, *coarse, LINE_CHANNELS]), state_info]
    else:
        keep = b.setting(settings, S.IDX_BG_ONEHOT.start)
        # One bilinear resize each for the matte and for the smooth maps (gain, backdrop) together.
        alpha_up = b.resize(alpha_grid, b.concat([b.ints([1, 1]), height_width], axis=0), "half_pixel")
        maps = b.resize(b.concat([gain, backdrop], axis=1), b.concat([b.ints([1, 6]), height_width], axis=0),
                        "half_pixel")
        gain_full, backdrop_full = b.op("Split", maps, b.ints([3, 3]), axis=1, n_out=2)
        line_full = b.resize(line, b.concat([b.ints([1, LINE_CHANNELS]), height_width], axis=0), "half_pixel")
        alpha, correction = refine_graph(b, planar, alpha_up, line_full)
        b.stage = "compose"
        unmixed = b.mul(b.mul(alpha, b.sub(b.const(1.0), keep)), correction)  # the old wall out of the edge
        person_gain = b.add(keep, b.mul(alpha, b.sub(gain_full, keep)))  # keep + alpha * (gain - keep)
        out = b.add(b.add(b.mul(planar, person_gain), unmixed), b.mul(b.sub(b.const(1.0), alpha), backdrop_full))
        _to_uint8(b, out, "image")
        alpha_shape = b.concat([b.op("Slice", frame_shape, b.ints([0]), b.ints([3]), b.ints([0])), b.ints([1])], 0)
        b.nodes.append(helper.make_node("Reshape", [alpha, alpha_shape], ["alpha"], name="out/alpha"))
        inputs = [value_info("frame", UINT8, [1, "H", "W", 3])]
        outputs = [value_info("image", UINT8, [1, "H", "W", 3]), value_info("alpha", FLOAT, [1, "H", "W", 1]),
                   state_info]

    model = b.model(
        inputs=[*inputs, value_info("settings", FLOAT, [S.SETTINGS_SIZE]),
                value_info("state_in", FLOAT, [1, *grid, 1])],
        outputs=outputs,
        name=f"headshot_studio_{variant}_{target}",
        doc="Headshot Studio graph: segmentation, temporal matte, guided refinement, relight, background.",
    )
    onnx.checker.check_model(model)
    return model


def standin_segmentation(grid: tuple[int, int] = (256, 256)) -> onnx.ModelProto:
    """A tiny stand-in with the selfie model's I/O: person = bright pixels, sigmoid(40 (mean RGB - 0.5)).

    Used to test the graph's plumbing on synthetic scenes (a bright disc on a dark wall is a "person"
    whose true edge is known exactly), independent of the real model.
    """
    b = GraphBuilder()
    b.stage = "standin"
    mean = b.op("ReduceMean", "input", axes=[3], keepdims=1)
    mask = b.op("Sigmoid", b.scale(b.offset(mean, -0.5), 40.0))
    b.nodes.append(helper.make_node("Identity", [mask], ["mask"]))
    return b.model(
        [value_info("input", FLOAT, [1, *grid, 3])],
        [value_info("mask", FLOAT, [1, *grid, 1])],
        name="standin_segmentation",
        doc="stand-in segmentation for tests",
    )
