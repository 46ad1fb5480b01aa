"""Framing checks: one person, face found and resolution, head size, centring, eye line, headroom, shoulders.

The framing measurements come from ``framing.compute_framing`` (see its docstring for the crop policy);
each function here only grades one of them and words what to do.
"""

from __future__ import annotations

from realtime.coach.assessment import CheckResult
from realtime.coach.band import CheckSettings
from realtime.coach.check_base import CheckContext, graded, unmeasured
from realtime.coach.wording import amount, move_change_cm, move_words, px_to_cm, screen_arrow

NO_FACE = "Step into the frame and face the camera"
RESOLUTION_MARGIN = 1.1  # ask for this much more than the minimum inter-eye distance, to stay clear of it


def check_one_person(ctx: CheckContext, s: CheckSettings) -> CheckResult:
    """Band ``max_second_face_ratio``: a second face this large (area / largest) is a second person."""
    if ctx.face is None:
        return unmeasured(s, passed=False)
    return graded(s, ctx.face.second_face_ratio, "Only one person in the frame, please")


def check_face_found(ctx: CheckContext, s: CheckSettings) -> CheckResult:
    """Band ``min_inter_eye_px``: enough pixels between the eyes for a sharp, usable crop."""
    face = ctx.face
    if face is None:
        return CheckResult(name=s.name, value=None, band=s.band.as_tuple(), passed=False, status="fail",
                           instruction=NO_FACE)
    wanted = (s.band.low or face.inter_eye_px) * RESOLUTION_MARGIN
    # Inter-eye pixels grow as 1/distance, like any size: move until they reach ``wanted``.
    change = move_change_cm(face, ctx.fov_deg, face.inter_eye_px, wanted)
    return graded(s, face.inter_eye_px, f"{move_words(change)} to the camera", arrow="closer", amount_cm=change,
                  refinement=True)


def check_head_size(ctx: CheckContext, s: CheckSettings) -> CheckResult:
    """Band ``low``-``high``: eye-to-chin / crop height. Too small: closer; too big: back."""
    if ctx.face is None or ctx.framing is None:
        return unmeasured(s, passed=False)
    value = ctx.framing.head_size
    target = ((s.band.low or value) + (s.band.high or value)) / 2.0
    change = move_change_cm(ctx.face, ctx.fov_deg, value, target)
    return graded(s, value, move_words(change), arrow="closer" if value < target else "back", amount_cm=change)


def check_horizontal_centring(ctx: CheckContext, s: CheckSettings) -> CheckResult:
    """Band ``max_offset_ied``: eye midpoint vs crop centre, in inter-eye distances (+ = image right).

    The face right of centre in an unmirrored frame is toward the person's own left, so they move to
    their own right, whatever the preview shows.
    """
    if ctx.face is None or ctx.framing is None:
        return unmeasured(s, passed=False)
    value = ctx.framing.centring
    side = "right" if value > 0 else "left"
    cm = px_to_cm(abs(value) * ctx.face.inter_eye_px, ctx.face)
    text = f"Move {amount(cm)} to your {side}"
    return graded(s, value, text, arrow=screen_arrow(side, ctx.mirrored), amount_cm=cm)


def check_eye_line(ctx: CheckContext, s: CheckSettings) -> CheckResult:
    """Band ``low``-``high``: eye midpoint from the crop top / crop height.

    Eyes too high in the crop means the face is near the frame top (the crop cannot go higher): raise the
    camera. Too low: the face is near the bottom: sit up tall or lower the camera.
    """
    if ctx.face is None or ctx.framing is None:
        return unmeasured(s, passed=False)
    f = ctx.framing
    cm = px_to_cm(abs(ctx.face.eye_mid[1] - f.eye_line_y), ctx.face)
    if s.band.low is not None and f.eye_line < s.band.low:
        return graded(s, f.eye_line, f"Raise the camera {amount(cm)}", arrow="down", amount_cm=cm)
    back = _back_to_fit(ctx)
    if back is not None:  # too close: the crop is the whole frame and still has no room above the eyes
        return graded(s, f.eye_line, move_words(back), arrow="back", amount_cm=back)
    return graded(s, f.eye_line, f"Sit up tall, or lower the camera {amount(cm)}", arrow="up", amount_cm=cm)


def _back_to_fit(ctx: CheckContext) -> float | None:
    """When the ideal crop does not fit in the frame (the person is too close), how far to move (cm,
    negative = back) for it to fit; None otherwise. Then a face too low in the crop, or a crown at the
    frame's top edge, is fixed by moving back, not by aiming the camera: that gives the room above."""
    f, face = ctx.framing, ctx.face
    if f is None or face is None or f.limited != "frame":
        return None
    fw, fh = face.image_size
    wanted = f.ideal_crop[3] - f.ideal_crop[1]
    fits = min(float(fh), fw / ctx.profile.crop.aspect_ratio)
    # A crop height is proportional to 1/distance like any size on the person: move until it fits.
    return min(move_change_cm(face, ctx.fov_deg, wanted, fits), 0.0)


def check_headroom(ctx: CheckContext, s: CheckSettings) -> CheckResult:
    """Band ``low``-``high``: crown (matte, else landmarks) to crop top / crop height.

    Too little room above the head: tilt the camera up (the picture moves down); too much: tilt it down.
    """
    if ctx.face is None or ctx.framing is None:
        return unmeasured(s, passed=False)
    value = ctx.framing.headroom
    if s.band.low is not None and value < s.band.low:
        back = _back_to_fit(ctx)
        if back is not None:  # crown at the frame edge because the person is too close
            return graded(s, value, move_words(back), arrow="back", amount_cm=back)
        return graded(s, value, "Tilt the camera up a little", arrow="down")
    return graded(s, value, "Tilt the camera down a little", arrow="up")


def check_shoulders(ctx: CheckContext, s: CheckSettings) -> CheckResult:
    """Band ``min_width_faces``: the person, in matte rows between the chin and the crop bottom, is this many
    face widths wide on both sides of the face. Needs the matte; ``required = false`` only reports it."""
    if ctx.face is None:
        return unmeasured(s, passed=False)
    if ctx.framing is None or ctx.framing.shoulders is None:
        return unmeasured(s, passed=True)
    value = ctx.framing.shoulders
    if not s.params["required"]:
        return graded(s, value, None, passed=True)
    return graded(s, value, "Step back so your shoulders show", arrow="back")
