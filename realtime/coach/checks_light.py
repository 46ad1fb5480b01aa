"""Light and image checks: exposure, clipping, evenness, backlight, colour cast, sharpness, background.

All measured on the face skin by ``realtime.face.lighting``; backlight and background need the matte and
report "not measured" (value None, passing) without one, so a photo without a matte is not failed for
what could not be seen.
"""

from __future__ import annotations

import math

from realtime.coach.assessment import CheckResult
from realtime.coach.band import CheckSettings
from realtime.coach.check_base import CheckContext, graded, unmeasured
from realtime.coach.wording import other
from realtime.face.observation import LightingObservation

ADD_LIGHT = "Add light in front of you"
TOO_BRIGHT = "Too bright: step away from the light"
KEY_LIGHT_MIN_DEG = 10.0  # below this the key-light direction is too weak to trust: use the brighter side


def _missing(ctx: CheckContext, s: CheckSettings) -> CheckResult:
    return unmeasured(s, passed=False)


def check_exposure(ctx: CheckContext, s: CheckSettings) -> CheckResult:
    """Band ``low``-``high``: stops from a correct exposure, judged the same whatever the skin tone (eye
    whites, skin highlights and clipping; see ``realtime.face.exposure``)."""
    light = ctx.lighting
    if ctx.face is None or light is None:
        return _missing(ctx, s)
    value = light.exposure_stops
    return graded(s, value, ADD_LIGHT if s.band.low is not None and value < s.band.low else TOO_BRIGHT)


def check_clipping(ctx: CheckContext, s: CheckSettings) -> CheckResult:
    """Band ``max_share``: the larger of the crushed-dark and blown-bright shares of face-skin pixels."""
    light = ctx.lighting
    if ctx.face is None or light is None:
        return _missing(ctx, s)
    bright = light.clipped_bright >= light.clipped_dark
    value = max(light.clipped_bright, light.clipped_dark)
    return graded(s, value, TOO_BRIGHT if bright else ADD_LIGHT)


def light_side(light: LightingObservation) -> str:
    """The person's own side the key light comes from: from its estimated azimuth when clear, else the
    brighter face half."""
    if abs(light.key_light_azimuth_deg) >= KEY_LIGHT_MIN_DEG:
        return "left" if light.key_light_azimuth_deg > 0 else "right"
    return light.brighter_side


def check_evenness(ctx: CheckContext, s: CheckSettings) -> CheckResult:
    """Band ``min``: darker / brighter face half. Names where the light comes from and what to do."""
    light = ctx.lighting
    if ctx.face is None or light is None:
        return _missing(ctx, s)
    side = light_side(light)
    text = f"Light comes from your {side}: turn a little toward it, or add light on your {other(side)}"
    return graded(s, light.evenness, text)


def _behind(ctx: CheckContext, s: CheckSettings, value: float | None, hidden: bool, instruction: str) -> CheckResult:
    """A check on the room behind the person, measured through the matte: "not measured" (passing) without
    one, and reported but never blocking when the delivered background (``hidden``) does not show it."""
    if ctx.face is None or ctx.lighting is None:
        return _missing(ctx, s)
    if value is None:
        return unmeasured(s, passed=True)
    return graded(s, value, None, passed=True) if hidden else graded(s, value, instruction)


def check_backlight(ctx: CheckContext, s: CheckSettings) -> CheckResult:
    """Band ``max``: background luminance / the face level a correct exposure gives (needs the matte).
    Blur keeps the room's light, so only a studio backdrop stops it counting."""
    value = None if ctx.lighting is None else ctx.lighting.backlight
    return _behind(ctx, s, value, ctx.delivered_background == "studio", "Light behind you: face the window instead")


def check_colour_cast(ctx: CheckContext, s: CheckSettings) -> CheckResult:
    """Box ``a_low``-``a_high`` x ``b_low``-``b_high`` in CIELAB: natural skin under neutral light.

    The value is how far (Lab units) the face's mean a*, b* lies outside the box, 0 inside.
    """
    light = ctx.lighting
    if ctx.face is None or light is None:
        return _missing(ctx, s)
    a, b = light.lab_a, light.lab_b
    p = s.params
    da = min(a - p["a_low"], 0.0) or max(a - p["a_high"], 0.0)
    db = min(b - p["b_low"], 0.0) or max(b - p["b_high"], 0.0)
    value = math.hypot(da, db)
    if abs(db) >= abs(da):
        text = ("Light is very warm: use daylight or a neutral white light" if db > 0 else
                "Light is very cold: use daylight or a warmer white light")
    else:
        text = ("Light is tinted magenta: use daylight or a neutral white light" if da > 0 else
                "Light is tinted green: use daylight or a neutral white light")
    return graded(s, value, text)


def check_sharpness(ctx: CheckContext, s: CheckSettings) -> CheckResult:
    """Band ``min``: Laplacian variance on the eye band at a fixed inter-eye scale. Blur while moving is
    motion ("Hold still"); blur while still is focus."""
    light = ctx.lighting
    if ctx.face is None or light is None:
        return _missing(ctx, s)
    moving_limit = ctx.profile.check("motion").band.high
    moving = moving_limit is not None and ctx.face.motion_ied_per_s > moving_limit
    text = "Hold still" if moving else "Camera is out of focus: wait for it to refocus, or clean the lens"
    return graded(s, light.sharpness, text)


def check_background(ctx: CheckContext, s: CheckSettings) -> CheckResult:
    """Band ``max_busyness``: background gradient energy (needs the matte). Passes whenever the profile
    blurs or replaces the background (the mode in effect, profile or ``--background``): then a busy
    background does not show."""
    value = None if ctx.lighting is None else ctx.lighting.background_busyness
    return _behind(ctx, s, value, ctx.delivered_background != "keep",
                   "Background is busy: stand in front of a plain wall, or turn on blur")
