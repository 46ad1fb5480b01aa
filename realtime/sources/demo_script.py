"""The demo session's script: where the synthetic person is, how big, how tilted and how lit, over time.

It is data so that tests can ask what the person was doing at any moment (e.g. that an auto-capture
happened in the ``hold`` phase). Between two keyframes every value moves with a smoothstep ease; a
keyframe's ``phase`` names what happens from it until the next keyframe.

Units: ``x``, ``y`` are the eye midpoint as fractions of the frame width and height; ``ied`` is the
inter-eye distance in pixels of a 1280 px wide frame (scaled with the frame); ``roll_deg`` > 0 tilts
the head toward the person's left shoulder (clockwise on screen in an unmirrored frame);
``side_light_stops`` > 0 darkens the person's right side (light from their left) by that many stops at
the face edge; ``exposure_stops`` shifts the whole person.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Keyframe:
    t: float
    x: float
    y: float
    ied: float
    roll_deg: float
    side_light_stops: float
    exposure_stops: float
    phase: str


# Side light: 3 stops at the face edge reads evenness 0.40 on this photo, far below any evenness band (the
# photo's own light from the person's right reads 0.69-0.71 unlit; 2 stops read 0.61, at the edge of the
# professional band, so the fault was ambiguous). The lamp comes on quickly (``lamp``, 0.2 s) so that the
# light is plainly wrong until 7.8 s and plainly right from 8.0 s: the coach can only say ready in ``hold``.
_ENTER = dict(x=0.30, y=0.42, ied=48.0, roll_deg=0.0, side_light_stops=3.0, exposure_stops=-0.5)

DEMO_SCRIPT: tuple[Keyframe, ...] = (
    Keyframe(0.0, **_ENTER, phase="enter"),  # off-centre, too small, lit hard from their left
    Keyframe(1.5, **{**_ENTER, "roll_deg": 0.0}, phase="tilt"),
    Keyframe(2.5, **{**_ENTER, "roll_deg": 14.0}, phase="tilted"),
    Keyframe(3.0, **{**_ENTER, "roll_deg": 14.0}, phase="centre"),
    Keyframe(4.0, **{**_ENTER, "x": 0.5, "roll_deg": 14.0}, phase="centred"),
    Keyframe(4.5, **{**_ENTER, "x": 0.5, "roll_deg": 14.0}, phase="closer"),
    Keyframe(5.5, **{**_ENTER, "x": 0.5, "ied": 104.0, "roll_deg": 14.0}, phase="closed_in"),
    Keyframe(6.0, **{**_ENTER, "x": 0.5, "ied": 104.0, "roll_deg": 14.0}, phase="level"),
    Keyframe(6.7, **{**_ENTER, "x": 0.5, "ied": 104.0}, phase="levelled"),
    Keyframe(7.0, **{**_ENTER, "x": 0.5, "ied": 104.0}, phase="light"),  # framed and level, still side-lit
    Keyframe(7.8, **{**_ENTER, "x": 0.5, "ied": 104.0}, phase="lamp"),  # a lamp in front comes on
    Keyframe(8.0, x=0.5, y=0.42, ied=104.0, roll_deg=0.0, side_light_stops=0.0, exposure_stops=0.0,
             phase="settle"),
    Keyframe(8.5, x=0.5, y=0.42, ied=104.0, roll_deg=0.0, side_light_stops=0.0, exposure_stops=0.0,
             phase="hold"),  # framed, level, evenly lit, still: the moment to capture
    Keyframe(13.0, x=0.5, y=0.42, ied=104.0, roll_deg=0.0, side_light_stops=0.0, exposure_stops=0.0,
             phase="end"),
)

DEMO_DURATION_S = DEMO_SCRIPT[-1].t
DEMO_FPS = 30.0
DEMO_SIZE = (1280, 720)


def hold_phase(script: tuple[Keyframe, ...] = DEMO_SCRIPT) -> tuple[float, float]:
    """(start, end) seconds of the final still, well-framed, evenly lit stretch."""
    for current, following in zip(script, script[1:]):
        if current.phase == "hold":
            return current.t, following.t
    raise ValueError("the script has no 'hold' phase")


def _ease(u: float) -> float:
    u = min(1.0, max(0.0, u))
    return u * u * (3.0 - 2.0 * u)


def state_at(t: float, script: tuple[Keyframe, ...] = DEMO_SCRIPT) -> Keyframe:
    """The person's placement and light at time ``t`` (clamped to the script's span)."""
    if t <= script[0].t:
        return script[0]
    for current, following in zip(script, script[1:]):
        if t < following.t:
            u = _ease((t - current.t) / (following.t - current.t))
            values = {
                f.name: getattr(current, f.name) + u * (getattr(following, f.name) - getattr(current, f.name))
                for f in fields(Keyframe)
                if f.name not in ("t", "phase")
            }
            return Keyframe(t=t, phase=current.phase, **values)
    return script[-1]
