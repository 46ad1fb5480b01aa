"""What every check function receives and how it builds its result.

Each check is one function ``check_<name>(ctx, settings) -> CheckResult``: it reads one measurement,
compares it with the band its profile section names, and words one instruction with direction and
amount. ``ctx`` carries everything measured on the frame, so checks never measure anything themselves
except from the framing already computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from realtime.coach.assessment import CheckResult
from realtime.coach.band import Band, CheckSettings
from realtime.coach.framing import Framing
from realtime.face.observation import FaceObservation, LightingObservation

if TYPE_CHECKING:
    from realtime.coach.profile import Profile


@dataclass(frozen=True)
class CheckContext:
    face: FaceObservation | None
    lighting: LightingObservation | None
    framing: Framing | None
    profile: Profile
    mirrored: bool
    fov_deg: float
    # The background that will be delivered (the profile's mode unless the command line or a live key
    # changed it): "keep", "blur" or "studio". None = the profile's own mode.
    background: str | None = None

    @property
    def delivered_background(self) -> str:
        return self.background or self.profile.background.mode


def graded(settings: CheckSettings, value: float, instruction: str | None, *, arrow: str | None = None,
           band: Band | None = None, passed: bool | None = None, amount_cm: float | None = None,
           refinement: bool = False) -> CheckResult:
    """A measured result: pass/close/fail from the band; the instruction and arrow kept only on failure.

    ``passed`` overrides the band's verdict for checks with a second condition (mouth open, ...);
    ``refinement`` marks a failure that limits only the photo's pixel count (``CheckResult.refinement``).
    """
    band = band or settings.band
    status = band.status(value)
    if passed is False and status == "pass":
        status = "fail"
    ok = status == "pass" if passed is None else passed
    return CheckResult(
        name=settings.name,
        value=float(value),
        band=band.as_tuple(),
        passed=ok,
        status="pass" if ok else status,
        instruction=None if ok else instruction,
        arrow=None if ok else arrow,
        amount_cm=None if ok or amount_cm is None else abs(float(amount_cm)),
        refinement=refinement and not ok,
    )


def unmeasured(settings: CheckSettings, *, passed: bool, instruction: str | None = None) -> CheckResult:
    """A check that could not be measured: no face (fails), or no matte for it (passes, "not measured")."""
    return CheckResult(
        name=settings.name,
        value=None,
        band=settings.band.as_tuple(),
        passed=passed,
        status="pass" if passed else "fail",
        instruction=instruction,
        measured=False,
    )
