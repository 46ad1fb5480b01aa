"""Files: names that are not UTF-8, ``headshot process`` never losing what the user has (output = input,
mask = output, a full disk, a truncated JPEG), and a still too large for memory refused with the size.

The Latin-1 runs are subprocesses: before the fix OpenCV crashed the whole process (exit -11) on them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

from realtime.cli import main
from realtime.mediafiles import count_video_frames, read_image
from tests.faults.mounts import mount_unavailable, tmpfs

ROOT = Path(__file__).parents[2]
LATIN1 = b"caf\xe9"  # 'café' in Latin-1: not valid UTF-8


@pytest.fixture(scope="module")
def photo_bytes() -> bytes:
    ok, buffer = cv2.imencode(".jpg", cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    assert ok
    return buffer.tobytes()


def _video(path: Path, frames: int = 12, size: tuple[int, int] = (160, 120)) -> None:
    base = cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), size)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 15.0, size)
    for i in range(frames):
        writer.write(np.roll(base, i * 3, axis=1))
    writer.release()


def _run(args: list[bytes | str], tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "realtime.cli", *args], cwd=ROOT, capture_output=True, timeout=180)


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("headshot")]


def test_latin1_names_are_read_and_written_without_a_crash(tmp_path, photo_bytes) -> None:
    folder = os.fsencode(tmp_path) + b"/" + LATIN1
    os.mkdir(folder)
    image = folder + b"/" + LATIN1 + b".jpg"
    with open(image, "wb") as handle:
        handle.write(photo_bytes)
    video = folder + b"/" + LATIN1 + b".mp4"
    _video(tmp_path / "plain.mp4")
    os.rename(tmp_path / "plain.mp4", video)
    out_image, out_video = folder + b"/out-" + LATIN1 + b".png", folder + b"/out-" + LATIN1 + b".mp4"
    done = _run([b"process", image, b"--out", out_image], tmp_path)
    assert done.returncode == 0, done.stderr[-1500:]
    assert read_image(os.fsdecode(out_image)).shape == (512, 512, 3)
    done = _run([b"process", video, b"--out", out_video, b"--mask", folder + b"/m-" + LATIN1 + b".mp4"], tmp_path)
    assert done.returncode == 0, done.stderr[-1500:]
    assert count_video_frames(Path(os.fsdecode(out_video))) == 12
    assert count_video_frames(Path(os.fsdecode(folder + b"/m-" + LATIN1 + b".mp4"))) == 12
    # a folder of images with one Latin-1 name, as a source (capture, calibrate --frames use the same)
    done = _run([b"capture", b"--source", folder, b"--out", os.fsencode(tmp_path / "caps"), b"--max-seconds", b"5"],
                tmp_path)
    assert done.returncode in (0, 10), done.stderr[-1500:]


def test_image_source_and_calibration_frames_read_latin1_names(tmp_path, photo_bytes) -> None:
    from calibration import CalibrationError
    from calibration.frames import source_frames
    from realtime.sources.images import ImageSource

    folder = Path(os.fsdecode(os.fsencode(tmp_path) + b"/" + LATIN1))
    folder.mkdir()
    for i in range(8):
        (folder / (os.fsdecode(LATIN1) + f"{i}.jpg")).write_bytes(photo_bytes)
    source = ImageSource(folder)
    assert source.read().image.shape == (512, 512, 3)
    try:
        frames = source_frames(str(folder), 8)
    except CalibrationError as exc:  # other reasons are fine; a crash is not
        pytest.fail(str(exc))
    assert len(frames) == 8


@pytest.mark.parametrize("kind", ["image", "video"])
def test_process_refuses_an_output_that_is_its_input(tmp_path, capsys, photo_bytes, kind) -> None:
    path = tmp_path / ("v.mp4" if kind == "video" else "p.jpg")
    if kind == "video":
        _video(path)
    else:
        path.write_bytes(photo_bytes)
    before = path.read_bytes()
    code = main(["process", str(path), "--out", str(path)])
    lines = error_lines(capsys.readouterr().err)
    assert code == 2 and len(lines) == 1 and "is the input itself" in lines[0], lines
    assert path.read_bytes() == before
    link = tmp_path / ("link" + path.suffix)
    os.link(path, link)  # the same file under another name
    assert main(["process", str(path), "--out", str(link)]) == 2
    assert path.read_bytes() == before


def test_process_refuses_a_mask_that_is_the_output_or_the_input(tmp_path, capsys, photo_bytes) -> None:
    photo = tmp_path / "p.jpg"
    photo.write_bytes(photo_bytes)
    assert main(["process", str(photo), "--out", str(tmp_path / "o.png"), "--mask", str(tmp_path / "o.png")]) == 2
    assert "same file as --out" in capsys.readouterr().err
    assert main(["process", str(photo), "--out", str(tmp_path / "o.png"), "--mask", str(photo)]) == 2
    assert photo.read_bytes() == photo_bytes and not (tmp_path / "o.png").exists()


def test_truncated_jpeg_is_refused_like_check_refuses_it(tmp_path, capsys, photo_bytes) -> None:
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(photo_bytes[: len(photo_bytes) // 2])
    assert main(["check", str(cut)]) != 0
    capsys.readouterr()
    code = main(["process", str(cut), "--out", str(tmp_path / "o.png")])
    lines = error_lines(capsys.readouterr().err)
    assert code == 3 and len(lines) == 1 and "cut short" in lines[0], lines
    assert not (tmp_path / "o.png").exists()


@pytest.fixture
def small_disk(tmp_path):
    reason = mount_unavailable(tmp_path)
    if reason:
        pytest.skip(reason)
    with tmpfs(tmp_path / "small", size_kb=64) as folder:
        yield folder


def test_video_onto_a_full_disk_fails_and_leaves_the_old_file(small_disk, tmp_path, capsys) -> None:
    video = tmp_path / "v.mp4"
    _video(video, frames=40, size=(320, 240))
    target = small_disk / "out.mp4"
    target.write_bytes(b"the user's older file")
    code = main(["process", str(video), "--out", str(target)])
    lines = error_lines(capsys.readouterr().err)
    assert code == 6 and len(lines) == 1, lines
    assert "does not play back whole" in lines[0] or "no space left" in lines[0]
    assert target.read_bytes() == b"the user's older file"
    assert sorted(p.name for p in small_disk.iterdir()) == ["out.mp4"]  # no partial file left


def test_image_onto_a_full_disk_keeps_the_old_file_and_says_no_space(small_disk, tmp_path, capsys) -> None:
    photo = tmp_path / "p.png"
    cv2.imwrite(str(photo), cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    target = small_disk / "out.png"
    target.write_bytes(b"x" * 30_000)
    code = main(["process", str(photo), "--out", str(target)])
    lines = error_lines(capsys.readouterr().err)
    assert code == 6 and len(lines) == 1 and "no space left" in lines[0] and "extension" not in lines[0], lines
    assert target.read_bytes() == b"x" * 30_000
    assert sorted(p.name for p in small_disk.iterdir()) == ["out.png"]


def test_a_still_larger_than_the_memory_budget_is_refused_with_what_it_needs(tmp_path, capsys, monkeypatch,
                                                                             photo_bytes) -> None:
    photo = tmp_path / "p.jpg"
    photo.write_bytes(photo_bytes)
    monkeypatch.setenv("HEADSHOT_MEMORY_MB", "8")  # the 512x512 photo needs about 17 MB
    code = main(["process", str(photo), "--out", str(tmp_path / "o.png")])
    lines = error_lines(capsys.readouterr().err)
    assert code == 3 and len(lines) == 1, lines
    assert "needs about 16 MB" in lines[0] and "8 MB is available" in lines[0] and "scale it down" in lines[0]
    assert not (tmp_path / "o.png").exists()


@pytest.mark.parametrize("value", ["-1", "100000"])
def test_process_threads_are_bounded(tmp_path, capsys, photo_bytes, value) -> None:
    photo = tmp_path / "p.jpg"
    photo.write_bytes(photo_bytes)
    code = main(["process", str(photo), "--out", str(tmp_path / "o.png"), "--threads", value])
    lines = error_lines(capsys.readouterr().err)
    assert code == 2 and len(lines) == 1 and "--threads" in lines[0] and value in lines[0], lines
