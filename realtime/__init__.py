"""Headshot Studio: the live side (sources, loop, face analysis, coaching, capture, sinks, UI, CLI)."""

from __future__ import annotations

__version__ = "0.1.0"
