"""The markdown of the clips section: the per-clip table, the failure table, and why the bands are what they are."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from realtime.evaluate.clips import ClipResult

SHOWN_CHECKS = ("face_found", "head_size", "horizontal_centring", "eye_line", "headroom", "shoulders", "yaw",
                "pitch", "gaze", "eyes_open", "expression", "exposure", "evenness", "backlight", "sharpness",
                "motion", "background")

WHY = """
How to read it: every clip runs through `headshot capture --source CLIP` with the default profile (every
frame, not paced). *In window* allows 0.25 s past a labelled window's edge (labels are by eye, 1 fps).
*Top instruction* lists the instructions shown on the most frames; the verdict compares the *kind*
shown on the most frames (back, closer, tilt, still, mouth, turn: amounts do not split it) with the
label's `expect`; *changes / 2-s returns* counts instruction changes and returns of
an instruction within 2 s of being replaced (0 is the goal). The failure table gives the share of frames
on which each check failed (not the instructions shown: hysteresis and priority pick one of them).
"""


def _fmt_window(usable: list[tuple[float, float]]) -> str:
    return ", ".join(f"{a:g}-{b:g}" for a, b in usable) or "none"


def render(results: list[ClipResult], notes: str = "") -> str:
    passed = sum(r.verdict[0] for r in results)
    lines = [f"**{passed} of {len(results)} clips meet the issue's \"Done when\".**", "", WHY.strip(), "",
             "| clip | usable (s) | captured | at (s) | in window | top instruction (share of frames shown) "
             "| changes / 2-s returns | expect | verdict |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        total = sum(r.instructions.values())
        top = "; ".join(f"{t} ({n / max(total, 1):.0%})" for _, t, n in r.top) or "none"
        ok, why = r.verdict
        lines.append(
            f"| {r.name} | {_fmt_window(r.usable)} | {'yes' if r.captured else 'no'} | "
            f"{'' if r.capture_s is None else f'{r.capture_s:.2f}'} | "
            f"{'' if r.in_window is None else ('yes' if r.in_window else 'no')} | {top} | "
            f"{r.changes} / {r.returns} | {r.expect} | {'PASS' if ok else 'FAIL'}: {why} |")
    lines += ["", "Share of frames on which each check failed:", "",
              "| clip | frames | " + " | ".join(SHOWN_CHECKS) + " |",
              "|---|---|" + "---|" * len(SHOWN_CHECKS)]
    for r in results:
        cells = [f"{r.failures.get(c, 0) / max(r.frames, 1):.0%}" if r.failures.get(c) else "" for c in SHOWN_CHECKS]
        lines.append(f"| {r.name} | {r.frames} | " + " | ".join(cells) + " |")
    if notes.strip():
        lines += ["", notes.strip()]
    return "\n".join(lines) + "\n"

NOTES = """
### Why the framing and timing bands are what they are (professional profile, set on these clips)

Before this round (same clips, same commit of everything else): 0 captures in 13 clips; `eye_line` failed on
100% of the frames of d0, d18, d19 (all labelled usable) and `headroom` on 100% of d18 and d19.

- **Eye line 0.30-0.50** (was 0.35-0.45): with the head-size band's top at 0.40 and the crown about 1.1 T
  above the eyes (d19 1.09, d18 1.11, d0 1.05), a crown inside the crop needs the eyes at 0.44 + headroom:
  0.45 could not hold. d0 (usable) reads 0.49, d19 0.46, d18 0.48. Eyes above the middle of the picture is
  the principle; the crop still *aims* at the middle half of the band (0.35-0.45), so a framing that fits
  looks as before.
- **Headroom >= 0.02** (was 0.06): the principle is "the crown inside the picture, not at its edge". d19
  (usable throughout) reads 0.025-0.027 (5-95%), d18 0.021-0.029; d14 (hair cut by the top edge) reads
  0.000 (median). A person run in the matte that reaches the frame's top row now reads as crown at the edge
  (headroom 0), never as a crown clipped to 1.5 T above the forehead (which read d10/d11 as 0.07-0.08).
