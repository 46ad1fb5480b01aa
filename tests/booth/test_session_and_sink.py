"""Session folders (private, removed when nothing was kept), the shots adapter, and the booth sink's
keys and touch buttons with a fake display and a fake camera button."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import numpy as np
import pytest

from realtime.booth.machine import BoothMachine, BoothTiming, Press, State
from realtime.booth.screens import render
from realtime.booth.session import SessionStore
from realtime.booth.shots import CaptureStageShots, Shot
from realtime.booth.sink import BoothSink
from realtime.errors import SinkError
from realtime.frame import FrameResult


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_session_folder_is_private_and_created_on_first_keep(tmp_path):
    store = SessionStore(tmp_path / "out")
    assert mode(tmp_path / "out") == 0o700
    session = store.start()
    assert not session.folder.exists()
    folder = store.folder_for(session)
    photo = folder / "headshot-1"
    photo.mkdir()
    (photo / "processed.png").write_bytes(b"x")
    store.kept(session, photo)
    assert mode(folder) == 0o700 and mode(photo) == 0o700 and mode(photo / "processed.png") == 0o600
    assert store.end(session) == [photo] and photo.exists()


def test_session_without_kept_photo_leaves_nothing(tmp_path):
    store = SessionStore(tmp_path)
    session = store.start()
    store.folder_for(session)
    assert store.end(session) == [] and not session.folder.exists()


def test_sessions_get_distinct_folders(tmp_path):
    store = SessionStore(tmp_path)
    assert store.start().folder != store.start().folder


def test_unwritable_out_is_a_sink_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(SinkError, match="cannot create the booth folder") as info:
        SessionStore(blocker / "booth")
    assert "--out" in info.value.fix


class FakeShots:
    """A camera button that answers a trigger with a shot (or a failure) on the next poll."""

    def __init__(self, fail: str | None = None):
        self.fail = fail
        self.triggered = 0
        self.kept: list[Path] = []
        self.discarded: list[int] = []
        self.resets = 0
        self._pending = False

    def trigger(self):
        self.triggered += 1
        self._pending = True

    def poll(self):
        if not self._pending:
            return None
        self._pending = False
        return self.fail or Shot(self.triggered, np.full((500, 400, 3), 120, np.uint8))

    def keep(self, shot, folder):
        path = folder / f"headshot-{shot.shot_id}"
        path.mkdir()
        (path / "report.json").write_text("{}")
        self.kept.append(path)
        return path

    def discard(self, shot):
        self.discarded.append(shot.shot_id)

    def reset(self):
        self.resets += 1


class KeyDisplay:
    def __init__(self):
        self.keys: list[int] = []
        self.closed = False
        self.mouse = None

    def on_mouse(self, callback):
        self.mouse = callback

    def show(self, image):
        return self.keys.pop(0) if self.keys else None


class FakeClock:
    """The booth's wall clock in these tests: each scripted frame sets it to the frame's time."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def frame(t: float, face: bool = True) -> FrameResult:
    result = FrameResult(int(t * 10), 0.0, t, np.full((360, 640, 3), 150, np.uint8))
    result.face = object() if face else None  # the booth only asks whether there is one
    return result


def make(tmp_path, shots=None, timing=None):
    display = KeyDisplay()
    shots = shots or FakeShots()
    booth = BoothSink(display, stop=threading.Event(), shots=shots, store=SessionStore(tmp_path),
                      machine=BoothMachine(timing or BoothTiming(countdown_s=1.0)), report=lambda text: None,
                      clock=FakeClock())
    return booth, display, shots


def at(booth, t: float, face: bool = True) -> None:
    """One frame at ``t`` seconds of the fake clock."""
    booth.clock.t = t
    booth.send(frame(t, face))


def run(booth, t0: float, seconds: float, face: bool = True) -> float:
    t = t0
    for _ in range(int(seconds * 10)):
        t += 0.1
        at(booth, t, face)
    return t


