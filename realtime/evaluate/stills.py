"""The final still matte against today's live matte and the raw model (``headshot eval --only stills``).

On ``DATA/segmentation`` (person photos with pseudo ground-truth masks, 255 = person), each photo is
scaled (bicubic; the mask bilinear, cut at half) to a webcam-like height of ``EVAL_HEIGHT`` px, as the
matte part does, so the 10-px band means what it means on a camera frame. Three mattes:

* ``raw``: the segmentation model alone (our ONNX conversion, bilinear to the frame);
* ``live``: the studio graph's ``alpha`` (what a capture saved until now; relight off, no smoothing);
* ``final``: :func:`realtime.capture.matting.final_matte` seeded by the closer look
  (:func:`realtime.capture.matting.person_seed`: the live graph again on a crop around the person and its
  mirror image) and the face mesh, as still mode renders it.

Figures:

* **boundary IoU**: IoU of the matte cut at 0.5 against the mask, inside the band of ``BAND_PX`` px
  either side of the true edge (where mattes differ), on the real photo with its own background;
* **colour spill**: each photo's person (the mask) is composited by code onto a known saturated
  backdrop (``BACKDROPS``, in turn: red, blue, green, the colours that showed as fringes), and each
  method's output is read back: in the band, the alpha-weighted mean RGB distance (8-bit units)
  between the colour a method puts over a new backdrop (``live`` and ``raw``: the camera's pixel, as
  the live composite does; ``final``: its estimated foreground) and the person's true colour (the
  photo's colour at the nearest mask pixel). Old background at partial alpha counts in full; 0 = no
  background colour survives.

Pseudo ground truth is a commercial remover's, imperfect in hair: differences of a few thousandths of
IoU are noise; the targets (issue #15) are boundary IoU +0.03 over ``live`` and spill at most half.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import cv2
import numpy as np

from realtime.capture.still import MIN_FACE_PX, SMALL_FACE_PX
from realtime.evaluate.matte import BAND_PX, EVAL_HEIGHT, edge_band, load, pairs
from realtime.evaluate.report import Section
from realtime.evaluate.stills_by_eye import LABELS, by_eye_figures
from realtime.evaluate.stills_id import COUNTS

VISIBLE = 0.02  # alpha above this is visible over a new backdrop (counts for spill)
BACKDROPS = ((40, 40, 220), (200, 70, 30), (40, 190, 40))  # BGR: red, blue, green
METHODS = ("raw", "live", "final")


def boundary_iou(alpha: np.ndarray, truth: np.ndarray, band: np.ndarray) -> float:
    pred = alpha[band] >= 0.5
    gt = truth[band]
    union = np.count_nonzero(pred | gt)
    return float(np.count_nonzero(pred & gt) / union) if union else 1.0


def true_colour(image: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Per pixel, the photo's colour at the nearest person (mask) pixel: the person's true colour."""
    _, labels = cv2.distanceTransformWithLabels((~truth).astype(np.uint8), cv2.DIST_L2, 3,
                                                labelType=cv2.DIST_LABEL_PIXEL)
    ys, xs = np.nonzero(truth)
    lut = np.zeros((labels.max() + 1, 3), np.float32)
    lut[labels[ys, xs]] = image[ys, xs]
    return lut[labels]


def spill(alpha: np.ndarray, shown: np.ndarray, truth_colour: np.ndarray, band: np.ndarray) -> float:
    """Alpha-weighted mean RGB distance, in the band, between the colour shown and the true colour."""
    a = alpha[band]
    visible = a > VISIBLE
    if not visible.any():
        return 0.0
    diff = np.linalg.norm(shown[band].astype(np.float32) - truth_colour[band], axis=1)
    return float(np.sum(a[visible] * diff[visible]) / np.sum(a[visible]))


