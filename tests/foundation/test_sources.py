"""Sources: the --source grammar, video files, images, folders, globs and the demo."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from realtime.errors import SourceError
from realtime.sources import open_source
from realtime.sources.demo import DemoRenderer, DemoSource
from realtime.sources.demo_script import DEMO_SCRIPT, hold_phase, state_at


@pytest.fixture(scope="module")
def renderer() -> DemoRenderer:
    return DemoRenderer((640, 360))


def _write_video(path: Path, frames: int, size: tuple[int, int] = (160, 120), fps: float = 20.0) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    for i in range(frames):
        image = np.full((size[1], size[0], 3), (i * 10) % 256, np.uint8)
        writer.write(image)
    writer.release()


def test_video_file_every_frame_in_order_then_clean_end(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    _write_video(path, 12)
    with open_source(str(path), live=False) as source:
        frames = list(source.frames())
        assert source.ended
    assert [f.index for f in frames] == list(range(12))
    assert frames[5].source_time == pytest.approx(5 / 20.0)
    assert abs(int(frames[7].image.mean()) - 70) <= 3  # frame content in order (MJPG is lossy)


def test_paced_video_plays_in_real_time(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    _write_video(path, 10, fps=20.0)  # half a second
    started = time.monotonic()
    with open_source(str(path), live=True) as source:
        frames = list(source.frames(timeout=2.0))
    elapsed = time.monotonic() - started
    assert len(frames) == 10
    assert elapsed >= 0.4  # paced: not decoded as fast as possible


def test_images_file_folder_and_glob(tmp_path: Path) -> None:
    for i in range(3):
        cv2.imwrite(str(tmp_path / f"img{i}.png"), np.full((20, 30, 3), i * 50, np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    with open_source(str(tmp_path), live=False) as source:
        assert [int(f.image[0, 0, 0]) for f in source.frames()] == [0, 50, 100]
    with open_source(str(tmp_path / "img1.png"), live=False) as source:
        assert len(list(source.frames())) == 1
    with open_source(str(tmp_path / "img[02].png"), live=False) as source:
        assert len(list(source.frames())) == 2


def test_unreadable_image_in_folder_is_skipped_and_counted(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((10, 10, 3), np.uint8))
    (tmp_path / "b.png").write_bytes(b"\x89PNG broken")
    with open_source(str(tmp_path), live=False) as source:
        assert len(list(source.frames())) == 1
        assert [p.name for p in source.skipped] == ["b.png"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("missing.mp4", "does not exist"),
        ("no/such/thing", "not found"),
        ("", "no source given"),
        ("missing_dir/*.png", "no image matches"),
    ],
)
def test_bad_sources_are_one_line_errors(spec: str, message: str) -> None:
    with pytest.raises(SourceError, match=message) as info:
        open_source(spec, live=False)
    assert "\n" not in info.value.one_line()
    assert info.value.fix


def test_corrupt_video_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.mp4"
    path.write_bytes(b"this is not a video" * 10)
    with pytest.raises(SourceError, match="could not be decoded"):
        open_source(str(path), live=False)


def test_missing_camera_fails_fast_with_the_device_named() -> None:
    started = time.monotonic()
    with pytest.raises(SourceError, match="/dev/video9") as info:
        open_source("camera:9", live=True)
    assert time.monotonic() - started < 5.0
    assert "headshot doctor" in info.value.one_line()


def test_demo_is_deterministic_and_noisy(renderer: DemoRenderer) -> None:
    first = renderer.render(9.0, 270)
    again = renderer.render(9.0, 270)
    assert np.array_equal(first, again)
    next_frame = renderer.render(9.0, 271)  # same pose, new sensor noise
    diff = np.abs(first.astype(int) - next_frame.astype(int))
    assert 0.5 < diff.mean() < 6.0


def _whole_frame(renderer: DemoRenderer, t: float, index: int) -> np.ndarray:
    """The demo frame computed over the whole frame in float32 (how the renderer worked before issue #16)."""
    state = state_at(t, renderer.script)
    width, height = renderer.size
    person = renderer._person
    scale = state.ied * (width / 1280.0) / person.ied
    target = (state.x * width, state.y * height)
    matrix = cv2.getRotationMatrix2D(person.eye_mid, -state.roll_deg, scale)
    matrix[:, 2] += np.array(target) - np.array(person.eye_mid)
    layer = cv2.warpAffine(person.image, matrix, renderer.size, flags=cv2.INTER_LINEAR)
    alpha = cv2.warpAffine(person.matte, matrix, renderer.size, flags=cv2.INTER_LINEAR)
    layer *= renderer._light_gain(state, target[0], scale)[None, :, None]
    frame = renderer._wall + (layer - renderer._wall) * alpha[..., None]
    frame += renderer._noise[index % len(renderer._noise)]
    return np.clip(frame, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("t", [0.0, 0.5, 2.7, 5.0, 9.0, DEMO_SCRIPT[-1].t - 0.1])
def test_demo_frames_equal_the_whole_frame_formula(renderer: DemoRenderer, t: float) -> None:
    """The renderer computes only the person's box (speed): every pixel, in and out of it, stays the same
    (entering off-centre, tilted, side-lit, held), and a person partly out of the frame is cut right."""
    index = int(round(t * 30))
    assert np.array_equal(renderer.render(t, index), _whole_frame(renderer, t, index))


def test_demo_frames_equal_the_whole_frame_formula_off_frame() -> None:
    small = DemoRenderer((200, 120))  # the person runs off this frame's edges: the box is clipped there
    for t, index in ((0.5, 15), (9.0, 270)):
        assert np.array_equal(small.render(t, index), _whole_frame(small, t, index))


def test_demo_frames_kept_while_the_person_holds_still_are_fresh_copies() -> None:
    """While the script holds still a kept frame comes again (speed); it must be a copy, equal to the formula
    for that time, and a moving stretch after it must not get the kept frames."""
    renderer = DemoRenderer((320, 180))
    first = renderer.render(10.0, 300)  # the hold phase
    first[:] = 0  # a caller drawing on its frame does not change the next one
    for t, index in ((11.0, 304), (12.0, 361), (2.0, 60), (2.5, 75), (10.0, 300)):  # held, held, tilting, ...
        assert np.array_equal(renderer.render(t, index), _whole_frame(renderer, t, index)), (t, index)


def test_demo_source_timing_and_size() -> None:
    source = DemoSource(size=(320, 180), renderer=DemoRenderer((320, 180)))
    frames = [source.read() for _ in range(3)]
    assert [f.source_time for f in frames] == pytest.approx([0.0, 1 / 30, 2 / 30])
    assert frames[0].image.shape == (180, 320, 3)


def _person_box(image: np.ndarray, wall: np.ndarray) -> tuple[float, float, float]:
    """Centre x (fraction), width (fraction) of pixels that differ from the empty wall."""
    diff = np.abs(image.astype(int) - wall.astype(int)).sum(axis=2) > 60
    ys, xs = np.nonzero(diff)
    return xs.mean() / image.shape[1], (xs.max() - xs.min()) / image.shape[1], diff.mean()


def test_demo_follows_its_script(renderer: DemoRenderer) -> None:
    """The person starts off-centre and small, ends centred and bigger, and the side light goes away."""
    start, end = hold_phase()
    assert start < end and end == DEMO_SCRIPT[-1].t
    assert state_at(0.0).x < 0.4 and state_at(start + 1).x == pytest.approx(0.5)
    assert state_at(2.7).roll_deg > 10 and state_at(start).roll_deg == 0
    wall = renderer._wall.astype(np.uint8)
    early = _person_box(renderer.render(0.5, 15), wall)
    late = _person_box(renderer.render(start + 1.0, 300), wall)
    assert early[0] < 0.45 < late[0]
    assert late[2] > 1.3 * early[2]  # the person covers more of the frame once close
    # Side light: in the enter phase the person's right half (image left of the face) is darker.
    enter = renderer.render(0.5, 15).astype(float)
    hold = renderer.render(start + 1.0, 300).astype(float)
    fx = int(state_at(0.5).x * 640)
    fy = int(state_at(0.5).y * 360)
    left, right = enter[fy:fy + 20, fx - 20:fx - 5].mean(), enter[fy:fy + 20, fx + 5:fx + 20].mean()
    assert left < 0.85 * right
    hx = int(0.5 * 640)
    hy = int(0.42 * 360)
    assert hold[hy:hy + 30, hx - 40:hx - 10].mean() > 0.8 * hold[hy:hy + 30, hx + 10:hx + 40].mean()
