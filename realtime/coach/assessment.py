"""The coach's verdict on one frame: the contract between ``realtime.coach`` and capture, sinks and booth."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CheckResult:
    """One guideline check on one frame.

    ``status`` is "pass", "close" (within a small margin outside the band: shown amber, still failing) or
    "fail". ``instruction`` says what to do (direction and amount) when the check fails, else None.

    ``passed``: from :func:`realtime.coach.checks.evaluate` (a photo, ``headshot check``) the verdict on
    this frame; in a live :class:`realtime.coach.coach.Coach` assessment the coach's *steady* verdict
    (failing once the check has failed for the appear hold, passing again once it has passed for the
    disappear hold), which the checklist shows and the instruction follows, so the two never disagree and
    neither flickers when a measurement hovers at a band's edge. The frame's own result is then in
    ``frame`` (:attr:`passed_on_frame` reads either).
    """

    name: str  # snake_case name from the guidelines: one_person, head_size, yaw, evenness, ...
    value: float | None  # the measurement (None when it could not be measured, e.g. no face)
    band: tuple[float | None, float | None]  # (low, high); None for an open end
    passed: bool
    status: str  # "pass" | "close" | "fail"
    instruction: str | None = None
    # Which way the person's image should move on the screen to fix it ("left", "right", "up", "down"), or
    # "closer"/"back", for an arrow in the preview: left/right depend on whether the preview is mirrored,
    # the wording does not.
    arrow: str | None = None
    # False when the check could not be measured (no matte for backlight/shoulders/background, no face).
    measured: bool = True
    # The amount the instruction asks for (cm, unsigned), when it names one: the coach keeps the words
    # until the amount moves by a full rounding step, so "about 75 cm" does not flip to 80 and back.
    amount_cm: float | None = None
    # The result on this very frame when this one is the coach's steady verdict (None: this one is it).
    frame: CheckResult | None = None
    # A failure that limits only how many pixels the photo gets, not what it shows (a face found but small
    # in the frame): the coach says it only when no other held check has words (see realtime.coach.coach).
    refinement: bool = False

    @property
    def passed_on_frame(self) -> bool:
        """Whether the measurement on this frame lies inside the band (before any hysteresis)."""
        return self.passed if self.frame is None else self.frame.passed

    def as_json(self) -> dict:
        """The frame's own measurement and verdict (a saved photo's report says what is true of it)."""
        if self.frame is not None:
            return self.frame.as_json()
        return {"value": self.value, "band": list(self.band), "pass": self.passed, "status": self.status,
                "measured": self.measured, "instruction": self.instruction}


@dataclass(frozen=True)
class Assessment:
    """Every check in priority order, and the one instruction the coach speaks now (after hysteresis)."""

    # Insertion order = priority order (guidelines table, top first). From the live coach, ``passed`` and
    # ``status`` are its steady verdicts (what the checklist shows), ``frame`` the frame's own result.
    checks: dict[str, CheckResult]
    instruction: str | None  # the single instruction to show now, None when nothing is to be said
    instruction_check: str | None  # which check the instruction belongs to
    ready: bool  # every check has passed for the profile's ready hold time, and none is held failing
    all_passed: bool  # every check passes on this frame (before hold)
    crop: tuple[int, int, int, int] | None  # x0, y0, x1, y1 of the profile's crop in frame pixels
    eye_line_y: float | None = None  # where the eye line should sit in the frame (for the guide)
    arrow: str | None = None  # the arrow that goes with ``instruction`` (held with its words)
    info: dict[str, float] = field(default_factory=dict)  # extra measurements for reports

    @property
    def failing(self) -> list[str]:
        return [name for name, check in self.checks.items() if not check.passed]
