"""The live session's controls: the one owner of the profile and settings a window or booth may change.

Keys, the booth and sinks send commands here (``set_profile``, ``set_background``, ``set_relight``,
``set_mirrored``, ``new_person``) instead of reaching into stages. A command updates what the session
owns at once (so ``profile``, ``background``, ``relight``, ``mirrored`` read back the new choice), and is
applied to the stages between frames: :class:`realtime.loop.Loop` calls :meth:`Session.apply` at the
top of each frame, which brings the coach, the capture stage (its profile and the size of its frame
ring) and the engine settings to the new choice together, so no frame sees half a change.
Commands may come from any thread; they are applied in the loop's thread, in the order sent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from realtime.pipeline import BACKGROUND_MODES, Pipeline, studio_settings


class Session:
    """Owns the live profile and settings of ``pipeline`` (and of ``capture``, a capture stage, if any)."""

    def __init__(self, pipeline: Pipeline, capture: Any | None = None) -> None:
        self.pipeline = pipeline
        self.capture = capture
        self._lock = threading.Lock()
        self._queued: list[Callable[[], None]] = []
        coach = pipeline.coach.coach
        self._profile = coach.profile
        self._mirrored = bool(coach.mirrored)
        self._settings = pipeline.engine.settings if pipeline.engine is not None else None

    # --- what the session owns (read back at once, also before the next frame applies it) ---------------
    @property
    def options(self) -> Any:
        return self.pipeline.options

    @property
    def engine(self) -> Any | None:
        """The engine stage, or None without one (the keys that need it say so)."""
        return self.pipeline.engine

    @property
    def coach(self) -> Any:
        """The coach now judging frames (a profile or mirror change makes a new one at the next frame)."""
        return self.pipeline.coach.coach

    @property
    def profile(self) -> Any:
        return self._profile

    @property
    def mirrored(self) -> bool:
        return self._mirrored

    @property
    def background(self) -> str:
        return self._settings.background if self._settings is not None else "keep"

    @property
    def relight(self) -> bool:
        return bool(self._settings.relight) if self._settings is not None else False

    # --- commands ------------------------------------------------------------------------------------
    def set_profile(self, name: str) -> None:
        """Switch to profile ``name`` (a bad name raises here, in the caller's thread)."""
        from realtime.coach.profile import load_profile

        profile = load_profile(name)
        settings = studio_settings(profile, self.options)
        self._profile = profile
        if self._settings is not None:
            self._settings = settings
        self._send(lambda: self._apply_profile(profile, settings))

    def set_background(self, mode: str) -> None:
        if mode not in BACKGROUND_MODES:
            raise ValueError(f"expected one of {BACKGROUND_MODES}, got {mode!r}")
        if self._settings is not None:
            self._settings = self._with(background=mode)
        self._send(lambda: self.pipeline.set_background(mode))

    def next_background(self) -> str:
        mode = BACKGROUND_MODES[(BACKGROUND_MODES.index(self.background) + 1) % len(BACKGROUND_MODES)]
        self.set_background(mode)
        return mode

    def set_relight(self, on: bool) -> None:
        if self._settings is not None:
            self._settings = self._with(relight=on)
        self._send(lambda: self.pipeline.set_relight(on))

    def set_mirrored(self, mirrored: bool) -> None:
        """Coach for a mirrored (preview) or unmirrored view."""
        self._mirrored = mirrored
        self._send(lambda: self.pipeline.set_mirrored(mirrored))

    def new_person(self) -> None:
        """The next person steps up: the coach forgets what it said and saw."""
        self._send(lambda: self.pipeline.coach.coach.reset())

    # --- the loop's side -------------------------------------------------------------------------------
    def apply(self) -> None:
        """Apply every command sent since the last frame (the loop calls this at the top of each frame)."""
        with self._lock:
            queued, self._queued = self._queued, []
        for command in queued:
            command()

    def _send(self, command: Callable[[], None]) -> None:
        with self._lock:
            self._queued.append(command)

    def _with(self, **changes: Any) -> Any:
        from dataclasses import replace

        return replace(self._settings, **changes)

    def _apply_profile(self, profile: Any, settings: Any) -> None:
        self.pipeline.apply_profile(profile, settings)
        if self.capture is not None:
            self.capture.set_profile(profile)
