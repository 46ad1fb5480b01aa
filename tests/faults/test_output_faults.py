"""Output faults: a real full folder (a 256 kB tmpfs), a real read-only one, a writer that fails in the
middle of a file, and a process killed while writing. Nothing half-written is ever visible, and during
a live session the photo stays in memory, the person is told, and it is written once there is room.

The writer's own tests (no overwrite, a failure at each file and at the final rename, the pending
capture written into another folder) are in tests/capture/test_writer.py.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import threading
from contextlib import ExitStack
from pathlib import Path

import pytest

from realtime.capture import writer
from realtime.capture.stage import CaptureStage
from realtime.capture.writer import write_folder
from realtime.errors import SinkError
from realtime.loop import BaseSink, Loop
from realtime.pipeline import PipelineOptions, open_pipeline
from realtime.sources.frames import FrameListSource
from tests.faults.fakes import hold_frames
from tests.faults.mounts import mount_unavailable, remount, tmpfs

FILES = {"original.png": os.urandom(600_000), "square.jpg": os.urandom(300_000), "report.json": b"{}\n"}


@pytest.fixture(scope="module")
def can_mount(tmp_path_factory) -> None:
    reason = mount_unavailable(tmp_path_factory.mktemp("probe"))
    if reason:
        pytest.skip(reason)


def visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def everything(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_full_folder_is_a_sink_error_and_leaves_nothing(can_mount, tmp_path) -> None:
    with tmpfs(tmp_path / "small", size_kb=256) as small:
        with pytest.raises(SinkError) as info:
            write_folder(small, FILES)
        assert everything(small) == []  # no half file, no temporary, no reserved folder
        free = os.statvfs(small)
        assert free.f_bfree == free.f_blocks  # every block given back
    assert info.value.problem == f"no space left writing the capture under {small}"
    assert "--out" in info.value.fix and "free" in info.value.fix


def test_read_only_folder_is_a_sink_error_with_the_fix(can_mount, tmp_path) -> None:
    with tmpfs(tmp_path / "ro", size_kb=1024, read_only=True) as read_only:
        with pytest.raises(SinkError) as info:
            write_folder(read_only / "caps", FILES)
        with pytest.raises(SinkError) as direct:
            write_folder(read_only, FILES)
    assert "Read-only file system" in direct.value.problem and "--out" in direct.value.fix
    assert "Read-only file system" in info.value.problem


class _HalfWriter:
    """A file object that writes half of what it is given, then fails as a full disk does."""

    def __init__(self, handle) -> None:  # type: ignore[no-untyped-def]
        self._handle = handle

    def write(self, data: bytes) -> int:
        self._handle.write(data[: len(data) // 2])
        self._handle.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._handle, name)

    def __enter__(self) -> _HalfWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()


@pytest.mark.parametrize("fail_at", [1, 2, 3])
def test_writer_failing_mid_file_leaves_nothing_and_keeps_earlier_captures(tmp_path, monkeypatch, fail_at) -> None:
    earlier = write_folder(tmp_path, FILES)
    real_fdopen, opened = os.fdopen, []

    def fdopen(fd, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(fd)
        handle = real_fdopen(fd, *args, **kwargs)
        return _HalfWriter(handle) if len(opened) == fail_at else handle

    monkeypatch.setattr(writer.os, "fdopen", fdopen)
    with pytest.raises(SinkError, match="no space left"):
        write_folder(tmp_path, FILES)
    assert everything(tmp_path) == sorted([earlier.name, *(f"{earlier.name}/{n}" for n in FILES)])
    assert all((earlier / name).read_bytes() == data for name, data in FILES.items())


CRASHER = """
import os, signal, sys
from pathlib import Path
from realtime.capture import writer
calls, kill_at, where = [], int(sys.argv[2]), sys.argv[3]
real = getattr(writer.os, where)
def crash(*args):
    calls.append(args)
    if len(calls) == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)  # power cut: no cleanup, no finally
    return real(*args)
