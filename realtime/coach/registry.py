"""Every coaching check, declared once, in priority order (the guidelines table, top first, motion moved up).

To add a check: write its function ``check_<name>(ctx, settings) -> CheckResult`` (in ``checks_face``,
``checks_framing`` or ``checks_light``) and add one ``CheckSpec`` below at its priority place. Its profile
keys, band, default "close" margin, what it is judged on and its checklist group come from here alone: the
profile schema and loader, the coach's order, ``JUDGED_ON`` (``headshot check --json``, report.json) and the
window's checklist all read ``CHECKS``. Give its keys ``defaults=`` (or values in ``profiles/professional.toml``,
which the other built-in profiles extend). See ``realtime/coach/check_spec.py`` for what is checked at import.

What a check is judged on: "delivered" = what the studio will hand over (the background decided by the
background mode in effect: blur or a backdrop hides the room; backlight stops counting when a backdrop
replaces the room, and blur keeps its light); "camera" = the camera frame as grabbed (framing, pose, eyes,
gaze, expression, sharpness, motion; light is measured on the frame too, with exposure in stops so that a
skin tone is never read as bad light).
"""

from __future__ import annotations

from realtime.coach import checks_face as face
from realtime.coach import checks_framing as framing
from realtime.coach import checks_light as light
from realtime.coach.check_spec import CheckRegistry, CheckSpec, at_least, at_most, between, fixed, within
from realtime.coach.framing import HEAD_MEASURES
from realtime.coach.profile_schema import Choice, Flag, Num

# The window's checklist rows, in order (``realtime/sinks/groups.py`` shows them).
GROUP_TITLES = ("Framing", "Face the camera", "Eyes", "Expression", "Light", "Background")

