"""The window on its own thread: every window call on one thread, show() never waits for the display, the
newest picture wins, keys and the close button come back, a failure to open is raised to the caller."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from realtime.errors import DisplayError
from realtime.sinks.window_thread import ThreadedWindow

WAIT_S = 10.0  # generous: only a broken thread makes a test wait this long


class _FakeWindow:
    """Records which thread makes each call; ``show`` can be held until the test lets it go."""

    def __init__(self, *, fail_open: bool = False, keys: dict[int, int] | None = None) -> None:
        self.fail_open = fail_open
        self.keys = keys or {}  # picture value -> key "pressed" while it is shown
        self.threads: set[str] = set()
        self.shown: list[int] = []
        self.release = threading.Event()
        self.release.set()
        self.entered = threading.Event()  # show() was entered (and may be held)
        self.closed = False
        self.close_calls = 0

    def _call(self) -> None:
        self.threads.add(threading.current_thread().name)

    def open(self) -> None:
        self._call()
        if self.fail_open:
            raise DisplayError("no display to open the preview window on", "use `headshot capture`")

    def show(self, image: np.ndarray) -> int | None:
        self._call()
        self.entered.set()
        self.release.wait()
        self.shown.append(int(image[0, 0, 0]))
        return self.keys.get(int(image[0, 0, 0]))

    def pump(self) -> int | None:
        self._call()
        return None

    def close(self) -> None:
        self._call()
        self.close_calls += 1


def _picture(value: int) -> np.ndarray:
    return np.full((4, 4, 3), value, np.uint8)


def _until(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {WAIT_S} s for {what}")
        time.sleep(0.005)


def test_show_returns_while_the_display_is_busy_and_the_newest_picture_wins() -> None:
    fake = _FakeWindow()
    with ThreadedWindow(fake) as window:
        fake.release.clear()
        window.show(_picture(1))
        assert fake.entered.wait(WAIT_S)  # the display thread is inside show(1), held there
        for value in (2, 3, 4):
            assert window.show(_picture(value)) is None  # returns although the display is still busy
        assert fake.shown == []
        fake.release.set()
        _until(lambda: window.shown == 2, "two pictures shown")
    assert fake.shown == [1, 4]  # 2 and 3 were replaced by newer pictures before the display took them
    assert window.replaced == 2
    assert fake.threads == {"display"}  # open, show, pump and close all on the one display thread
    assert fake.close_calls == 1


def test_keys_come_back_on_the_next_show_and_the_close_button_is_seen() -> None:
    fake = _FakeWindow(keys={7: ord("q")})
    with ThreadedWindow(fake) as window:
        window.show(_picture(7))
        _until(lambda: window.shown == 1, "the picture shown")
        assert window.show(_picture(8)) == ord("q")
        assert not window.closed
        fake.closed = True  # the user closed it with the title-bar button
        window.show(_picture(9))
        _until(lambda: window.closed, "the close seen")
    window.close()  # twice is harmless
    assert fake.close_calls == 1


def test_a_window_that_cannot_open_raises_in_the_callers_thread() -> None:
    window = ThreadedWindow(_FakeWindow(fail_open=True))
    with pytest.raises(DisplayError, match="no display"):
        window.open()
    assert window.closed
    assert window.show(_picture(1)) is None  # nothing shown, nothing raised
