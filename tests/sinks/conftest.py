"""Fixtures for the window tests: a real Xvfb display (skipped with a reason when Xvfb is missing)."""

from __future__ import annotations

import pytest

from tests.xvfb import xvfb, xvfb_missing_reason


@pytest.fixture(scope="module")
def xdisplay():
    reason = xvfb_missing_reason()
    if reason:
        pytest.skip(reason)
    with xvfb() as display:
        yield display
