"""Face checks: yaw, pitch, roll, gaze, eyes open, expression, motion.

Signs follow ``FaceObservation``: yaw > 0 when the person turns to their own left, pitch > 0 chin up,
roll > 0 when the head tilts toward the person's left shoulder. Instructions undo the measured turn in
the person's own words.
"""

from __future__ import annotations

from realtime.coach.assessment import CheckResult
from realtime.coach.band import Band, CheckSettings
from realtime.coach.check_base import CheckContext, graded, unmeasured
from realtime.coach.wording import other, screen_arrow

SLIGHT_DEG = 20.0  # turns beyond this are not "slight"


def _degree(excess: float) -> str:
    return "slightly" if abs(excess) < SLIGHT_DEG else "a little more"


def check_yaw(ctx: CheckContext, s: CheckSettings) -> CheckResult:
    """Band ``max_abs_deg``: head turned left/right. Turned to their left (+): turn back to their right."""
    if ctx.face is None:
        return unmeasured(s, passed=False)
    value = ctx.face.yaw_deg
    side = "right" if value > 0 else "left"
    return graded(s, value, f"Turn your head {_degree(value)} to your {side}",
                  arrow=screen_arrow(side, ctx.mirrored))


def check_pitch(ctx: CheckContext, s: CheckSettings) -> CheckResult:
    """Band ``max_abs_deg``: chin up (+) or down (-)."""
    if ctx.face is None:
        return unmeasured(s, passed=False)
    value = ctx.face.pitch_deg
    if value > 0:
        return graded(s, value, f"Lower your chin {_degree(value)}", arrow="down")
    return graded(s, value, f"Raise your chin {_degree(value)}", arrow="up")


def check_roll(ctx: CheckContext, s: CheckSettings) -> CheckResult:
    """Band ``max_abs_deg``: head tilted toward a shoulder; + toward the person's left shoulder."""
    if ctx.face is None:
        return unmeasured(s, passed=False)
    value = ctx.face.roll_deg
    tilted_to = "left" if value > 0 else "right"
    return graded(s, value, f"Level your head: tilt it {_degree(value)} toward your {other(tilted_to)} shoulder",
                  arrow=screen_arrow(other(tilted_to), ctx.mirrored))


def check_gaze(ctx: CheckContext, s: CheckSettings) -> CheckResult:
    """Band ``max``: iris offset from the eye centre / eye width, worse eye."""
    if ctx.face is None:
        return unmeasured(s, passed=False)
    return graded(s, ctx.face.gaze, "Look into the camera lens")


def check_eyes_open(ctx: CheckContext, s: CheckSettings) -> CheckResult:
    """Bands ``min`` (eyelid opening / T, smaller eye) and ``baseline_fraction`` of the person's own
    open-eye level, so narrow eyes are not told to open wider than they do. Blinks are flagged by the
    analyzer and skipped by the coach; a photo with closed eyes fails here."""
    if ctx.face is None:
        return unmeasured(s, passed=False)
    face = ctx.face
    low = s.band.low or 0.0
    if face.eye_open_baseline is not None:
        low = max(low, float(s.params["baseline_fraction"]) * face.eye_open_baseline)
    band = Band(low, None, s.band.close)
    return graded(s, min(face.eye_open_left, face.eye_open_right), "Keep your eyes open", band=band)


def check_expression(ctx: CheckContext, s: CheckSettings) -> CheckResult:
    """Band ``smile_low``-``smile_high`` on the smile score, and ``mouth_open_max`` on the lip gap / T.

    The value is the smile; an open mouth fails even with the smile in band ("Close your mouth"), and so
    does talking in live video (the lip gap swinging open and shut, ``FaceObservation.talking``): a frame
    between two words is not a photo.
    """
    if ctx.face is None:
        return unmeasured(s, passed=False)
    face = ctx.face
    if face.talking:
        return graded(s, face.smile, "Pause talking for the photo", passed=False)
    if face.mouth_open > float(s.params["mouth_open_max"]):
        return graded(s, face.smile, "Close your mouth", passed=False)
    if s.band.high is not None and face.smile > s.band.high:
        return graded(s, face.smile, "Relax your mouth")
    return graded(s, face.smile, "A small smile")


def check_motion(ctx: CheckContext, s: CheckSettings) -> CheckResult:
    """Band ``max_ied_per_s``: mean landmark speed in inter-eye distances per second."""
    if ctx.face is None:
        return unmeasured(s, passed=False)
    return graded(s, ctx.face.motion_ied_per_s, "Hold still")