_FRAMING = (
    CheckSpec("one_person", framing.check_one_person, {"max_second_face_ratio": Num(0.0, 1.0)},
              band=at_most("max_second_face_ratio"), close=0.05, group="Framing", words="Only you in the picture"),
    CheckSpec("face_found", framing.check_face_found, {"min_inter_eye_px": Num(1.0, 2000.0)},
              band=at_least("min_inter_eye_px"), close=10.0, group="Framing", words="Face found, close enough"),
    # measure: "eye_to_chin" (T / crop height, the guidelines' proxy) or "chin_to_crown" (the ID rule's
    # chin to crown, with hair, / crop height; realtime/coach/framing.py ``head_size_band``).
    CheckSpec("head_size", framing.check_head_size,
              {"low": Num(0.05, 1.0), "high": Num(0.05, 1.0), "measure": Choice(HEAD_MEASURES)},
              band=between("low", "high"), close=0.03, ordered=(("low", "high"),), group="Framing",
              words="Head size", defaults={"measure": HEAD_MEASURES[0]}),
    CheckSpec("horizontal_centring", framing.check_horizontal_centring, {"max_offset_ied": Num(0.0, 5.0)},
              band=within("max_offset_ied"), close=0.1, group="Framing", words="Centred left to right"),
    CheckSpec("eye_line", framing.check_eye_line, {"low": Num(0.0, 1.0), "high": Num(0.0, 1.0)},
              band=between("low", "high"), close=0.03, ordered=(("low", "high"),), group="Framing",
              words="Eyes at the right height"),
    CheckSpec("headroom", framing.check_headroom, {"low": Num(0.0, 0.5), "high": Num(0.0, 0.5)},
              band=between("low", "high"), close=0.03, ordered=(("low", "high"),), group="Framing",
              words="Space above the head"),
    CheckSpec("shoulders", framing.check_shoulders, {"required": Flag(), "min_width_faces": Num(1.0, 6.0)},
              band=at_least("min_width_faces"), close=0.3, group="Framing", words="Shoulders in the picture"),
)
_POSE = (
    CheckSpec("yaw", face.check_yaw, {"max_abs_deg": Num(0.0, 90.0)}, band=within("max_abs_deg"), close=3.0,
              group="Face the camera", words="Head turned to the camera"),
    CheckSpec("pitch", face.check_pitch, {"max_abs_deg": Num(0.0, 90.0)}, band=within("max_abs_deg"), close=3.0,
              group="Face the camera", words="Chin level"),
    CheckSpec("roll", face.check_roll, {"max_abs_deg": Num(0.0, 90.0)}, band=within("max_abs_deg"), close=2.0,
              group="Face the camera", words="Head upright"),
    # Motion speaks before gaze, eyes and expression (the guidelines table puts it last): on a moving head
    # those are passing states, so a person moving and talking hears "Hold still" first (clip d12,
    # docs/QUALITY.md); a turned head still hears the turn first (a turn toward the lens is motion too).
    CheckSpec("motion", face.check_motion, {"max_ied_per_s": Num(0.0, 100.0)}, band=at_most("max_ied_per_s"),
              close=0.2, group="Eyes", words="Holding still"),
    CheckSpec("gaze", face.check_gaze, {"max": Num(0.0, 1.0)}, band=at_most("max"), close=0.04, group="Eyes",
              words="Looking into the lens"),
    CheckSpec("eyes_open", face.check_eyes_open, {"min": Num(0.0, 0.3), "baseline_fraction": Num(0.0, 1.0)},
              band=at_least("min"), close=0.01, group="Eyes", words="Eyes open"),
    CheckSpec("expression", face.check_expression,
              {"smile_low": Num(0.0, 1.0), "smile_high": Num(0.0, 1.0), "mouth_open_max": Num(0.0, 1.0),
               "target": Num(0.0, 1.0)},
              band=between("smile_low", "smile_high"), close=0.1, ordered=(("smile_low", "smile_high"),),
              group="Expression", words="Expression"),
)
_COLOUR_KEY = Num(-128.0, 128.0)
_LIGHT = (
    CheckSpec("exposure", light.check_exposure, {"low": Num(-4.0, 4.0), "high": Num(-4.0, 4.0)},  # stops
              band=between("low", "high"), close=0.05, ordered=(("low", "high"),), group="Light",
              words="Brightness of the face"),
    CheckSpec("clipping", light.check_clipping, {"max_share": Num(0.0, 1.0)}, band=at_most("max_share"),
              close=0.02, group="Light", words="No burnt-out or black patches"),
    CheckSpec("evenness", light.check_evenness, {"min": Num(0.0, 1.0)}, band=at_least("min"), close=0.08,
              group="Light", words="Light even on both sides"),
    CheckSpec("backlight", light.check_backlight, {"max": Num(0.0, 100.0)}, band=at_most("max"), close=0.3,
              judged_on="delivered", group="Light", words="No bright light behind you"),
    # The value is the CIELAB distance outside the natural-skin box the keys draw: the band is 0.
    CheckSpec("colour_cast", light.check_colour_cast,
              {"a_low": _COLOUR_KEY, "a_high": _COLOUR_KEY, "b_low": _COLOUR_KEY, "b_high": _COLOUR_KEY},
              band=fixed(None, 0.0), close=3.0, ordered=(("a_low", "a_high"), ("b_low", "b_high")), group="Light",
              words="Natural colour of the light"),
    CheckSpec("sharpness", light.check_sharpness, {"min": Num(0.0, 1e9)}, band=at_least("min"), close=0.0,
              group="Eyes", words="Eyes sharp"),
    CheckSpec("background", light.check_background, {"max_busyness": Num(0.0, 1e9)}, band=at_most("max_busyness"),
              close=0.0, judged_on="delivered", group="Background", words="Background plain or softened"),
)

CHECKS = CheckRegistry(_FRAMING + _POSE + _LIGHT, GROUP_TITLES)
CHECK_ORDER: tuple[str, ...] = CHECKS.names
JUDGED_ON: dict[str, str] = CHECKS.judged_on
DEFAULT_CLOSE: dict[str, float] = {name: spec.close for name, spec in CHECKS.items()}
