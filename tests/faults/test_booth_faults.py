"""The kiosk with a full disk: a photo the person accepted is kept in memory, the screen says it is safe,
the booth carries on, and the photo is written (private) once there is room. The real pipeline, capture
stage and booth sink on the demo's hold stretch; the disk is a real 256 kB tmpfs."""

from __future__ import annotations

import stat
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from realtime.booth import sink as booth_sink
from realtime.booth.machine import BoothMachine, BoothTiming, State
from realtime.booth.session import SessionStore
from realtime.booth.shots import CaptureStageShots
from realtime.booth.sink import SAVING_NOTE, BoothSink
from realtime.capture.stage import CaptureStage
from realtime.loop import BaseSink, Loop
from realtime.pipeline import PipelineOptions, open_pipeline
from realtime.sources.frames import FrameListSource
from tests.faults.fakes import hold_frames
from tests.faults.mounts import mount_unavailable, remount, tmpfs


class PressingDisplay:
    """The kiosk screen and its big button: pressed once in each of the states listed."""

    closed = False

    def __init__(self, press_in: tuple[State, ...]) -> None:
        self.press_in = list(press_in)
        self.booth: BoothSink | None = None

    def show(self, image: np.ndarray) -> int | None:
        state = self.booth.machine.state if self.booth is not None else None
        if self.press_in and state is self.press_in[0]:
            self.press_in.pop(0)
            return ord(" ")
        return None


@pytest.fixture
def quick_retry(tmp_path, monkeypatch) -> None:
    """Skip without a way to mount a small disk; the booth retries a refused save every 0.3 s."""
    reason = mount_unavailable(tmp_path)
    if reason:
        pytest.skip(reason)
    monkeypatch.setattr(booth_sink, "SAVE_RETRY_S", 0.3)


@contextmanager
def booth_on_a_small_disk(tmp_path: Path, said: list[str]) -> Iterator[tuple[Path, list[Any], BoothSink]]:
    """The real pipeline, a manual capture stage and a booth whose sessions go to a 256 kB tmpfs (the
    small disk's mount point is yielded); its button is pressed in attract, coaching and review."""
    with tmpfs(tmp_path / "small", size_kb=256) as small, ExitStack() as stack:
        pipeline = open_pipeline(PipelineOptions(mirrored=True), stack)
        stage = CaptureStage(pipeline.profile, out_dir=None, fps=30.0, auto=False, once=False)
        display = PressingDisplay((State.ATTRACT, State.COACHING, State.REVIEW))
        booth = BoothSink(display, stop=threading.Event(), shots=CaptureStageShots(stage),
                          store=SessionStore(small / "booth"),
                          machine=BoothMachine(BoothTiming(countdown_s=0.5)), report=said.append)
        display.booth = booth
        yield small, [*pipeline.stages, stage], booth


def test_accepted_photo_survives_a_full_disk_and_is_saved_when_there_is_room(tmp_path, quick_retry) -> None:
    said: list[str] = []
    seen: dict[str, object] = {}
    frames = hold_frames(105)
    with booth_on_a_small_disk(tmp_path, said) as (small, stages, booth):

        class Watch(BaseSink):
            name = "watch"

            def send(self, frame) -> None:  # type: ignore[no-untyped-def]
                if booth.unsaved and "note" not in seen:
                    seen["note"], seen["state"] = booth.machine.note, booth.machine.state
                    remount(small, size_kb=64 * 1024)  # someone frees space

        stats = Loop(FrameListSource(frames), stages, [booth, Watch()]).run()
        booth.close()
        sessions = list((small / "booth").iterdir())
        photos = [p for s in sessions for p in s.iterdir()]
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in [*sessions, *photos, *photos[0].iterdir()]}
    assert stats.frames == len(frames)  # the booth never stopped
    assert seen.get("note") == SAVING_NOTE and seen["state"] is State.DONE
    assert any("kept in memory" in line and "no space left" in line for line in said), said
    assert booth.unsaved == [] and any(line.startswith("kept ") for line in said)
    assert len(sessions) == 1 and len(photos) == 1
    assert {"original.png", "processed.png", "report.json"} <= {p for p in modes}
    assert all(mode == 0o600 for name, mode in modes.items() if "." in name)
    assert all(mode == 0o700 for name, mode in modes.items() if "." not in name)


def test_booth_closing_on_a_full_disk_says_what_is_lost_and_leaves_no_empty_session_folder(tmp_path,
                                                                                            quick_retry) -> None:
    """Ctrl-C or SIGTERM (both end in ``close``) while an accepted photo waits for room: a last try, the
    words, and no empty ``session-…`` folder made for the photo that could not be written."""
    said: list[str] = []
    with booth_on_a_small_disk(tmp_path, said) as (small, stages, booth):
        Loop(FrameListSource(hold_frames(105)), stages, [booth]).run()
        assert booth.unsaved, said  # the disk is still full
        booth.close()
        left = [p.name for p in (small / "booth").iterdir()]
    assert any("could not be saved" in line for line in said), said
    assert left == []
