"""``headshot capture --source PHOTO|FOLDER|GLOB``: the still-photo side of ``capture`` (issue #15).

Each photo is graded and rendered at once (:mod:`realtime.capture.still`), no live gate. Output: one
capture folder per usable photo; a one-line reason per photo that cannot make a headshot (and no files
for it); progress on stderr for more than one photo. Exit codes: 0 every photo gave a headshot, 10 at
least one could not (the reasons were printed), 3 when a photo could not be read at all (single photo).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_NO_CAPTURE = 10
EXIT_UNREADABLE = 3


def run_still(args: argparse.Namespace) -> int:
    from realtime.capture.still import StillStudio, capture_photos
    from realtime.coach.profile import load_profile
    from realtime.sources.photo_read import expand_photos

    profile = load_profile(args.profile)
    paths = expand_photos(args.source)  # SourceError (exit 3): nothing to read
    many = len(paths) > 1

    def progress(index: int, total: int, path: Path) -> None:
        if many and not args.json:
            print(f"headshot capture: [{index + 1}/{total}] {path.name}", file=sys.stderr, flush=True)

    with StillStudio(profile, background=args.background, relight=args.relight, backend=args.backend,
                     precision=args.precision, upscale=getattr(args, "upscale", False)) as studio:
        results = capture_photos(paths, studio, Path(args.out), progress)
    unreadable = 0
    for result in results:
        if result.folder is not None and result.report is not None:
            _print_one(result.path, result.folder, result.report, args.json)
            continue
        unreadable += (result.reason or "").startswith("cannot read")
        if args.json:
            print(json.dumps({"photo": str(result.path), "captured": False, "reason": result.reason}))
        else:
            print(f"headshot capture: {result.path}: {result.reason}", file=sys.stderr, flush=True)
    made = sum(r.folder is not None for r in results)
    if many and not args.json:
        print(f"headshot capture: {made} of {len(results)} photos made a headshot", file=sys.stderr)
    if unreadable and not many:
        return EXIT_UNREADABLE
    return 0 if made == len(results) else EXIT_NO_CAPTURE


def _print_one(path: Path, folder: Path, report: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps({"photo": str(path), "captured": True, "folder": str(folder),
                          "report": str(folder / "report.json"), "headshot": report["headshot"],
                          "needs": report["needs"], "warnings": report["warnings"],
                          "crops": {n: {"size": c["size"], "upscaled": c["upscaled"], "purpose": c["purpose"]}
                                    for n, c in report["crops"].items()},
                          "crops_refused": report["crops_refused"]}))
        return
    print(f"Captured: {folder}  (from {path}, {report['seconds']:.1f} s)")
    verdict = "every check passes" if report["headshot"] else "made, but a better photo would need:"
    print(f"  {verdict}")
    for need in report["needs"]:
        print(f"    - {need}")
    for warning in report["warnings"]:
        print(f"  note: {warning}")
    for name, crop in report["crops"].items():
        w, h = crop["size"]
        note = " (upscaled)" if crop["upscaled"] else ""
        print(f"  {name}.jpg {w}x{h}{note}: {crop['purpose']}")
    for name, why in report["crops_refused"].items():
        print(f"  {name}: not made: {why}")
