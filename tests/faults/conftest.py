"""Shared inputs of the fault tests: a real photo on disk, the demo's hold frames as a ``--source``, and
the Xvfb display of the window tests (``xdisplay``, from tests/xvfb.py)."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest
from skimage import data

from realtime.sources import register_source, unregister_source
from realtime.sources.frames import FrameListSource
from tests.faults.fakes import hold_frames
from tests.xvfb import xdisplay

__all__ = ["holdframes", "photo", "xdisplay"]


@pytest.fixture(scope="module")
def holdframes():
    """``--source holdframes:x``: the demo's hold stretch, which reaches a capture in a few seconds."""
    frames = hold_frames(105)
    register_source("holdframes", lambda rest, live: FrameListSource(frames))
    yield "holdframes:x"
    unregister_source("holdframes")


@pytest.fixture(scope="module")
def photo(tmp_path_factory) -> Path:
    """The astronaut photo (skimage) written as a PNG."""
    path = tmp_path_factory.mktemp("photo") / "astronaut.png"
    cv2.imwrite(str(path), cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    return path
