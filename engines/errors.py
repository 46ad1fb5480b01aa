"""The typed errors the engines raise, in the lowest package so ``engines`` needs nothing above it.

``realtime.errors`` re-exports these same classes (``realtime.errors.EngineError is
engines.errors.EngineError``), so ``except EngineError`` and the CLI's exit codes are one thing
everywhere. Every error carries the problem and the fix, so the CLI can print one line that helps.
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


class ConfigError(HeadshotError):
    """A profile, flag or setting is invalid."""

    exit_code = 2


class EngineError(HeadshotError):
    """A model or engine could not be built, loaded or run."""

    exit_code = 4