setattr(writer.os, where, crash)
files = {"original.png": os.urandom(400_000), "square.jpg": os.urandom(200_000), "report.json": b"{}"}
writer.write_folder(Path(sys.argv[1]), files)
"""


@pytest.mark.parametrize(("where", "kill_at"), [("fsync", 1), ("replace", 2), ("fsync", 5), ("rename", 1)])
def test_killed_while_writing_leaves_no_half_capture(tmp_path, where, kill_at) -> None:
    done = subprocess.run([sys.executable, "-c", CRASHER, str(tmp_path), str(kill_at), where],
                          capture_output=True, text=True, timeout=60, cwd=Path(__file__).parents[2])
    assert done.returncode == -9, done.stderr
    for name in visible(tmp_path):  # a visible capture folder is complete or empty (reserved), never half
        contents = sorted(p.name for p in (tmp_path / name).iterdir())
        assert contents in ([], ["original.png", "report.json", "square.jpg"]), (name, contents)
    for path in tmp_path.rglob("*"):  # and no visible file anywhere is a partial one
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(tmp_path).parts):
            assert path.name in ("original.png", "report.json", "square.jpg")


# --- during a session: the photo is kept in memory, the person is told, and it is written later ---------
@pytest.fixture(scope="module")
def frames() -> list:
    return hold_frames(105)


def run_session(frames: list, stage_kwargs: dict, during=None) -> tuple[CaptureStage, object]:
    """The real pipeline over the hold stretch with a capture stage; ``during(stage)`` runs after each frame."""

    class Watch(BaseSink):
        name = "watch"

        def send(self, frame) -> None:  # type: ignore[no-untyped-def]
            if during is not None:
                during(stage)

    with ExitStack() as stack:
        pipeline = open_pipeline(PipelineOptions(mirrored=False), stack)
        stage = CaptureStage(pipeline.profile, fps=30.0, **stage_kwargs)
        stats = Loop(FrameListSource(frames), [*pipeline.stages, stage], [Watch()]).run()
    return stage, stats


def test_full_disk_mid_session_keeps_the_photo_says_so_and_writes_it_when_there_is_room(
        can_mount, tmp_path, frames, monkeypatch) -> None:
    from realtime.capture import stage as stage_module

    monkeypatch.setattr(stage_module, "WRITE_RETRY_S", 0.5)  # the clip is short: retry within it
    seen: dict[str, object] = {}

    def during(stage: CaptureStage) -> None:
        if stage.write_error is not None and "error" not in seen:
            seen["error"] = stage.write_error
            seen["message"] = stage.message
            seen["pending"] = stage.pending is not None
            seen["outcome"] = stage.last_capture()
            remount(small, size_kb=64 * 1024)  # the user freed space

    with tmpfs(tmp_path / "small", size_kb=256) as small:
        stage, stats = run_session(frames, {"out_dir": small}, during)
        written = visible(small)
        folder_files = sorted(p.name for p in (small / written[0]).iterdir()) if written else []
    assert stats.frames == len(frames)  # the loop went on to the end
    assert isinstance(seen.get("error"), SinkError) and "no space left" in seen["error"].problem
    assert seen["pending"] and "kept" in str(seen["message"]) and "no space" in str(seen["message"])
    assert seen["outcome"] is not None and seen["outcome"].path is None  # shown (thumbnail), not yet saved
    assert stage.pending is None and stage.write_error is None  # retried on its own once there was room
    assert len(written) == 1 and "report.json" in folder_files and "original.png" in folder_files
    assert stage.last_capture().path == str(small / written[0])


def test_two_photos_taken_while_the_disk_is_full_are_both_saved_later(can_mount, tmp_path, frames,
                                                                      monkeypatch) -> None:
    from realtime.capture import stage as stage_module

    monkeypatch.setattr(stage_module, "WRITE_RETRY_S", 0.3)
    count = [0]
    unsaved_at_most = [0]

    def during(stage: CaptureStage) -> None:
        count[0] += 1
        if count[0] in (40, 60):
            stage.trigger()  # the space key, twice, while nothing can be written
        unsaved_at_most[0] = max(unsaved_at_most[0], len(stage.unsaved))
        if count[0] == 80:
            remount(small, size_kb=64 * 1024)

    with tmpfs(tmp_path / "small", size_kb=256) as small:
        stage, stats = run_session(frames, {"out_dir": small, "auto": False, "once": False}, during)
        written = visible(small)
    assert stats.frames == len(frames) and unsaved_at_most[0] == 2  # both kept in memory at once
    assert len(written) == 2 and stage.unsaved == [] and stage.write_error is None


def test_capture_command_full_disk(can_mount, tmp_path, frames, capsys, monkeypatch) -> None:
    """``headshot capture`` into a full folder: retries, then one line (exit 6) saying the photo was not
    saved and what to do; with a terminal it asks for another folder and saves it there."""
    from realtime.cli import main
    from realtime.commands import capture as capture_command
    from realtime.sources import register_source, unregister_source

    register_source("holdframes", lambda rest, live: FrameListSource(frames))
    monkeypatch.setattr(capture_command, "WRITE_RETRY_S", 0.05)
    try:
        with tmpfs(tmp_path / "small", size_kb=256) as small:
            monkeypatch.setattr("sys.stdin", _Answers([]))
            code = main(["capture", "--source", "holdframes:x", "--out", str(small)])
            err = capsys.readouterr().err
            assert code == 6 and everything(small) == []
            lines = [line for line in err.splitlines() if line.startswith("headshot")]
            assert len(lines) >= 1 and "no space left" in lines[-1] and "not saved" in lines[-1]

            other = tmp_path / "other"
            monkeypatch.setattr("sys.stdin", _Answers([str(other)]))
            code = main(["capture", "--source", "holdframes:x", "--out", str(small), "--json"])
            out = capsys.readouterr()
            assert code == 0, out.err
            summary = json.loads(out.out)
            assert Path(summary["folder"]).parent == other and everything(small) == []
            assert "no space left" in out.err and "another folder" in out.err
    finally:
        unregister_source("holdframes")


class _Answers:
    """stdin for the command: a terminal when given answers, a pipe (no terminal) when not."""

    def __init__(self, answers: list[str]) -> None:
        self._answers = list(answers)

    def isatty(self) -> bool:
        return bool(self._answers)

    def readline(self) -> str:
        return self._answers.pop(0) + "\n" if self._answers else ""


def test_preview_says_the_photo_is_kept_then_that_it_was_saved() -> None:
    """What the preview window says (toast and stderr) while a photo waits for room, then once saved."""
    import numpy as np

    from realtime.frame import CaptureOutcome, FrameResult
    from realtime.sinks.preview import PreviewSink
    from tests.faults.fakes import HeadlessDisplay

    said: list[str] = []
    outcome: list[CaptureOutcome | None] = [None]
    sink = PreviewSink(HeadlessDisplay(), stop=threading.Event(), report=said.append)
    image = np.full((90, 160, 3), 120, np.uint8)
    note = "Photo not saved yet, kept in memory (no space left writing the capture under /x): free some space"
    for i, state in enumerate([None, (None, note), (None, note), ("/x/headshot-1", None), ("/x/headshot-1", None)]):
        if state is not None:
            outcome[0] = CaptureOutcome(image, state[0], 7, {}, note=state[1])
        sink.send(FrameResult(i, float(i), float(i), image, capture=outcome[0]))
        if i == 1:
            flash_at = sink._flash_at
    assert said == [note, "saved /x/headshot-1"]  # each said once
    assert sink._flash_at == flash_at  # one photo, one flash: saving it later does not flash again
