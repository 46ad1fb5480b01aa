"""Camera faults at the loop: unplugged and back at another size (through the real pipeline), corrupt,
black and frozen frames, and the end of a video (also a truncated one) as a clean finish."""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack
from pathlib import Path

import cv2
import numpy as np
import pytest

from realtime.cli import main
from realtime.loop import Loop
from realtime.pipeline import PipelineOptions, open_pipeline
from realtime.sources import open_source
from realtime.sources.camera import CameraSource
from tests.faults.fakes import FlakyCamera, RecordingSink, astronaut_scene

BEFORE, AFTER = (640, 360), (800, 600)  # 16:9 before the unplug, 4:3 after: another size and aspect


def flaky_source(camera: FlakyCamera) -> CameraSource:
    return CameraSource(0, open_capture=camera.open, backoff_s=(0.02, 0.05), open_timeout_s=2.0)


def test_unplugged_camera_reconnects_at_another_size_through_the_real_pipeline() -> None:
    """Unplug after a few frames; the loop keeps calling idle("reconnecting"); the camera comes back at
    800x600 and the engine, face mesh and coach carry on at the new size."""
    camera = FlakyCamera(BEFORE)
    stop = threading.Event()

    def script(sink: RecordingSink) -> None:
        frames_after = sum(1 for size in sink.sizes if size == AFTER)
        if camera.plugged and not sink.idle_states and len(sink.sizes) >= 6:
            camera.unplug()
        elif not camera.plugged and sink.idle_states.count("reconnecting") >= 3:
            camera.replug(AFTER)
        elif frames_after >= 8:
            stop.set()

    sink = RecordingSink(script=script)
    with ExitStack() as stack:
        source = stack.enter_context(flaky_source(camera))
        pipeline = open_pipeline(PipelineOptions(mirrored=True), stack)
        stats = Loop(source, pipeline.stages, [sink], stop=stop).run(max_seconds=60)
        reconnects = source.reconnects
    assert stop.is_set(), f"the loop did not get through the script: {sink.events[-20:]}"
    assert reconnects == 1
    assert "reconnecting" in sink.idle_states
    first_idle = sink.events.index("reconnecting")
    assert set(sink.events[:first_idle]) <= {"frame", "ok"}  # "ok": a short wait before the loss is known
    before = [i for i, size in enumerate(sink.sizes) if size == BEFORE]
    after = [i for i, size in enumerate(sink.sizes) if size == AFTER]
    assert len(before) >= 6 and len(after) >= 8 and max(before) < min(after)
    assert len(before) + len(after) == stats.frames  # no frame of any other size, none lost to an error
    assert sink.processed_sizes == sink.sizes  # the engine's output follows the new size
    assert all(sink.faces[i] for i in before[-3:])
    assert all(sink.faces[i] for i in after[-4:])  # the face tracker found the face again at 800x600


