"""``headshot check PHOTO... [--profile NAME|PATH] [--json]``: grade existing photos against the guidelines.

Each photo goes through the same checks as the live coach (``evaluate_checks``, unmirrored: a photo shows
the person as the camera saw them), without hold times. Checks that need a person matte (shoulders,
backlight, background; the crown for headroom) use one when a segmenter is available: the studio
engine's matte as still mode takes it, else MediaPipe's selfie segmentation from the pinned wheel; with
``--matte none`` or neither available they read "not measured" and do not fail.

Photo words (issue #15): a photo cannot move closer, so resolution is said in pixels ("too small for a
1080x1350 portrait: use a photo at least N px across"), pose as the photo shows it ("taken from below",
a face on its side as a rotated photo), no colour cast on a grayscale photo, no focus verdict on a face
too small to judge, and a photo with no face is one line (:mod:`realtime.capture.photo_words`). Photos
are read upright (EXIF), HEIC/HEIF, grayscale, 16-bit, alpha and CMYK included
(:mod:`realtime.sources.photo_read`).

Exit codes: 0 every photo passes; 10 at least one does not (it says what a better photo needs); 3 a
photo could not be read (one error line on stderr; the others are still graded); 2 a bad profile.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TextIO

import cv2
import numpy as np

from realtime.coach.assessment import CheckResult
from realtime.coach.profile import DEFAULT_PROFILE, Profile, load_profile
from realtime.errors import HeadshotError
from realtime.mediafiles import PHOTO_SUFFIXES as IMAGE_SUFFIXES

log = logging.getLogger(__name__)

EXIT_NOT_HEADSHOT = 10
EXIT_UNREADABLE = 3
Matte = Callable[[np.ndarray], np.ndarray]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="grade photos against the headshot guidelines",
        description="Grade existing photos (files, or folders of images) against the headshot guidelines.",
    )
    parser.add_argument("photos", nargs="+", metavar="PHOTO", help="image files or folders of images")
    parser.add_argument("--profile", default=DEFAULT_PROFILE, metavar="NAME|PATH",
                        help="built-in profile (professional, id, actor) or a profile .toml file")
    parser.add_argument("--json", action="store_true", help="print one JSON object per photo (JSON lines)")
    parser.add_argument("--matte", choices=("auto", "none"), default="auto",
                        help="segment the person for shoulders, headroom, backlight, background (default auto)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from realtime.errors import SourceError
    from realtime.sources.photo_read import read_photo

    profile = load_profile(args.profile)
    unreadable = failing = 0
    # Imported here: MediaPipe takes a moment to load, and `headshot --help` should not wait for it.
    from realtime.face.analyzer import FaceAnalyzer

    with ExitStack() as stack:
        analyzer = stack.enter_context(FaceAnalyzer(static_images=True))
        matte, matte_name = open_matte(stack) if args.matte == "auto" else (None, None)
        for path, problem in expand(args.photos):
            if problem:
                unreadable += 1
                print(f"headshot: error: {path}: {problem}", file=sys.stderr)
                continue
            try:
                photo = read_photo(path)
            except SourceError as exc:
                unreadable += 1
                print(f"headshot: error: {path}: cannot read it as an image ({exc.problem}): check the file",
                      file=sys.stderr)
                continue
            report = grade(photo.image, analyzer, matte, profile, grayscale=photo.grayscale)
            report["path"] = str(path)
            report["matte"] = matte_name if matte is not None else None
            failing += not report["headshot"]
            if args.json:
                print(json.dumps(report), flush=True)
            else:
                print_table(report, profile, sys.stdout)
    if unreadable:
        return EXIT_UNREADABLE
    return EXIT_NOT_HEADSHOT if failing else 0


def expand(items: list[str]) -> Iterator[tuple[Path, str | None]]:
    """Files as given, folders as their images sorted by name; a problem string for what cannot be used."""
    for item in items:
        path = Path(item)
        if path.is_dir():
            images = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
            if not images:
                yield path, f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in this folder"
            yield from ((p, None) for p in images)
        elif path.is_file():
            yield path, None
        else:
            yield path, "no such file or folder"


def read_image(path: Path) -> np.ndarray | None:
    """BGR uint8, upright, or None when the file is not a readable image (any path encoding)."""
    from realtime.errors import SourceError
    from realtime.sources.photo_read import read_photo

    try:
        return read_photo(path).image
    except SourceError:
        return None


def open_matte(stack: ExitStack) -> tuple[Matte | None, str | None]:
    """A person segmenter for photos: the studio engine's matte, taken as still mode takes it
    (:func:`realtime.capture.still.engine_pass`), else MediaPipe's selfie segmentation when the engine
    cannot start; (None, None) when neither can (the matte checks then read "not measured")."""
    try:
        from engines.settings import StudioSettings
        from engines.studio import open_studio_engine
        from realtime.capture.still import engine_pass

        engine = stack.enter_context(open_studio_engine("auto"))
    except (HeadshotError, RuntimeError, OSError, ValueError) as exc:  # costs only the optional matte
        log.info("engine matte unavailable (%s); trying MediaPipe selfie segmentation", exc)
    else:
        settings = StudioSettings(background="keep", relight=False, smoothing=0.0)
        return (lambda image: engine_pass(engine, settings, image)[0]), "engine"
    try:
        import mediapipe as mp

        segmenter = stack.enter_context(mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0))
    except (ImportError, RuntimeError, ValueError, OSError) as exc:
        log.info("no matte for photos (%s): shoulders, backlight and background are not measured", exc)
        return None, None

    def segment(image: np.ndarray) -> np.ndarray:
        mask = segmenter.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB)).segmentation_mask
        return np.ascontiguousarray(mask, dtype=np.float32)

    return segment, "mediapipe-selfie-segmentation"


def grade(image: np.ndarray, analyzer: Any, matte: Matte | None, profile: Profile, *,
          grayscale: bool = False) -> dict[str, Any]:
    """Every check on one photo, in photo words, as the JSON report (without ``path``)."""
    from realtime.capture.photo_words import grade_photo

    face = analyzer.analyze(image, 0.0)
    alpha = matte(image) if matte is not None and face is not None else None
    report = grade_photo(image, face, alpha, profile, grayscale=grayscale)
    report.pop("needs", None)  # the --json shape stays what it was
    return report


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _band(result: CheckResult) -> str:
    low, high = result.band
    if low is not None and high is not None:
        return f"{_fmt(low)} .. {_fmt(high)}"
    if low is not None:
        return f">= {_fmt(low)}"
    return f"<= {_fmt(high)}" if high is not None else "-"


def print_table(report: dict[str, Any], profile: Profile, out: TextIO) -> None:
    """A readable table: check, value, band, pass (and what to do for the failing ones)."""
    verdict = "headshot" if report["headshot"] else "not a headshot yet"
    faces = report["faces"]
    if faces == 0:
        out.write(f"{report['path']}: no face found: use a photo where your face is clearly visible\n\n")
        return
    out.write(f"{report['path']}: {faces} face{'s' if faces != 1 else ''}, {verdict} ({profile.name} profile)\n")
    out.write(f"  {'check':<20} {'value':>8}  {'band':<14} pass\n")
    for name, data in report["checks"].items():
        result = CheckResult(name=name, value=data["value"], band=tuple(data["band"]), passed=data["pass"],
                             status=data["status"], instruction=data["instruction"], measured=data["measured"])
        if not result.measured and result.passed:
            out.write(f"  {name:<20} {'not measured':>8}\n")
            continue
        mark = {"pass": "yes", "close": "close", "fail": "NO"}[result.status]
        hint = f"  {result.instruction}" if result.instruction else ""
        out.write(f"  {name:<20} {_fmt(result.value):>8}  {_band(result):<14} {mark}{hint}\n")
    for note in report.get("notes", []):
        out.write(f"  note: {note}\n")
    out.write(f"  -> {report['instruction'] or 'Looks good: every check passes.'}\n\n")
