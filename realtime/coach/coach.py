"""The live coach: per-frame checks plus the memory that keeps instructions calm.

Rules (from the guidelines), with the profile's ``[timing]``:

- An instruction appears only after its check has failed on consecutive frames for
  ``instruction_appear_s`` (and on at least two frames, so one bad frame never speaks, whatever the
  frame rate); it leaves only after the check has passed for ``instruction_disappear_s``.
- Blinks are never coached: on a frame the analyzer flags as a blink, eyes-open and gaze keep their
  state instead of counting as failures. A check that could not be measured on a frame (no matte, face
  lost for a frame) keeps its state too; when the face stays away longer than the appear hold, the
  other checks forget their history, so a returning person starts fresh.
- Steady verdicts: a check is *held failing* from the moment its instruction may appear until it has
  passed for the disappear hold. The assessment's checks carry that steady verdict (``passed``,
  ``status``; the frame's own result in ``CheckResult.frame``), so the checklist dot and the words
  follow the same state: a measurement hovering at a band's edge, failing every other frame, neither
  toggles the words on and off nor turns the dot green under them. Only the most important held check
  speaks (the guidelines table order), so no instruction is ever shown against a green dot. A failure
  that limits only the photo's pixels (``CheckResult.refinement``: a face found but small in the frame)
  speaks after every other: what spoils the picture (talking, a turned head, dim light) is said first. Its wording
  changes at most once per appear hold, and an amount ("about 75 cm") only when the estimate moves a
  full rounding step away from the one shown (hysteresis: no 75/80 flip-flop).
- Never two contradicting instructions within ``CONTRADICTION_S``: a check whose arrow is opposite to
  one shown in the last 2 s ("move closer" then "step back", "left" then "right") waits.
- Quiet during a countdown: :meth:`Coach.quiet_until` (the booth's countdown) keeps every instruction
  off until then; during the coach's own ready hold nothing fails, so nothing is said either. The words
  and the arrow of an instruction travel together (``Assessment.arrow``).
- Ready: every check passes for ``ready_hold_s`` and none is held failing (ready and an instruction
  never show together). A blink, or a check failing on a single frame, does not restart that hold;
  ``Assessment.all_passed`` still tells whether this very frame passed, so capture picks its best frame
  among frames that did.

The coach is pure apart from that memory: observations + time in, ``Assessment`` out; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from realtime.coach.assessment import Assessment, CheckResult
from realtime.coach.checks import evaluate, measurements
from realtime.coach.profile import Profile
from realtime.coach.wording import amount_step, rounded
from realtime.face.observation import FaceObservation, LightingObservation
from realtime.face.pose import DEFAULT_FOV_DEG

BLINK_SKIPPED = ("eyes_open", "gaze")  # meaningless while the eyes are shut
MIN_FAIL_FRAMES = 2  # an instruction never comes from fewer consecutive failing frames
CONTRADICTION_S = 2.0  # an instruction opposite to one shown this recently waits
OPPOSITE = {"closer": "back", "back": "closer", "left": "right", "right": "left", "up": "down", "down": "up"}


@dataclass
class _State:
    """Hysteresis memory for one check."""

    fail_since: float | None = None
    fail_frames: int = 0
    pass_since: float | None = None
    active: bool = False
    text: str | None = None
    text_since: float = 0.0
    arrow: str | None = None  # the arrow of ``text``
    amount_cm: float | None = None  # the rounded amount ``text`` names
    status: str = "fail"  # the status of the latest failing frame ("close" or "fail"), shown while held
    refinement: bool = False  # the latest failing frame's result is a refinement (said last)


class Coach:
    """Stateful coach for a live session: ``assess`` once per frame with increasing times."""

    def __init__(self, profile: Profile, *, mirrored: bool = True, fov_deg: float | None = None,
                 background: str | None = None) -> None:
        """``fov_deg``: the camera's horizontal field of view for distance estimates; by default the
        profile's ``camera.fov_deg`` (from calibration), else the face analyzer's default.
        ``background``: the background mode that will be delivered when it is not the profile's
        (``--background``, a live key); the background and backlight checks judge that one."""
        fov_deg = fov_deg if fov_deg is not None else (profile.camera_fov_deg or DEFAULT_FOV_DEG)
        if not 1.0 <= fov_deg <= 179.0:
            raise ValueError(f"expected a field of view between 1 and 179 degrees, got {fov_deg}")
        self._profile = profile
        self._mirrored = mirrored
        self._fov_deg = fov_deg
        self.background = background
        self.reset()

    @property
    def profile(self) -> Profile:
        return self._profile

    @property
    def mirrored(self) -> bool:
        return self._mirrored

    def reset(self) -> None:
        """Forget everything (new person, new session)."""
        self._states: dict[str, _State] = {name: _State() for name in self._profile.checks}
        self._last_t: float | None = None
        self._ready_since: float | None = None
        self._face_lost_since: float | None = None
        self._arrow_shown: dict[str, float] = {}  # arrow -> last time an instruction with it was shown
        self._quiet_until: float | None = None

    def quiet_until(self, t_s: float | None) -> None:
        """Say nothing until ``t_s`` (the booth's countdown: any instruction now would spoil the photo);
        None ends the quiet at once. Checks, ready and hysteresis keep running."""
        self._quiet_until = t_s

    def assess(
        self,
        face: FaceObservation | None,
        lighting: LightingObservation | None,
        alpha: np.ndarray | None,
        t_s: float,
    ) -> Assessment:
        """Grade one frame taken at ``t_s`` seconds (monotonic, never decreasing)."""
        if self._last_t is not None and t_s < self._last_t:
            raise ValueError(f"expected a time at or after {self._last_t:.3f} s, got {t_s:.3f} s")
        self._last_t = t_s
        timing = self._profile.timing
        results, framing = evaluate(face, lighting, alpha, self._profile, mirrored=self._mirrored,
                                    fov_deg=self._fov_deg, background=self.background)
        if face is None:
            self._face_lost_since = t_s if self._face_lost_since is None else self._face_lost_since
            if t_s - self._face_lost_since >= timing.instruction_appear_s:
                for name in self._states:
                    if name != "face_found":
                        self._states[name] = _State()
        else:
            self._face_lost_since = None

        skipped = {name for name, r in results.items() if self._skipped(name, r, face)}
        for name, result in results.items():
            if name not in skipped:
                self._update(self._states[name], result, t_s)

        shown = {name: self._steady(self._states[name], r, name in skipped) for name, r in results.items()}
        speaker = self._speaker(t_s)
        all_passed = all(r.passed for r in results.values())
        settled_fail = any(
            not r.passed and (n not in skipped) and self._states[n].fail_frames >= MIN_FAIL_FRAMES
            for n, r in results.items()
        )
        if face is None or settled_fail:
            self._ready_since = None
        elif all_passed and self._ready_since is None:
            self._ready_since = t_s
        held = any(state.active for state in self._states.values())
        ready = self._ready_since is not None and t_s - self._ready_since >= timing.ready_hold_s and not held
        return Assessment(
            checks=shown,
            instruction=self._states[speaker].text if speaker else None,
            instruction_check=speaker,
            arrow=self._states[speaker].arrow if speaker else None,
            ready=ready,
            all_passed=all_passed,
            crop=framing.crop if framing else None,
            eye_line_y=framing.eye_line_y if framing else None,
            info=measurements(face, lighting, framing, self._fov_deg),
        )

    # -- internals -------------------------------------------------------------------------------
    def _speaker(self, t: float) -> str | None:
        """The check that speaks now: the first one held failing, with words, whose arrow does not undo
        one shown in the last ``CONTRADICTION_S``."""
        if self._quiet_until is not None:
            if t < self._quiet_until:
                return None
            self._quiet_until = None
        # sorted() is stable: table order within each tier, refinements last
        for name, state in sorted(self._states.items(), key=lambda item: item[1].refinement):
            if not (state.active and state.text):
                continue
            opposite = OPPOSITE.get(state.arrow or "")
            if opposite is not None and t - self._arrow_shown.get(opposite, -1e9) < CONTRADICTION_S:
                continue
            if state.arrow is not None:
                self._arrow_shown[state.arrow] = t
            return name
        return None

    @staticmethod
    def _steady(state: _State, result: CheckResult, skipped: bool) -> CheckResult:
        """``result`` as the checklist shows it: failing while the check is held failing (with the words
        and arrow the coach holds), passing otherwise; the frame's own result rides along in ``frame``.
        A check that could not be measured on this frame and is not held stays as measured (unknown)."""
        if state.active:
            status = result.status if not result.passed else state.status
            return replace(result, passed=False, status=status, instruction=state.text or result.instruction,
                           arrow=state.arrow if state.text else result.arrow, frame=result)
        if result.passed or (skipped and not result.measured):
            return result
        return replace(result, passed=True, status="pass", instruction=None, arrow=None, amount_cm=None,
                       frame=result)

    def _keeps_amount(self, state: _State, result: CheckResult) -> bool:
        """Same direction and an amount less than one rounding step from the one shown: keep the words."""
        if state.amount_cm is None or result.amount_cm is None or state.arrow != result.arrow:
            return False
        return abs(result.amount_cm - state.amount_cm) < amount_step(state.amount_cm or result.amount_cm)

    @staticmethod
    def _skipped(name: str, result: CheckResult, face: FaceObservation | None) -> bool:
        if face is None:
            return name != "face_found"
        if face.blinking and name in BLINK_SKIPPED:
            return True
        return not result.measured

    def _update(self, state: _State, result: CheckResult, t: float) -> None:
        timing = self._profile.timing
        if result.passed:
            state.fail_since, state.fail_frames = None, 0
            state.pass_since = t if state.pass_since is None else state.pass_since
            if state.active and t - state.pass_since >= timing.instruction_disappear_s:
                state.active, state.text = False, None
            return
        state.pass_since = None
        state.fail_since = t if state.fail_since is None else state.fail_since
        state.fail_frames += 1
        state.status = result.status
        state.refinement = result.refinement
        if (not state.active and state.fail_frames >= MIN_FAIL_FRAMES
                and t - state.fail_since >= timing.instruction_appear_s):
            state.active = True
        if state.active and result.instruction:
            if state.text is None or (result.instruction != state.text and not self._keeps_amount(state, result)
                                      and t - state.text_since >= timing.instruction_appear_s):
                state.text, state.text_since = result.instruction, t
                state.arrow = result.arrow
                # the amount as worded ("a little" keeps the raw estimate)
                state.amount_cm = None if result.amount_cm is None else (rounded(result.amount_cm)
                                                                         or result.amount_cm)