def wait_until(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_corrupt_black_and_frozen_frames_never_reach_the_loop_and_frozen_is_reported() -> None:
    camera = FlakyCamera((320, 180))
    stop = threading.Event()
    means: list[float] = []
    steps: list[str] = []

    class MeanSink(RecordingSink):
        def send(self, frame) -> None:  # type: ignore[no-untyped-def]
            means.append(float(frame.image.mean()))
            super().send(frame)

    sink = MeanSink()
    source = flaky_source(camera)
    source.health.frozen_after_s = 0.4
    counts = source.health.counts

    def drive() -> None:  # the fault script, in step with what the camera thread counted
        try:
            script = (("ok", lambda: len(sink.sizes) >= 5), ("corrupt", lambda: counts["corrupt"] >= 5),
                      ("black", lambda: counts["black"] >= 5), ("frozen", lambda: "frozen" in sink.idle_states))
            for mode, done in script:
                camera.mode = mode
                if not wait_until(done):
                    return
                steps.append(mode)
            seen = len(sink.sizes)
            camera.mode = "ok"
            if wait_until(lambda: len(sink.sizes) >= seen + 5):
                steps.append("ok")
        finally:
            stop.set()

    with source:
        driver = threading.Thread(target=drive)
        driver.start()
        Loop(source, [], [sink], stop=stop).run(max_seconds=30)
        driver.join()
        skipped = source.describe()["skipped"]
        state = source.state
    assert steps == ["ok", "corrupt", "black", "frozen", "ok"], f"stuck after {steps}: {sink.events[-20:]}"
    assert state == "ok"  # the picture moves again: no longer frozen
    assert skipped["corrupt"] >= 5 and skipped["black"] >= 5 and skipped["frozen"] > 0
    assert len(means) >= 10 and min(means) > 50  # no black or empty frame reached a stage or sink
    assert all(size == (320, 180) for size in sink.sizes)
    frozen_at = sink.events.index("frozen")
    assert "frame" in sink.events[frozen_at:]  # frames flow again after the freeze


@pytest.fixture(scope="module")
def videos(tmp_path_factory) -> tuple[Path, Path, int]:
    """A 24-frame MJPG video of the astronaut, and a copy cut off in the middle of a frame."""
    folder = tmp_path_factory.mktemp("videos")
    path = folder / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (320, 180))
    base = astronaut_scene((320, 180))
    for i in range(24):
        writer.write(np.roll(base, 2 * i, axis=1))
    writer.release()
    data = path.read_bytes()
    truncated = folder / "truncated.avi"
    truncated.write_bytes(data[: len(data) * 6 // 10 + 333])  # as if the copy died mid-file
    return path, truncated, 24


@pytest.mark.parametrize("live", [False, True])
@pytest.mark.parametrize("which", ["complete", "truncated"])
def test_end_of_a_video_is_a_clean_finish(videos, live: bool, which: str) -> None:
    path, truncated, count = videos
    sink = RecordingSink()
    started = time.monotonic()
    with open_source(str(path if which == "complete" else truncated), live=live) as source:
        stats = Loop(source, [], [sink]).run(max_seconds=20)
        assert source.ended
    assert time.monotonic() - started < 10
    if which == "complete":
        assert stats.frames == count or (live and 0 < stats.frames <= count)
    else:
        assert 0 < stats.frames < count
    assert "reconnecting" not in sink.idle_states


def test_process_command_on_a_truncated_video_exits_0(videos, tmp_path, capsys, monkeypatch) -> None:
    _, truncated, count = videos
    monkeypatch.setenv("HEADSHOT_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "out.mp4"
    assert main(["process", str(truncated), "--out", str(out), "--background", "blur"]) == 0
    written = capsys.readouterr().out
    frames = int(written.split("(")[1].split(" frame")[0])
    assert 0 < frames < count and out.stat().st_size > 0


@pytest.mark.parametrize(("state", "words"), [("reconnecting", "Camera lost, reconnecting"),
                                               ("frozen", "Camera frozen"), ("ok", "Waiting for frames")])
def test_preview_words_for_each_idle_state(monkeypatch, state: str, words: str) -> None:
    from realtime.sinks import overlay
    from realtime.sinks.preview import PreviewSink
    from tests.faults.fakes import HeadlessDisplay

    drawn: list[str] = []
    real = overlay.draw_idle
    monkeypatch.setattr(overlay, "draw_idle", lambda canvas, text: (drawn.append(text), real(canvas, text)))
    sink = PreviewSink(HeadlessDisplay(), stop=threading.Event(), report=lambda text: None)
    sink.idle(state)
    assert len(drawn) == 1 and drawn[0].startswith(words)


@pytest.mark.parametrize(("state", "words"), [("reconnecting", "Camera lost, reconnecting"),
                                               ("frozen", "Camera frozen"), ("ok", "Waiting for the camera")])
def test_kiosk_words_for_each_idle_state(tmp_path, monkeypatch, state: str, words: str) -> None:
    from realtime.booth.session import SessionStore
    from realtime.booth.shots import CaptureStageShots
    from realtime.booth.sink import BoothSink
    from realtime.capture.stage import CaptureStage
    from realtime.coach.profile import load_profile
    from tests.faults.fakes import HeadlessDisplay

    stage = CaptureStage(load_profile("professional"), out_dir=None, auto=False, once=False)
    booth = BoothSink(HeadlessDisplay(), stop=threading.Event(), shots=CaptureStageShots(stage),
                      store=SessionStore(tmp_path), report=lambda text: None)
    shown: list[str | None] = []
    real_view = booth.view
    monkeypatch.setattr(booth, "view", lambda frame, idle_message=None: (
        shown.append(idle_message), real_view(frame, idle_message))[1])
    booth.idle(state)
    assert len(shown) == 1 and str(shown[0]).startswith(words)
