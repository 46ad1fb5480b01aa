"""Typed errors. Library code raises these; only ``realtime.cli`` turns them into exit codes and lines.

Every error carries the problem and the fix, so the CLI can print one line that helps.
"""

from __future__ import annotations

# The base, config and engine errors live with the engines (the lowest package) so engines/ imports
# nothing from realtime/; these are the same classes, so ``except EngineError`` and exit codes are unchanged.
from engines.errors import ConfigError, EngineError, HeadshotError

__all__ = ["ConfigError", "DisplayError", "EngineError", "HeadshotError", "SinkError", "SourceError"]


class SourceError(HeadshotError):
    """A frame source could not be opened or read (missing camera, unreadable file, bad spec)."""

    exit_code = 3


class DisplayError(HeadshotError):
    """No display is available for a window."""

    exit_code = 5


class SinkError(HeadshotError):
    """An output (virtual camera, writer) could not be opened or written."""

    exit_code = 6
