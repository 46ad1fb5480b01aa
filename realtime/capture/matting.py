"""The final-quality matte for a saved photo: a true alpha in the band around the person, the face held
opaque, and the person's own colour at the edge (no background colour survives a new backdrop).

Why: the live matte is the segmentation model's 256x256 grid refined for speed; upscaled to a photo its
edge is a few pixels off and soft, and the live composite blends the *camera's* pixel at partial alpha,
so whatever stood behind the person (a flag, a red wall, bright concrete) shows as a fringe on the new
backdrop. A saved photo can afford a second more, so here:

0. **A closer look** (:func:`person_seed`): the segmentation model sees the whole photo squashed to its
   256x256 grid, so a person standing in a wide photo gets a few dozen grid cells across. The model is run
   again on a crop around the person (the live matte's box plus ``CROP_MARGIN``, not squared: the model
   prefers the person filling its input) and on the same crop mirrored, and the two are averaged. On a
   quarter of the dev photos this raised the matte's boundary IoU from 0.717 to 0.755 (crop alone 0.750;
   square crops 0.740; margins 0.03-0.15 gave 0.741-0.750; mirroring the whole photo instead 0.724).
   Given the face mesh, the head gets a look of its own the same way (a square ``HEAD_CROP`` face sizes
   wide, mirrored too), which replaces the person's look there, feathered over ``HEAD_FEATHER`` of its
   side: final boundary IoU 0.757 -> 0.759 and spill 10.9 -> 10.0 on that quarter (averaging instead of
   replacing: 0.761 / 10.4; a crop 4 face sizes wide: 0.759 / 10.6).
1. **Where the person ends**: the live graph keeps its matte on the thin side (a contrast curve, so a
   live composite shows less old background). On the dev photos its 0.25 level, not its 0.5 level, lies
   on the true edge (boundary IoU 0.69 vs 0.65 cut at 0.5), so the final alpha starts from
   ``live ** GAMMA`` (GAMMA = 0.5 puts the 0.25 level at one half): the same soft edge, moved out.
2. **What is background, by colour**: the local background colour ``B`` (the photo where the live matte
   is sure background, filled inward by a push-pull pyramid) and the person's edge colour ``F`` (the same
   from the sure person) are compared with each pixel of the band: ``w = |I - F|^2 / (|I - F|^2 + |I - B|^2)``
   is how much the pixel looks like the background. Where it does, the lift is withdrawn (alpha goes back
   to at most ``seed ** WITHDRAW_POWER``): the lift reaches out over hair and shoulders, not over the
   wall. The power trades edge position for spill: on the same quarter, seeded by the closer look, 2
   gave boundary IoU 0.739 / spill 8.1, 1.5 gave 0.750 / 9.6, 1.25 gave 0.757 / 10.9, 1 gave 0.765 / 12.8,
   against the live matte's 0.717 / 27.3 (spill must stay at most half the live one); with the head's
   look, 1.1 gave 0.764 / 11.0 and 1 gave 0.768 / 11.7. On all 276 photos, 1.25 without the head's look
   gave +0.026 over live with spill 0.44x: hence 1 (the alpha falls back to the seed itself).
3. **No islands**: a faint patch of seed that is not attached to the person (a shadow, a poster, a bit
   of the head's look beyond the hair) would, lifted, float over the new backdrop as a ghost: every
   region of the seed above ``ISLAND_LEVEL`` that holds no pixel at ``PERSON_LEVEL`` is set to 0, and the
   seed fades faster below that level.
4. **Face and ears opaque**: the face oval from the face mesh, widened at ear height where the live
   matte says person, is alpha 1: no see-through ear or cheek.
5. **The person's colour at the edge**: ``foreground = I' (1 - w) + F w``: a pixel that looks like the old
   background shows the person's neighbouring colour instead, so a composite
   ``foreground x alpha + backdrop x (1 - alpha)`` carries no old background colour at the edge. ``I'`` is
   the pixel un-mixed (:func:`unmix`): the share of the old background ``B`` it holds, read on the line from
   ``B`` to the person's colour a few pixels further in (``UNMIX_ERODE``), is replaced by that colour, where
   the pixel departs from the person toward ``B``; then whatever departure is left in ``B``'s hue (lightness
   apart: a sharpening halo) is taken out. Without it ``w`` (0.5 for a half-and-half pixel) left a quarter of
   a vivid background in the edge: a 1-2 px yellow-green rim of grass round an arm on dev photo 050. On all
   276 photos (engine at 903b9f7): spill 13.61 -> 13.98 with steps 5 and 6 (0.48x live's 29.10; the hue
   step taking out all of the tint: 14.40, half of it: 14.02); the spill figure's reference is the photo's
   own pixel inside the mask, so it counts the photo's own rim as the person's colour and taking it out as
   spill. Boundary IoU unchanged (colour only). At f1adfc1's engine the projection alone gave 13.26 -> 13.35.
6. **No haze**: a faint patch the seed keeps beside the person over a background-coloured area (a blurred
   tree beside the hair, dev photo 001) fades (:func:`fade_haze`); only alpha under one half changes, so
   the boundary IoU cannot move; spill 13.26 -> 13.24 alone (``HAZE_POWER`` 2), 13.35 -> 13.32 after step 5's
   projection (4; both at f1adfc1's engine).

All of it is per-pixel or pyramid work (no solver); colours are compared at up to ``WORK_PIXELS`` and
scaled up, so a 12 MP photo takes seconds, not minutes.

Tried and dropped (on the dev photos, ``headshot eval --only stills``): closed-form matting (Levin et al.,
``pymatting.estimate_alpha_cf``) seeded by a trimap from the live matte lowered boundary IoU (0.635 vs
0.650 with the narrowest band, worse with wider ones: the masks count hair as person, closed-form makes
it partial) and took 3-9 s per 720p frame on two cores; a guided-filter snap of the alpha to the photo's
edges lowered it too (0.64-0.65), and a full-resolution colour guided filter of the closer-look seed
before the colour step lowered it again (0.730 vs 0.739 at r=4; 0.747 vs 0.765 at r=8 with power 1);
un-mixing the foreground with the filled-in background (``(I - (1 - a) B) / a``) raised the spill (14.7-19.4
vs 12.8), and so did replacing more of a background-like pixel's colour (``w`` x 1.5-2 or ``sqrt(w)``:
12.3-13.2 vs 10.9); multilevel foreground estimation (``pymatting.estimate_foreground_ml``)
on the lifted alpha *raised* the spill (41 vs 29, and 14.4 vs 12.8 on the closer-look seed): where the
lift covers background, the composite equation is solved exactly by foreground = background. Un-mixing
every band pixel (no direction gate) raised the spill to 14.70 with F from the sure person's edge (which
leaves the rim: the rim pixels are the "sure" edge) and 17.72 with F from 2 px further in; un-mixing in
place of the ``w`` blend, 13.60.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

GAMMA = 0.5  # lifted alpha = live ** GAMMA: the live 0.25 level becomes the half level
SURE = 0.9  # live matte at or above this is sure person, at or below 1 - SURE sure background
WORK_PIXELS = 1_000_000  # background and person colours are estimated at most at this many pixels
EAR_WIDEN = 0.16  # the face oval is widened this share of the face width each side, at ear height
WITHDRAW_POWER = 1.0  # where a band pixel looks like background, alpha falls back to seed ** this
CROP_MARGIN = 0.10  # the closer look's crop: the person's box grown by this share of its larger side
CROP_LOOK_PX = 512  # the crop is shrunk to at most this side before the model (it sees 256x256 anyway)
HEAD_CROP = 2.5  # the head's look: a square this many face sizes (mesh box, larger side) wide...
HEAD_RAISE = 0.1  # ...centred this share of its side above the face's centre (hair above, not neck)
HEAD_FEATHER = 0.15  # the head's look fades into the person's over this share of its side
ISLAND_LEVEL = 0.1  # seed regions above this level with no pixel at PERSON_LEVEL are islands (dropped)
ISLAND_RIM = 0.01  # with their faint rim out to this share of the image's larger side
PERSON_LEVEL = 0.5  # live matte above this is the person (for the crop's box)
MIN_BLOB_SHARE = 0.05  # blobs smaller than this share of the largest one are left out of the box
UNMIX_ERODE = 3  # the person's colour for un-mixing is taken this many working pixels inside the sure person
UNMIX_COS = 0.8  # un-mixed only where the pixel departs from it toward the background (cosine above this)...
UNMIX_CHROMA = 1.0  # ...and the edge keeps none of the background's hue (share of it taken out; 0 = off)...
UNMIX_CHROMA_FLOOR = 8.0  # ...beyond this many levels (a texture's faint tint is left: no visible rim)
HAZE_REACH = 0.01  # a faint background-coloured patch further than this share of the larger side from the
HAZE_POWER = 4.0  # person (seed half level) fades: alpha x (2 alpha) ** this, fully from twice that distance


@dataclass(frozen=True)
class FinalMatte:
    """Full-resolution alpha (float32 0..1) and foreground colour (BGR uint8) of one photo."""

    alpha: np.ndarray
    foreground: np.ndarray

    def composite(self, backdrop: np.ndarray) -> np.ndarray:
        """The person over ``backdrop`` (BGR uint8, same size, or a single BGR colour)."""
        a = self.alpha[..., None]
        back = np.asarray(backdrop, dtype=np.float32)
        out = self.foreground.astype(np.float32) * a + back * (1.0 - a)
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def face_core(landmarks: np.ndarray | None, shape: tuple[int, int], live: np.ndarray) -> np.ndarray:
    """Face oval plus ears as a bool mask at ``shape``: the convex hull of the face mesh, and boxes widened
    by ``EAR_WIDEN`` at ear height (between the brows and the nose tip) where the live matte says person."""
    core = np.zeros(shape, np.uint8)
    if landmarks is None or len(landmarks) < 3:
        return core.astype(bool)
    pts = np.asarray(landmarks, dtype=np.float32)[:, :2]
    hull = cv2.convexHull(np.round(pts).astype(np.int32))
    cv2.fillConvexPoly(core, hull, 1)
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    fw, fh = x1 - x0, y1 - y0
    ears = np.zeros(shape, np.uint8)
    top, bottom = int(y0 + 0.30 * fh), int(y0 + 0.65 * fh)
    cv2.rectangle(ears, (int(x0 - EAR_WIDEN * fw), top), (int(x1 + EAR_WIDEN * fw), bottom), 1, -1)
    core |= ears & (live > 0.5).astype(np.uint8)
    return core.astype(bool)


def lift(live: np.ndarray) -> np.ndarray:
    """The live matte with its half level moved out to where the person really ends: ``live ** GAMMA``."""
    return np.power(np.clip(live, 0.0, 1.0), GAMMA, dtype=np.float32)


def drop_islands(seed: np.ndarray) -> np.ndarray:
    """``seed`` with every region above ISLAND_LEVEL that has no pixel above PERSON_LEVEL set to 0."""
    count, labels = cv2.connectedComponents((seed > ISLAND_LEVEL).astype(np.uint8), connectivity=8)
    if count < 2:
        return seed
    person = np.zeros(count, bool)
    person[np.unique(labels[seed > PERSON_LEVEL])] = True
    person[0] = True  # below ISLAND_LEVEL: faded (below), not dropped (the faint edge of the person)
    kept = np.where(person[labels], seed, 0.0)
    islands = (~person[labels]).astype(np.uint8)
    if islands.any():  # and the island's own faint rim, so no outline of it is left
        reach = 2 * max(2, round(ISLAND_RIM * max(seed.shape))) + 1
        rim = cv2.dilate(islands, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (reach, reach))) > 0
        kept[rim & (kept < ISLAND_LEVEL)] = 0.0
    # The lift turns a faint 0.04 into 0.2: below ISLAND_LEVEL the seed fades as its square (0.04 -> 0.016,
    # lifted 0.13), so a dropped island leaves no outline and the person no faint veil; the 0.5 cut of the
    # lifted alpha (the seed's 0.25 level) is untouched.
    return np.where(kept < ISLAND_LEVEL, kept * kept / ISLAND_LEVEL, kept).astype(np.float32)


def person_box(live: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) around every sizeable person blob of the live matte, or None when there is none."""
    mask = (live > PERSON_LEVEL).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count < 2:
        return None
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = stats[1:][areas >= MIN_BLOB_SHARE * areas.max()]
    x0, y0 = int(keep[:, 0].min()), int(keep[:, 1].min())
    x1 = int((keep[:, 0] + keep[:, 2]).max())
    y1 = int((keep[:, 1] + keep[:, 3]).max())
    return x0, y0, x1, y1


