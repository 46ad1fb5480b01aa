"""Still-photo mode: a photo in, the best studio headshot it allows out (``capture --source PHOTO|FOLDER|GLOB``).

A photo is not a live session: there is nobody to coach and no ready moment to wait for. So each photo is
graded once (the same checks as the live coach, in photo words: :mod:`realtime.capture.photo_words`) and
rendered at once:

1. read upright in 8-bit colour (:mod:`realtime.sources.photo_read`: EXIF, HEIC, grey, 16-bit, alpha, CMYK);
2. the studio engine (segmentation + relight) runs on a copy of at most ``ENGINE_PIXELS``; its relight is a
   smooth gain, so the gain (relit / photo) is scaled up and applied to the full-resolution photo;
3. refused, with one line and no files, when no headshot can be made honestly: no face, more than one
   person, eyes surely closed, the face cut off by the photo's edge, a face too small to analyse at all
   (:func:`refusal`); a small face or narrowed eyes are not refused: the headshot is made and the report
   and the console say what is wrong (how small, and the photo size a full portrait needs; "eyes
   narrowed": :data:`realtime.capture.photo_words.EYES_CLOSED_SURE`);
4. the final matte (:mod:`realtime.capture.matting`: the model's closer look at the person, then the
   edge and colour steps) and the backdrop per profile / ``--background``;
   subtle retouch per profile; the crops at native size (``--upscale`` to resize) and an ID crop on a
   uniform light backdrop, never retouched, with headroom made from the backdrop where needed;
5. ``report.json``: every check with its photo words, what a better photo needs, each crop's pixels and
   what it is good for, the photo as read, the engine and timings.
"""

from __future__ import annotations

import json
import time
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from realtime.capture.crops import SCREEN_DPI, crown_cut, id_picture, plan_crops, plan_id, render_crop
from realtime.capture.matting import final_matte, person_seed
from realtime.capture.photo_words import EYES_CLOSED_SURE, grade_photo
from realtime.capture.report import engine_section, package_versions
from realtime.capture.retouch import retouch_skin
from realtime.capture.small_face import FACES_AWAY, find_face
from realtime.capture.writer import encode_jpeg, write_folder
from realtime.sources.photo_read import Photo

REPORT_VERSION = 1
ENGINE_PIXELS = 1920 * 1080  # the engine sees at most this many pixels (its designed frame size)
CUT_TOLERANCE = 0.02  # face mesh points this share of the face size past the edge = face cut off
PHOTO_MIN_CROP = 0.05  # a photo's crop frames the head however small it is in the photo (no "move closer")
# Below this face width (face mesh box, px) a headshot is made but small: the smallest common use, a
# 128 px profile thumbnail, has the face about half the square's width. A warning, not a refusal.
SMALL_FACE_PX = 64
# Below this face width the face mesh is guessing and the photo is refused. Measured on 40 dev segmentation
# photos with a face over 120 px, shrunk until the face was W px wide and found again (second look
# included): mean landmark error against the full-size landmarks, as a share of the face width, median /
# 90th percentile: 48 px 0.015/0.019, 24 px 0.033/0.045, 14 px 0.061/0.087, 10 px 0.081/0.213 (and 2 of
# the 40 faces not found). At 14 px nine in ten faces are placed within a tenth of their width; at 10 px
# one in ten is off by a fifth: the pose, eyes and crop would be guesses.
MIN_FACE_PX = 14
BLUR_WORK_SIGMA = 6.0  # the background blur runs at the scale where its sigma is this many pixels
BLUR_SIGMA = (0.01, 0.04)  # background blur sigma at blur_strength 0 and 1, share of the image diagonal


class Unusable(Exception):
    """A photo that cannot make a headshot; ``str()`` is the one-line reason in photo words."""


@dataclass
class StillResult:
    path: Path
    folder: Path | None = None
    reason: str | None = None
    report: dict[str, Any] | None = None
    seconds: float = 0.0