def composite(image: np.ndarray, truth: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    out = np.empty_like(image)
    out[:] = colour
    out[truth] = image[truth]
    return out


Outputs = dict[str, tuple[np.ndarray, np.ndarray]]  # method -> (alpha, colour shown over a new backdrop)
Made = tuple[bool, bool, str | None, bool]  # (one person or none seen, made, the refusal, small face)
IdFlags = dict[str, bool] | None  # the ID crop's check (realtime/evaluate/stills_id.py), for a headshot made


def _open_methods(stack: ExitStack) -> Callable[[np.ndarray, bool], tuple[Outputs, Made, IdFlags]]:


    from engines.settings import StudioSettings
    from engines.studio import open_studio_engine
    from realtime.capture.matting import final_matte, person_seed
    from realtime.face.analyzer import FaceAnalyzer

    raw = stack.enter_context(open_studio_engine("onnxruntime", segmentation_only=True))
    live = stack.enter_context(open_studio_engine("onnxruntime"))
    analyzer = stack.enter_context(FaceAnalyzer(static_images=True))
    from realtime.capture.photo_words import grade_photo
    from realtime.capture.small_face import find_face
    from realtime.capture.still import engine_pass, face_width, open_pose, refusal
    from realtime.evaluate.stills_id import id_crop_check

    pose = stack.enter_context(open_pose())
    from realtime.coach.profile import load_profile

    settings = StudioSettings(relight=False, background="keep", smoothing=0.0)
    profile = load_profile("professional")
    id_profile = load_profile("id")
    id_analyzer = stack.enter_context(FaceAnalyzer(static_images=True))

    def run(image: np.ndarray, check_id: bool = False) -> tuple[Outputs, Made, IdFlags]:
        raw.reset()
        live.reset()
        a_raw = raw.run(image).alpha
        a_live = live.run(image, settings).alpha
        face, found_by = find_face(analyzer, image, a_live, pose)
        def segment(crop: np.ndarray) -> np.ndarray:
            live.reset()
            return np.asarray(live.run(crop, settings).alpha, np.float32).squeeze()

        landmarks = face.landmarks if face is not None else None
        final = final_matte(image, person_seed(segment, image, a_live, landmarks), landmarks)
        why = refusal(face, grade_photo(image, face, a_live, profile)["checks"] if face is not None else {},
                      found_by)
        single = face is None or face.faces <= 1
        small = face is not None and face_width(face) < SMALL_FACE_PX
        flags = None
        if check_id and why is None:
            flags = id_crop_check(image, face, final.alpha, final.foreground, profile, id_profile, id_analyzer,
                                  lambda crop: engine_pass(live, settings, crop)[0])
        return ({"raw": (a_raw, image), "live": (a_live, image), "final": (final.alpha, final.foreground)},
                (single, why is None, why, small), flags)

    return run


def run(data_dir: Path, *, limit: int | None = None, progress: Callable[[str], None] | None = None) -> Section:
    found = pairs(data_dir, limit)
    biou: dict[str, list[float]] = {m: [] for m in METHODS}
    spills: dict[str, list[float]] = {m: [] for m in METHODS}
    seconds: list[float] = []
    made: list[bool] = []
    single_made: dict[str, bool] = {}  # photo stem -> headshot made, for the photos counted single-person
    multi_single_by_eye = 0  # refused as more than one person, one person by eye
    refusals: dict[str, int] = {}
    small_made = 0  # headshots made from a face under SMALL_FACE_PX (with the size warning)
    id_counts = dict.fromkeys(COUNTS, 0)
    with ExitStack() as stack:
        methods = _open_methods(stack)
        for index, (image_path, mask_path) in enumerate(found):
            image, truth = load(image_path, mask_path)
            band = edge_band(truth)
            started = time.perf_counter()
            outputs, (single, ok, why, small), flags = methods(image, True)
            seconds.append(time.perf_counter() - started)
            for key, value in (flags or {}).items():
                id_counts[key] += value
            if single:
                made.append(ok)
                single_made[image_path.stem] = ok
                small_made += ok and small
            multi_single_by_eye += not single and LABELS.get(image_path.stem) == "single"
            if why:
                key = ("face_too_small" if "too small to analyse" in why else "faces_away" if "faces away" in why
                       else why.split(":")[0].split(" (")[0].replace(" ", "_"))
                refusals[key] = refusals.get(key, 0) + 1
            for name, (alpha, _) in outputs.items():
                biou[name].append(boundary_iou(alpha, truth, band))
            colour = BACKDROPS[index % len(BACKDROPS)]
            mixed = composite(image, truth, colour)
            reference = true_colour(image, truth)
            for name, (alpha, shown) in methods(mixed)[0].items():
                spills[name].append(spill(alpha, shown, reference, band))
            if progress is not None:
                progress(f"stills {index + 1}/{len(found)} {image_path.name}")
    figures: dict[str, float | int | str] = {"photos": len(found), "band_px": BAND_PX, "height_px": EVAL_HEIGHT}
    for name in METHODS:
        figures[f"{name}.boundary_iou"] = round(float(np.mean(biou[name])), 4)
        figures[f"{name}.spill"] = round(float(np.mean(spills[name])), 2)
    figures["final.boundary_iou_gain"] = round(figures["final.boundary_iou"] - figures["live.boundary_iou"], 4)
    figures["final.spill_ratio"] = round(figures["final.spill"] / max(figures["live.spill"], 1e-6), 3)
    figures["seconds_per_photo"] = round(float(np.median(seconds)), 2)
    figures["capture.single_person_photos"] = len(made)
    figures["capture.made_share"] = round(float(np.mean(made)), 4) if made else 0.0
    figures["capture.made_small_face"] = int(small_made)
    for key, count in sorted(refusals.items()):
        figures[f"capture.refused.{key}"] = count
    figures.update(by_eye_figures(single_made))
    figures["by_eye.multi_refused_single"] = multi_single_by_eye
    figures.update({f"id_crop.{key}": value for key, value in id_counts.items()})
    return Section(title="Final still matte (issue #15)", markdown=_markdown(figures), figures=figures)


def _markdown(f: dict[str, float | int | str]) -> str:
    rows = "\n".join(f"| {name} | {f[f'{name}.boundary_iou']:.3f} | {f[f'{name}.spill']:.1f} |"
                     for name in METHODS)
    return (
        f"{f['photos']} photos of `segmentation/`, scaled to {f['height_px']} px high; band {f['band_px']} px "
        "either side of the true edge.\n\n"
        "| matte | boundary IoU | colour spill (8-bit RGB distance) |\n|---|---|---|\n"
        f"{rows}\n\n"
        f"Final vs live: boundary IoU {f['final.boundary_iou_gain']:+.3f} (target >= +0.03), spill ratio "
        f"{f['final.spill_ratio']:.2f} (target <= 0.5). Median {f['seconds_per_photo']} s per photo for all "
        "three mattes, the face mesh and the ID crop's check on this machine (speed proper is in `headshot bench`).\n\n"
        f"Still mode (`capture --source PHOTO`, professional profile): a headshot is made for "
        f"{f['capture.made_share']:.1%} of the {f['capture.single_person_photos']} photos where at most one "
        f"person was seen (target >= 95%). {f['capture.made_small_face']} of the headshots come from a face "
        f"under {SMALL_FACE_PX} px across: made at native size, with the size and the photo size a full "
        f"portrait needs in the report (a face under {MIN_FACE_PX} px is refused: too small to analyse). A "
        "face the first look misses is looked for again on an upscaled crop of the head end of the live "
        "matte, then of the head where the body pose puts it; the pose also tells a person seen from behind "
        "(`faces_away`). Refusals by reason (all photos): "
        + (", ".join(f"{k.split('.', 2)[2]} {v}" for k, v in f.items() if k.startswith("capture.refused."))
           or "none") + ".\n\n"
        + _by_eye(f) + _id_crops(f) +
        "Spill: the person is composited by code onto a saturated red, blue or green backdrop; the figure is "
        "the alpha-weighted mean distance, in the band, between the colour put over a new backdrop and the "
        "person's true colour (nearest mask pixel). `raw` and `live` show the camera's pixel at partial "
        "alpha (what the live composite does), so any old backdrop they let through counts; `final` shows "
        "its estimated foreground colour. The masks are a commercial remover's, imperfect in hair.\n"
    )


def _by_eye(f: dict[str, float | int | str]) -> str:
    single = int(f["capture.single_person_photos"])
    allowed = int(f["by_eye.allowed"])
    return (
        f"Read against what the photos allow (each photo refused at b9339c3 looked at by eye, labels in "
        f"`realtime/evaluate/stills_by_eye.py`): of the {f['by_eye.refused']} refusals among the {single} "
        f"photos counted single-person, {f['by_eye.refused_right']} are right by eye (no face, back to the "
        f"camera, profile, face hidden, eyes closed or cast down), {f['by_eye.refused_wrong']} wrong (eyes "
        f"open), {f['by_eye.refused_unsure']} too small to tell, {f['by_eye.refused_unreviewed']} not reviewed. "
        f"By eye {single - allowed} of the {single} cannot make a headshot at all, so at most "
        f"{allowed} ({allowed / max(single, 1):.1%}) can"
        + (": the 95% target is out of reach on this set by any honest means. " if allowed < 0.95 * single else ". ")
        + f"{f['by_eye.made_from_none']} headshots were made from photos labelled no-headshot "
        "(eyes cast down or half closed: made with \"eyes narrowed or half closed\" in what a better photo needs). "
        f"{f['by_eye.groups_counted_single']} of the photos counted single-person show two or more people "
        f"by eye (no face seen: groups from behind); {f['by_eye.multi_refused_single']} photos refused as "
        "more than one person show one person by eye (lamps, a poster, a raised hand taken for a face).\n\n"
    )


def _id_crops(f: dict[str, float | int | str]) -> str:
    made = int(f["id_crop.checked"]) + int(f["id_crop.refused"])
    return (
        f"ID crops (`realtime/evaluate/stills_id.py`: each headshot's ID crop made as still mode makes it, "
        f"without `--upscale`, written as JPEG and graded by `check --profile id`): of {made} headshots, "
        f"{f['id_crop.refused']} had the ID crop refused with a reason (crown cut off, or the photo ends under "
        f"the chin); of the {f['id_crop.checked']} ID crops checked, {f['id_crop.head_size']} pass head size, "
        f"{f['id_crop.headroom']} pass headroom, {f['id_crop.both']} pass both; on "
        f"{f['id_crop.face_not_found']} the check found no face. Crops upscaled (any crop of a headshot): "
        f"{f['id_crop.upscaled']}. Made from the evaluator's photos (scaled to {f['height_px']} px high), not "
        "the original files: the sizes differ from a capture, the framing does not.\n\n"
    )