def look(segment: Callable[[np.ndarray], np.ndarray], image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """``segment`` on ``image[box]`` (shrunk to at most CROP_LOOK_PX) and on its mirror image, averaged,
    at the box's size."""
    x0, y0, x1, y1 = box
    crop = image[y0:y1, x0:x1]
    ch, cw = crop.shape[:2]
    shrink = min(1.0, CROP_LOOK_PX / max(ch, cw))
    if shrink < 1.0:
        crop = cv2.resize(crop, (max(round(cw * shrink), 2), max(round(ch * shrink), 2)), interpolation=cv2.INTER_AREA)
    looks = [np.asarray(segment(np.ascontiguousarray(crop)), np.float32).squeeze(),
             np.asarray(segment(np.ascontiguousarray(crop[:, ::-1])), np.float32).squeeze()[:, ::-1]]
    return np.clip(cv2.resize((looks[0] + looks[1]) * 0.5, (cw, ch), interpolation=cv2.INTER_LINEAR), 0.0, 1.0)


def head_box(landmarks: np.ndarray, shape: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """The head's square (HEAD_CROP face sizes, raised by HEAD_RAISE), clipped to the image, or None."""
    pts = np.asarray(landmarks, np.float32)[:, :2]
    (fx0, fy0), (fx1, fy1) = pts.min(axis=0), pts.max(axis=0)
    side = HEAD_CROP * max(fx1 - fx0, fy1 - fy0)
    cx, cy = (fx0 + fx1) / 2.0, (fy0 + fy1) / 2.0 - HEAD_RAISE * side
    h, w = shape
    x0, y0 = max(int(cx - side / 2), 0), max(int(cy - side / 2), 0)
    x1, y1 = min(int(cx + side / 2), w), min(int(cy + side / 2), h)
    return (x0, y0, x1, y1) if min(x1 - x0, y1 - y0) >= 8 else None


def feather(box: tuple[int, int, int, int], shape: tuple[int, int], width: float) -> np.ndarray:
    """Weight over ``box``: 1 inside, falling to 0 over ``width`` px at each edge that lies inside the image
    (an edge on the image's border needs no fade)."""
    x0, y0, x1, y1 = box
    h, w = shape
    ys, xs = np.mgrid[0:y1 - y0, 0:x1 - x0].astype(np.float32)
    weight = np.ones(ys.shape, np.float32)
    for inside, distance in ((x0 > 0, xs), (y0 > 0, ys), (x1 < w, x1 - x0 - 1 - xs), (y1 < h, y1 - y0 - 1 - ys)):
        if inside:
            weight = np.minimum(weight, distance / max(width, 1.0))
    return np.clip(weight, 0.0, 1.0)


def person_seed(segment: Callable[[np.ndarray], np.ndarray], image: np.ndarray, live: np.ndarray,
                landmarks: np.ndarray | None = None) -> np.ndarray:
    """The closer look (step 0 of the module doc): ``segment`` (BGR uint8 image -> alpha at that image's
    size, no state carried between calls) run on a crop around the person and on its mirror image,
    averaged, background outside the crop; then, given the face mesh ``landmarks``, the head's own look.
    Returns ``live`` when it shows no person."""
    h, w = image.shape[:2]
    live = np.asarray(live, np.float32).squeeze()
    if live.shape != (h, w):
        live = cv2.resize(live, (w, h), interpolation=cv2.INTER_LINEAR)
    box = person_box(live)
    if box is None:
        return np.clip(live, 0.0, 1.0)
    margin = CROP_MARGIN * max(box[2] - box[0], box[3] - box[1])
    x0, y0 = max(int(box[0] - margin), 0), max(int(box[1] - margin), 0)
    x1, y1 = min(int(box[2] + margin), w), min(int(box[3] + margin), h)
    seed = np.zeros((h, w), np.float32)
    seed[y0:y1, x0:x1] = look(segment, image, (x0, y0, x1, y1))
    head = head_box(landmarks, (h, w)) if landmarks is not None and len(landmarks) >= 3 else None
    if head is not None:
        hx0, hy0, hx1, hy1 = head
        weight = feather(head, (h, w), HEAD_FEATHER * max(hx1 - hx0, hy1 - hy0))
        part = seed[hy0:hy1, hx0:hx1]
        seed[hy0:hy1, hx0:hx1] = part * (1.0 - weight) + look(segment, image, head) * weight
    return seed


def fill_from(image: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Float BGR image equal to ``image`` where ``known`` and, elsewhere, the colour of the nearest known
    pixels (push-pull: normalised pyramid down, then up, each level keeping its own known colours)."""
    weight = known.astype(np.float32)
    num = image.astype(np.float32) * weight[..., None]
    levels = []
    while min(weight.shape) > 8:
        levels.append((num, weight))
        num, weight = cv2.pyrDown(num), cv2.pyrDown(weight)
    fill = num / np.maximum(weight, 1e-6)[..., None]
    for num_l, weight_l in reversed(levels):
        up = cv2.resize(fill, (weight_l.shape[1], weight_l.shape[0]), interpolation=cv2.INTER_LINEAR)
        own = num_l / np.maximum(weight_l, 1e-6)[..., None]
        k = np.clip(weight_l * 4.0, 0.0, 1.0)[..., None]
        fill = own * k + up * (1.0 - k)
    return np.where(known[..., None], image.astype(np.float32), fill)


def background_likeness(image: np.ndarray, live: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(w, F, B, F inner): per pixel how much it looks like the local background rather than the person's
    edge (0..1, 0 inside the sure person), the person's edge colour F, the local background colour B and
    the person's colour from a few pixels further in (float BGR)."""
    img = image.astype(np.float32)
    person = fill_from(image, live >= SURE)
    back = fill_from(image, live <= 1.0 - SURE)
    d_person = np.sum((img - person) ** 2, axis=2)
    d_back = np.sum((img - back) ** 2, axis=2)
    w = d_person / np.maximum(d_person + d_back, 1e-3)
    w[live >= SURE] = 0.0
    # The outermost sure-person pixels are themselves a little mixed with the old background (a 1-2 px
    # yellow-green rim of grass round an arm, dev photo 050): the colour un-mixing works from pixels a few
    # pixels further in.
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * UNMIX_ERODE + 1, 2 * UNMIX_ERODE + 1))
    core = cv2.erode((live >= SURE).astype(np.uint8), kernel) > 0
    inner = fill_from(image, core) if core.any() else person
    return w.astype(np.float32), person, back, inner


def unmix(pixels: np.ndarray, person: np.ndarray, back: np.ndarray) -> np.ndarray:
    """Pixels (N x 3 float) with the old background taken out: ``I + (1 - t)(F - B)``, where ``t`` (0..1)
    is where the pixel lies on the line from the background colour B to the person's colour F. A pixel
    mixed from the person and the old background keeps the person's share of its own colour and takes the
    person's inner colour for the rest; where F and B are alike the correction is as small as their
    difference. Applied only where the pixel departs from F *toward* B (cosine above ``UNMIX_COS``): a
    texture (a shadow, a strand of hair) departs in its own direction and is left as it is."""
    diff = person - back
    norm = np.sum(diff * diff, axis=1)
    t = np.clip(np.sum((pixels - back) * diff, axis=1) / np.maximum(norm, 1.0), 0.0, 1.0)
    off = pixels - person
    cos = -np.sum(off * diff, axis=1) / np.maximum(np.linalg.norm(off, axis=1) * np.sqrt(norm), 1e-3)
    gate = np.clip((cos - UNMIX_COS) / (1.0 - UNMIX_COS), 0.0, 1.0)
    out = pixels + ((1.0 - t) * gate)[:, None] * diff
    # A sharpened photo's edge is lighter or darker than both sides and tinted toward the background (the
    # light yellow-green line round dev photo 050's arm and jeans): no mix, so the projection misses it.
    # What is left of its departure from the person's colour in the background's hue (lightness apart) goes.
    if UNMIX_CHROMA > 0:
        grey = np.float32(1.0 / np.sqrt(3.0))
        toward = -diff - np.sum(-diff * grey, axis=1, keepdims=True) * grey  # B - F without its lightness
        unit = toward / np.maximum(np.linalg.norm(toward, axis=1, keepdims=True), 1e-3)
        off = out - person
        along = np.maximum(np.sum(off * unit, axis=1) - UNMIX_CHROMA_FLOOR, 0.0)
        out = out - UNMIX_CHROMA * along[:, None] * unit
    return out


def fade_haze(alpha: np.ndarray, like: np.ndarray, far: np.ndarray, reach: float) -> np.ndarray:
    """Band alpha with faint, background-coloured pixels away from the person faded (a blurred tree kept
    at partial alpha beside the hair, dev photo 001): below one half, ``alpha x (2 alpha) ** HAZE_POWER``,
    weighted by the background likeness and by the distance ``far`` from the seed's half level (nothing
    within ``reach``, fully from twice that): the person's own soft edge lies within reach and is kept.
    Only alpha under one half changes, so where the matte is cut at one half nothing moves."""
    gate = like * np.clip((far - reach) / reach, 0.0, 1.0)
    faded = alpha * np.power(np.clip(2.0 * alpha, 0.0, 1.0), HAZE_POWER)
    return np.where(alpha < 0.5, alpha * (1.0 - gate) + faded * gate, alpha).astype(np.float32)


def final_matte(image: np.ndarray, live_alpha: np.ndarray, landmarks: np.ndarray | None = None) -> FinalMatte:
    """The final matte of ``image`` (BGR uint8) seeded by ``live_alpha`` (any resolution, 0..1) and, when
    given, the face mesh ``landmarks`` (N x 2+ in ``image`` pixels)."""
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected a BGR uint8 image (H, W, 3), got {image.dtype} {image.shape}")
    h, w = image.shape[:2]
    live = np.asarray(live_alpha, np.float32).squeeze()
    if live.shape != (h, w):
        live = cv2.resize(live, (w, h), interpolation=cv2.INTER_LINEAR)
    live = np.clip(live, 0.0, 1.0)
    core = face_core(landmarks, (h, w), live)
    seed = np.where(core, 1.0, drop_islands(live)).astype(np.float32)
    scale = min(1.0, float(np.sqrt(WORK_PIXELS / float(h * w))))
    if scale < 1.0:  # colours are compared at a bounded resolution; both results are smooth across the band
        size = (max(int(round(w * scale)), 2), max(int(round(h * scale)), 2))
        small_likeness, small_person, small_back, small_inner = background_likeness(
            cv2.resize(image, size, interpolation=cv2.INTER_AREA), cv2.resize(seed, size, interpolation=cv2.INTER_AREA))
        likeness = cv2.resize(small_likeness, (w, h), interpolation=cv2.INTER_LINEAR)
        likeness[seed >= SURE] = 0.0
        person = cv2.resize(small_person, (w, h), interpolation=cv2.INTER_LINEAR)
        back = cv2.resize(small_back, (w, h), interpolation=cv2.INTER_LINEAR)
        inner = cv2.resize(small_inner, (w, h), interpolation=cv2.INTER_LINEAR)
    else:
        likeness, person, back, inner = background_likeness(image, seed)
    # Only the band (partial live alpha, or background-like pixels the person's colour reaches) changes:
    # a 12 MP photo's band is a few percent of its pixels.
    band = np.flatnonzero(((seed > 1e-3) & (seed < 1.0 - 1e-3)).ravel())
    alpha = seed.copy()
    foreground = image.copy()
    lifted = lift(seed.ravel()[band])
    like = likeness.ravel()[band]
    flat_alpha = alpha.reshape(-1)
    withdrawn = np.minimum(lifted, np.power(seed.ravel()[band], WITHDRAW_POWER))
    flat_alpha[band] = lifted * (1.0 - like) + withdrawn * like
    far = cv2.distanceTransform((seed < PERSON_LEVEL).astype(np.uint8), cv2.DIST_L2, 3).ravel()[band]
    flat_alpha[band] = fade_haze(flat_alpha[band], like, far, max(HAZE_REACH * max(h, w), 1.0))
    flat_fg = foreground.reshape(-1, 3)
    own = unmix(flat_fg[band].astype(np.float32), inner.reshape(-1, 3)[band], back.reshape(-1, 3)[band])
    mixed = own * (1.0 - like[:, None]) + person.reshape(-1, 3)[band] * like[:, None]
    flat_fg[band] = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
    alpha[core] = 1.0
    return FinalMatte(alpha=alpha, foreground=foreground)