def engine_pass(engine: Any, settings: Any, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(live matte, relight gain) of one photo, both at its full resolution: the engine runs on a copy of
    at most ENGINE_PIXELS, with nothing carried over from the previous photo (``check`` takes its matte
    this way too)."""
    h, w = image.shape[:2]
    scale = min(1.0, float(np.sqrt(ENGINE_PIXELS / (h * w))))
    small = image if scale == 1.0 else cv2.resize(image, (max(round(w * scale), 2), max(round(h * scale), 2)),
                                                  interpolation=cv2.INTER_AREA)
    engine.reset()  # no matte carried over from the previous photo
    out = engine.run(small, replace(settings, background="keep", smoothing=0.0))
    alpha = np.asarray(out.alpha, np.float32).squeeze()
    gain = (out.image.astype(np.float32) + 1.0) / (small.astype(np.float32) + 1.0)
    gain = cv2.GaussianBlur(gain, (0, 0), 1.5)
    if scale != 1.0:
        alpha = cv2.resize(alpha, (w, h), interpolation=cv2.INTER_LINEAR)
        gain = cv2.resize(gain, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(alpha, 0.0, 1.0), gain


@dataclass
class StillStudio:
    """Opened engine and face analyser for a run of photos (a context manager)."""

    profile: Any
    background: str | None = None
    relight: bool | None = None
    backend: str = "auto"
    precision: str | None = None
    upscale: bool = False
    _stack: ExitStack = field(default_factory=ExitStack)

    def __enter__(self) -> StillStudio:
        from engines.studio import open_studio_engine
        from realtime.face.analyzer import FaceAnalyzer
        from realtime.pipeline import PipelineOptions, studio_settings

        options = PipelineOptions(profile=self.profile.name, background=self.background, relight=self.relight,
                                  mirrored=False)
        self.settings = studio_settings(self.profile, options)
        self.engine = self._stack.enter_context(open_studio_engine(self.backend, precision=self.precision))
        self.analyzer = self._stack.enter_context(FaceAnalyzer(static_images=True))
        self.pose = self._stack.enter_context(open_pose())
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    # --- steps -----------------------------------------------------------------------------------
    def engine_pass(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(live matte, relight gain), both at the photo's full resolution."""
        return engine_pass(self.engine, self.settings, image)

    def segment(self, image: np.ndarray) -> np.ndarray:
        """The live matte alone (for :func:`realtime.capture.matting.person_seed`'s closer look)."""
        return self.engine_pass(image)[0]

    def backdrop(self, image: np.ndarray, alpha: np.ndarray) -> np.ndarray | None:
        """What goes behind the person: None to keep the photo's own background."""
        s = self.settings
        h, w = image.shape[:2]
        if s.background == "studio":
            t = s.to_tensor()
            top, bottom = t[14:17], t[17:20]
            ramp = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
            return np.broadcast_to(top + (bottom - top) * ramp, (h, w, 3)).astype(np.float32)
        if s.background == "blur":
            sigma = (BLUR_SIGMA[0] + (BLUR_SIGMA[1] - BLUR_SIGMA[0]) * s.blur_strength) * float(np.hypot(h, w))
            # A wide blur is low-frequency: done at a scale where sigma is BLUR_WORK_SIGMA px, then scaled up.
            shrink = min(1.0, BLUR_WORK_SIGMA / sigma)
            small = (max(int(w * shrink), 2), max(int(h * shrink), 2))
            weight = cv2.resize((1.0 - alpha).astype(np.float32), small, interpolation=cv2.INTER_AREA)
            pixels = cv2.resize(image, small, interpolation=cv2.INTER_AREA).astype(np.float32)
            num = cv2.GaussianBlur(pixels * weight[..., None], (0, 0), sigma * shrink)
            den = cv2.GaussianBlur(weight, (0, 0), sigma * shrink)
            return cv2.resize(num / np.maximum(den, 1e-3)[..., None], (w, h), interpolation=cv2.INTER_LINEAR)
        return None

    def id_colour(self) -> tuple[float, float, float]:
        """The ID photo's uniform light backdrop (BGR): the id profile's colour."""
        from realtime.coach.profile import load_profile

        profile = self.profile if self.profile.name == "id" else load_profile("id")
        r, g, b = profile.background.colour or (242, 242, 242)
        return float(b), float(g), float(r)

    # --- one photo -------------------------------------------------------------------------------
    def render(self, photo: Photo) -> tuple[dict[str, bytes], dict[str, Any]]:
        """Every file of one photo's capture folder (report last). Raises :class:`Unusable`."""
        from realtime.coach.framing import find_crown

        started = time.perf_counter()
        image = photo.image
        h, w = image.shape[:2]
        live, gain = self.engine_pass(image)
        face, found_by = find_face(self.analyzer, image, live, self.pose)
        graded = grade_photo(image, face, live, self.profile, grayscale=photo.grayscale)
        reason = refusal(face, graded["checks"], found_by)
        if reason:
            raise Unusable(reason)
        t_matte = time.perf_counter()
        matte = final_matte(image, person_seed(self.segment, image, live, face.landmarks), face.landmarks)
        t_matte = time.perf_counter() - t_matte
        relit_fg = np.clip(matte.foreground.astype(np.float32) * gain, 0, 255)
        back = self.backdrop(image, matte.alpha)
        a = matte.alpha[..., None]
        if back is None:  # keep: the photo's own background, the person relit
            relit = image.astype(np.float32) * (1.0 + a * (gain - 1.0))
            processed = np.clip(np.rint(relit), 0, 255).astype(np.uint8)
        else:
            processed = np.clip(np.rint(relit_fg * a + back * (1.0 - a)), 0, 255).astype(np.uint8)
        id_colour = self.id_colour()
        id_image = id_picture(relit_fg, matte.alpha, id_colour)
        retouch = {"enabled": bool(self.profile.retouch_enabled), "strength": float(self.profile.retouch_strength)}
        if retouch["enabled"] and retouch["strength"] > 0:
            processed = retouch_skin(processed, face, retouch["strength"])
        crown_y, from_matte = find_crown(face, matte.alpha)
        plans = plan_crops(face, crown_y, self.profile, upscale=self.upscale, min_height_fraction=PHOTO_MIN_CROP)
        refused: dict[str, str] = {}
        try:
            plans["id"] = plan_id(face, crown_y, self.profile, upscale=self.upscale, pad_ok=True,
                                  cut=crown_cut(face, matte.alpha, crown_y))
        except ValueError as exc:
            plans.pop("id", None)
            refused["id"] = str(exc)
        crops = {name: render_crop(id_image if name == "id" else processed, plan,
                                   backdrop=id_colour if name == "id" else None) for name, plan in plans.items()}
        files: dict[str, bytes] = {"processed.jpg": encode_jpeg(processed, SCREEN_DPI)}
        for name, crop in crops.items():
            files[f"{name}.jpg"] = encode_jpeg(crop, plans[name].dpi)
        report = {
            "report_version": REPORT_VERSION,
            "kind": "still",
            "captured": True,
            "created": datetime.now().isoformat(timespec="seconds"),
            "photo": photo.describe(),
            "headshot": graded["headshot"],
            "needs": graded["needs"],
            "warnings": graded["warnings"] + small_face_warnings(face, plans),
            "face": {"found_by": found_by, "width_px": round(face_width(face), 1),
                     "inter_eye_px": round(float(face.inter_eye_px), 1)},
            "checks": graded["checks"],
            "files": {"processed": "processed.jpg", **{n: f"{n}.jpg" for n in crops}, "report": "report.json"},
            "crops": {n: {**p.as_json(), "head_fraction": round(p.head_fraction(crown_y, face.chin[1]), 4)}
                      for n, p in plans.items()},
            "crops_refused": refused,
            "crown": {"y": round(float(crown_y), 1), "from_matte": bool(from_matte)},
            "image_size": [int(w), int(h)],
            "background": self.settings.background,
            "relight": bool(self.settings.relight),
            "matte": {"method": "final (closer look at the person, lifted, face held, edge colour estimated)",
                      "seconds": round(t_matte, 3)},
            "retouch": retouch,
            "engine": engine_section(self.engine.info.as_dict()),
            "profile": {"name": self.profile.name, "source": self.profile.source},
            "seconds": round(time.perf_counter() - started, 3),
            "versions": package_versions(),
        }
        files["report.json"] = (json.dumps(report, indent=2) + "\n").encode("utf-8")
        return files, report


def open_pose() -> Any:
    """MediaPipe's body pose for photos (model_complexity=1: the model in the wheel), a context manager."""
    import mediapipe as mp

    return mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1)