def test_touch_buttons_drive_a_session(tmp_path):
    booth, display, shots = make(tmp_path)
    at(booth, 0.0)
    start = next(b for b in booth.buttons if b.press is Press.PRIMARY)
    display.mouse(4, *start.rect[:2])  # cv2.EVENT_LBUTTONUP at the button's corner
    at(booth, 0.1)
    assert booth.machine.state is State.COACHING and shots.resets >= 1
    at(booth, 0.15)  # the next frame draws the coaching screen and its buttons
    take = next(b for b in booth.buttons if b.label == "TAKE PHOTO")
    booth.click(take.rect[0] + 5, take.rect[1] + 5)
    t = run(booth, 0.15, 1.2)
    assert shots.triggered == 1 and booth.machine.state is State.REVIEW
    accept = next(b for b in booth.buttons if b.label == "ACCEPT")
    assert booth.click(accept.rect[0] + 1, accept.rect[1] + 1) is Press.PRIMARY
    assert booth.machine.state is State.DONE and len(shots.kept) == 1
    at(booth, t + 0.1)
    assert booth.view(None).folder == shots.kept[0].parent
    assert booth.click(1, 1) is None  # nothing there
    display.keys.append(ord(" "))
    at(booth, t + 0.2)
    assert booth.machine.state is State.ATTRACT and booth.finished == [[shots.kept[0]]]


def test_retake_key_discards_and_failed_capture_coaches_again(tmp_path):
    booth, display, shots = make(tmp_path)
    display.keys += [ord(" "), ord(" ")]
    run(booth, 0.0, 1.5)
    assert booth.machine.state is State.REVIEW
    display.keys.append(ord("r"))
    run(booth, 1.5, 0.1)
    assert booth.machine.state is State.COACHING and shots.discarded == [1]
    shots.fail = "No face in the last moment: nothing captured"
    display.keys.append(ord(" "))
    run(booth, 1.6, 1.5)
    assert booth.machine.state is State.COACHING and booth.machine.note == shots.fail


def test_quit_key_and_closed_window_stop(tmp_path):
    booth, display, _ = make(tmp_path)
    display.keys.append(ord("q"))
    at(booth, 0.0)
    assert booth.stop.is_set()
    booth2, display2, _ = make(tmp_path)
    display2.closed = True
    at(booth2, 0.0)
    assert booth2.stop.is_set()


def test_leaving_person_ends_session_and_shutdown_keeps_nothing(tmp_path):
    booth, display, shots = make(tmp_path, timing=BoothTiming(leave_s=1.0))
    display.keys.append(ord(" "))
    t = run(booth, 0.0, 0.5)
    run(booth, t, 1.5, face=False)
    assert booth.machine.state is State.ATTRACT and booth.finished == [[]]
    assert list(tmp_path.iterdir()) == []


def test_idle_shows_camera_lost(tmp_path):
    booth, _, _ = make(tmp_path)
    booth.idle("reconnecting")
    image, _ = render(booth.view(None, idle_message="Camera lost, reconnecting"))
    middle = image[320:400]
    assert middle[..., 2].mean() > middle[..., 0].mean() + 30


def test_shots_adapter_refuses_an_auto_or_writing_stage():
    class Stage:
        out_dir = "somewhere"
        auto = False

    with pytest.raises(ValueError, match="manual capture stage"):
        CaptureStageShots(Stage())


def test_accepted_photo_gets_a_link_on_screen_and_goes_to_the_printer(tmp_path):
    from realtime.booth.share import ShareServer

    class FakePrinter:
        def __init__(self):
            self.sent: list[Path] = []

        def submit(self, photo):
            self.sent.append(photo)

    printer = FakePrinter()
    with ShareServer("127.0.0.1", 0) as share:
        display = KeyDisplay()
        shots = FakeShots()
        booth = BoothSink(display, stop=threading.Event(), shots=shots, store=SessionStore(tmp_path),
                          machine=BoothMachine(BoothTiming(countdown_s=1.0)), report=lambda text: None,
                          share=share, printer=printer, clock=FakeClock())
        display.keys += [ord(" "), ord(" ")]
        t = run(booth, 0.0, 1.5)
        assert booth.machine.state is State.REVIEW and booth.view(None).share_qr is None  # nothing accepted yet
        display.keys.append(ord(" "))
        run(booth, t, 0.2)
        view = booth.view(None)
        assert booth.machine.state is State.DONE and printer.sent == shots.kept
        link = share.link(shots.kept[0].parent)
        assert view.share_url == share.url(link) and view.share_qr is link.qr
        assert f"127.0.0.1:{share.port}" in view.share_note