- **Head size 0.30-0.40 kept**: d19 (usable throughout) reads 0.39-0.405 and fails on 21% of its frames at
  0.40 (d18's usable windows 0.384-0.444); 0.42 was tried, but it moves the crop's aim (the band's middle)
  and shrank the demo's crops below their minimum, so it is left for the next round with a separate aim.
- **Too close means "move back"**: when the ideal crop does not fit in the frame (`limited = frame`), a
  face low in the crop or a crown at the top edge is fixed by stepping back, not by aiming the camera
  (d10, d11, d14, d6 are labelled "move back"; they were told "Sit up tall, or lower the camera").
- **Background: blur by default.** Compared on dev frames (s32, d20, d12, d19, d11: keep / blur / studio side
  by side): the studio backdrop shows every matte error in the hair (a pale halo and cut strands on s32's
  fly-away hair, a hard outline on d20 and d12), while blur hides them and keeps the room's light on the
  face consistent. The `id` profile keeps its uniform light backdrop (the rule requires one). The background
  check reads the mode in effect (profile or `--background`) and is informational when it is blur or
  studio; backlight too when a backdrop replaces the room (blur keeps the room's light, so it still counts).
- **End of a recorded clip**: a clip that ends inside a run of frames passing every check that lasted at
  least half the ready hold (0.35 s) gets the best frame of that run: the footage ended, not the moment.
  d0's two passing runs are 0.38 s (0.00-0.38) and 0.46 s (2.64-3.10): the ready hold (0.7 s) is longer
  than either, so a live camera would have waited; a recording cannot.
- **Calm coach** (tests/coach/test_calm_coach.py): a check is *held* failing from its appear hold until it
  has passed for the disappear hold, and both the checklist dot and the words follow that steady state
  (never an instruction against a green dot, and a check failing every other frame no longer toggles the
  words: that had taken d6 from 15 to 74 changes and d11 from 12 to 47; the failure table above still
  counts each frame's own verdict); ready never comes while a check is held; no instruction whose arrow
  undoes one shown in the last 2 s; distances
  in steps of 5 cm (< 50 cm), 10 cm (< 150 cm), 25 cm, changed only when the estimate moves a full step
  (s13 said 70 and 75 cm alternately, 7 changes; now one wording); `Coach.quiet_until` silences the coach
  during a countdown; the arrow is held with its words.
- **How d19 is captured, and why d18 is coached rather than captured** (measured 2026-12-02 on every
  5th frame). d19 failed exposure on 29% of its frames and heard "Add light in front of you" on 42% of
  its instruction frames: each grin narrowed the eyes, and the little white left reads darker (lid
  shadow, lashes), taking the eye-white cue from about -0.45 to -0.93 stop. The light had not changed, so
  live video now keeps the eye-white level of the last frame with the eyes wide open (at least
  `WIDE_OPEN` of the person's own open level) for `EYE_WHITE_MEMORY_S` while they are narrowed
  (`FaceStage`, `realtime/face/lighting.py`); photos are judged on their own as before (the EV test
  does not change). d19 now fails exposure on 2% of its frames. Also, a ready window cut short by a
  lasting failure takes the best frame that passed since it opened (`CaptureStage._close_window`), as a
  photographer would, instead of dropping it. d19 is captured at 3.50 s; none of the clips without a
  usable moment reaches ready, so none is captured. d18 reads skin highlights -0.90 and eye whites
  -1.22 (estimate -1.06, p10-p90 -1.16..-0.96) against the +-0.8 exposure band, and d19 about -0.7 with its
  eyes wide open: both cues agree these faces are about a stop darker than the median well-exposed portrait (by
  eye: a dim face before a brighter grey wall). Widening the band does not separate them from a 1.5-stop
  under-exposure: at -1.5 EV two light portraits read -0.81 and -1.02, so a +-1.0 band would pass one
  and d18 would still fail it; d18 meets its label by being told to move back.
- **Talking, and what is said first** (d20, d12). A person talking is now seen: the lip gap (inner lips
  / T) swinging by at least 0.06 T against its last turning point, 4 times within 1.5 s
  (`realtime/face/features.py`, `MouthActivity`; live video only). Share of frames marked: d20 81%, d11
  79%, d6 74%, d10 59%, d12 26% (all talking or grimacing); d0, d14, d18 (one yawn), d19 (smiles), s13,
  s20, s29 none; s32 2%. It fails the expression check ("Pause talking for the photo"): a frame between
  two words is not a photo. Two changes to who speaks, both measured here before and after: (1) a face
  found but short of the 90 px inter-eye minimum (d20: 83-85 px, its framing in band) is a *refinement*
  said after every other held check: it limits the photo's pixels, not what it shows, so talking, a
  turned head or dim light is said first (the check still blocks capture and its dot stays red; the
  minimum was not lowered). d20 went from "Move about 5 cm closer" (100%) to "Pause talking" (65%) and
  "Add light" (21%). (2) Motion speaks before gaze, eyes and expression: on a moving head those are
  passing states. d12 (moving and talking) went from "Hold still" 39% / "turn" 35%, 12 changes, to "Hold
  still" 72%, 4 changes; a turned head still hears the turn first (s32: turn 66% + 34%).
"""