def refusal(face: Any, checks: dict[str, dict[str, Any]], found_by: str = "") -> str | None:
    """Why no headshot can be made from this photo (photo words), or None."""
    if face is None and found_by == FACES_AWAY:
        return "no face: the person faces away from the camera; use a photo facing the camera"
    if face is None:
        return "no face found: use a photo where your face is clearly visible"
    if not checks["one_person"]["pass"]:
        return f"more than one person ({face.faces} faces): use a photo of you alone"
    width = face_width(face)
    if width < MIN_FACE_PX:  # below it the face mesh is guessing (see MIN_FACE_PX)
        return (f"the face is {width:.0f} px across: too small to analyse; use a photo where the face is "
                f"at least {SMALL_FACE_PX} px across")
    eyes = checks["eyes_open"]
    if not eyes["pass"] and (eyes["value"] or 0.0) < EYES_CLOSED_SURE:  # narrower than any open eye seen
        return "eyes closed: use a photo with your eyes open"
    w, h = face.image_size
    x0, y0, x1, y1 = face.face_box
    slack = CUT_TOLERANCE * max(x1 - x0, y1 - y0)
    if x0 < -slack or y0 < -slack or x1 > w + slack or y1 > h + slack:
        return "the face is cut off by the photo's edge: use a photo that shows the whole face"
    return None


