"""Typed errors. Library code raises these; only ``realtime.cli`` turns them into exit codes and lines.

Every error carries the problem and the fix, so the CLI can print one line that helps.
"""

from __future__ import annotations


class HeadshotError(Exception):
    """Base error: ``problem`` says what went wrong, ``fix`` what the user can do about it."""

    exit_code = 1

    def __init__(self, problem: str, fix: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix

    def one_line(self) -> str:
        return f"{self.problem}: {self.fix}" if self.fix else self.problem


class SourceError(HeadshotError):
    """A frame source could not be opened or read (missing camera, unreadable file, bad spec)."""

    exit_code = 3


class ConfigError(HeadshotError):
    """A profile, flag or setting is invalid."""

    exit_code = 2


class EngineError(HeadshotError):
    """A model or engine could not be built, loaded or run."""

    exit_code = 4


class DisplayError(HeadshotError):
    """No display is available for a window."""

    exit_code = 5


class SinkError(HeadshotError):
    """An output (virtual camera, writer) could not be opened or written."""

    exit_code = 6
