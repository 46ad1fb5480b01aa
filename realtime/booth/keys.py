"""The booth's keys, the optional foot pedal, and the words that count things ("1 session", "2 sessions").

One table (:data:`KEY_HELP`) is both what ``headshot booth --help`` lists and what the sink obeys (a test
checks that every key the sink reads is in the help), so the two cannot drift apart.

The pedal: a USB foot pedal is a keyboard that sends one key. It is opt-in (``--pedal-key KEY``): only then
do the screens mention a pedal, and its key becomes the big button. Without it the screens name the keys a
person actually has (space), never a pedal that is not there.
"""

from __future__ import annotations

from realtime.booth.machine import Press
from realtime.errors import ConfigError

KEY_ESC = 27
KEYS: dict[int, Press] = {ord(" "): Press.PRIMARY, 13: Press.PRIMARY, 10: Press.PRIMARY,
                          ord("r"): Press.RETAKE, 8: Press.RETAKE, ord("a"): Press.ANOTHER, ord("x"): Press.CANCEL}
QUIT_KEYS = (KEY_ESC, ord("q"))
KEY_HELP: tuple[tuple[str, str], ...] = (
    ("space, Enter", "the green button: START, TAKE PHOTO (the 3-2-1 starts now), ACCEPT, FINISH"),
    ("r, Backspace", "RETAKE: forget the photo under review and try again"),
    ("a", "ANOTHER: one more photo in the same session (thank-you screen)"),
    ("x", "EXIT: leave the session now (photos not accepted are never written)"),
    ("q, Esc", "quit the booth"),
)
PEDAL_NAMES = {"space": ord(" "), "enter": 13, "return": 13, "tab": 9}


def key_help(pedal: str | None = None) -> str:
    """The ``--help`` epilog: every key, the pedal if one is configured, and touch."""
    lines = ["keys (the window must have focus; a touch screen or mouse presses the on-screen buttons):"]
    lines += [f"  {keys:<14} {what}" for keys, what in KEY_HELP]
    lines.append(f"  {pedal:<14} the pedal: same as space" if pedal else
                 "  a foot pedal (a USB pedal sends a key): --pedal-key KEY makes its key the green button")
    return "\n".join(lines)


def pedal_code(name: str) -> int:
    """The key code (as the window reports it) of ``--pedal-key``: one character, or space/enter/tab."""
    text = name.strip().lower()
    if text in PEDAL_NAMES:
        return PEDAL_NAMES[text]
    if len(text) != 1 or not text.isprintable():
        raise ConfigError(f"expected --pedal-key to be one character or space/enter/tab, got {name!r}",
                          "pass the key your pedal sends, e.g. --pedal-key space or --pedal-key b")
    code = ord(text)
    taken = KEYS.get(code)
    if code in QUIT_KEYS or (taken is not None and taken is not Press.PRIMARY):
        what = "quit" if code in QUIT_KEYS else taken.value  # type: ignore[union-attr]
        raise ConfigError(f"--pedal-key {name!r} is already the booth's {what} key",
                          "set the pedal to send another key (space is the usual one)")
    return code


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 session``, ``2 sessions``, ``0 sessions`` (``many`` for irregular words: photo/photos is regular)."""
    return f"{count} {word if count == 1 else (many or word + 's')}"