def small_face_warnings(face: Any, plans: dict[str, Any]) -> list[str]:
    """The size warning of a headshot made from a small face (photo words), or nothing."""
    width = face_width(face)
    if width >= SMALL_FACE_PX:
        return []
    scale = SMALL_FACE_PX / max(width, 1.0)
    w, _ = face.image_size
    sizes = ", ".join(f"{n} {p.size[0]}x{p.size[1]}" for n, p in plans.items()) if plans else "none"
    return [f"the face is only {width:.0f} px across: the headshot is small ({sizes} px), fit for thumbnails; "
            f"with the same framing a photo at least {int(np.ceil(w * scale))} px across gives a {SMALL_FACE_PX} px "
            "face (a full portrait needs more: see what a better photo needs)"]


def face_width(face: Any) -> float:
    """The face's width in the photo (face mesh box), px."""
    return float(face.face_box[2] - face.face_box[0])


def capture_photos(paths: list[Path], studio: StillStudio, out_dir: Path, progress: Any = None) -> list[StillResult]:
    """Render each photo into its own capture folder under ``out_dir``; one bad photo does not stop the
    rest (its result carries the reason). ``progress(i, n, path)`` is called before each photo."""
    from realtime.errors import SourceError
    from realtime.sources.photo_read import read_photo

    results: list[StillResult] = []
    for index, path in enumerate(paths):
        if progress is not None:
            progress(index, len(paths), path)
        started = time.perf_counter()
        result = StillResult(path)
        try:
            files, report = studio.render(read_photo(path))
            result.folder = write_folder(out_dir, files)  # SinkError stops the run: --out is unusable
            result.report = report
        except SourceError as exc:
            result.reason = f"cannot read it: {exc.one_line()}"
        except Unusable as exc:
            result.reason = str(exc)
        result.seconds = time.perf_counter() - started
        results.append(result)
    return results
