"""Fixtures for the window tests: a real Xvfb display (skipped with a reason when Xvfb is missing)."""

from __future__ import annotations

from tests.xvfb import xdisplay

__all__ = ["xdisplay"]
