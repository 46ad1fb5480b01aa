"""The ID crop of each dev photo still mode makes a headshot from, graded by the project's own
``headshot check --profile id`` (issue #15: "every ID crop passes the project's own check on head size and
headroom; no crop is upscaled unless asked").

The crop is made as :meth:`realtime.capture.still.StillStudio.render` makes it (crown from the final matte,
:func:`realtime.capture.crops.plan_id` with room made from the backdrop, the person over the id profile's
uniform backdrop, no ``--upscale``), written as the JPEG still mode writes, read back, and graded by
:func:`realtime.commands.check.grade` with the id profile and the engine's matte, exactly as ``check``
grades a file. The photos are the evaluator's (scaled to its working height), so crop sizes differ from a
capture of the original file; the framing, which is what head size and headroom measure, does not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from realtime.capture.crops import crown_cut, id_picture, plan_crops, plan_id, render_crop
from realtime.capture.still import PHOTO_MIN_CROP
from realtime.capture.writer import encode_jpeg

COUNTS = ("checked", "head_size", "headroom", "both", "refused", "face_not_found", "upscaled")


def id_crop_check(image: np.ndarray, face: Any, alpha: np.ndarray, foreground: np.ndarray, profile: Any,
                  id_profile: Any, analyzer: Any, segment: Callable[[np.ndarray], np.ndarray]) -> dict[str, bool]:
    """Make one photo's crops as still mode does and grade its ID crop; flags named as in ``COUNTS``."""
    from realtime.coach.framing import find_crown
    from realtime.commands.check import grade

    crown_y, _ = find_crown(face, alpha)
    plans = plan_crops(face, crown_y, profile, upscale=False, min_height_fraction=PHOTO_MIN_CROP)
    upscaled = any(p.upscaled for p in plans.values())
    flags = dict.fromkeys(COUNTS, False)
    try:
        plan = plan_id(face, crown_y, profile, upscale=False, pad_ok=True, cut=crown_cut(face, alpha, crown_y))
    except ValueError:
        flags.update(refused=True, upscaled=upscaled)
        return flags
    r, g, b = id_profile.background.colour or (242, 242, 242)
    colour = (float(b), float(g), float(r))
    crop = render_crop(id_picture(foreground.astype(np.float32), alpha, colour), plan, backdrop=colour)
    written = cv2.imdecode(np.frombuffer(encode_jpeg(crop, plan.dpi), np.uint8), cv2.IMREAD_COLOR)
    report = grade(written, analyzer, segment, id_profile)
    checks = report["checks"]
    flags["checked"] = True
    flags["upscaled"] = upscaled or plan.upscaled
    if not report.get("faces"):
        flags["face_not_found"] = True
        return flags
    flags["head_size"] = bool(checks["head_size"]["pass"])
    flags["headroom"] = bool(checks["headroom"]["pass"])
    flags["both"] = flags["head_size"] and flags["headroom"]
    return flags
