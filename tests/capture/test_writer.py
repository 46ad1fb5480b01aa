"""Atomic writes, colour space and DPI in the files, capture folders, and the stage writing a real face."""

from __future__ import annotations

import errno
import io
import json
import os
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from realtime.capture import stage as stage_module
from realtime.capture import writer
from realtime.capture.stage import CaptureStage
from realtime.capture.writer import atomic_write, encode_jpeg, encode_png, write_folder
from realtime.errors import SinkError
from realtime.frame import FrameResult
from tests.capture.conftest import assessment

WHEN = datetime(2025, 5, 17, 9, 30, 0)
FILES = {"a.png": b"one", "b.jpg": b"two" * 1000, "report.json": b"{}"}


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_png_is_lossless_with_srgb_and_dpi(placed) -> None:
    data = encode_png(placed.image, 72)
    with Image.open(io.BytesIO(data)) as im:
        assert im.info["srgb"] == 0 and im.info["dpi"] == pytest.approx((72, 72), abs=0.01)
        np.testing.assert_array_equal(np.asarray(im)[:, :, ::-1], placed.image)


def test_jpeg_has_jfif_density_and_srgb_profile(placed) -> None:
    data = encode_jpeg(placed.image[:300, :200], 600)
    with Image.open(io.BytesIO(data)) as im:
        assert im.info["jfif_density"] == (600, 600) and im.info["dpi"] == (600, 600)
        profile = ImageCms.ImageCmsProfile(io.BytesIO(im.info["icc_profile"]))
        assert ImageCms.getProfileDescription(profile).startswith("sRGB")
        assert np.abs(np.asarray(im)[:, :, ::-1].astype(int) - placed.image[:300, :200]).mean() < 3


def test_atomic_write_replaces_whole_files(tmp_path: Path) -> None:
    target = tmp_path / "f.bin"
    atomic_write(target, b"old")
    atomic_write(target, b"new content")
    assert target.read_bytes() == b"new content" and entries(tmp_path) == ["f.bin"]


def test_capture_folders_never_overwrite(tmp_path: Path) -> None:
    first = write_folder(tmp_path, FILES, WHEN)
    second = write_folder(tmp_path, FILES, WHEN)
    assert (first.name, second.name) == ("headshot-20250517-093000-01", "headshot-20250517-093000-02")
    for folder in (first, second):
        assert entries(folder) == sorted(FILES)
        assert (folder / "b.jpg").read_bytes() == FILES["b.jpg"]
    assert entries(tmp_path) == [first.name, second.name]  # no temporary leftovers


@pytest.mark.parametrize("fail_on", [1, 2, 3], ids=["first-file", "second-file", "report"])
def test_failure_mid_write_leaves_nothing(tmp_path: Path, monkeypatch, fail_on: int) -> None:
    write_folder(tmp_path, FILES, WHEN)  # an earlier capture must survive untouched
    real_replace, calls = os.replace, []

    def flaky_replace(src, dst):
        calls.append(dst)
        if len(calls) == fail_on:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(writer.os, "replace", flaky_replace)
    with pytest.raises(SinkError) as info:
        write_folder(tmp_path, FILES, WHEN)
    assert "no space" in info.value.problem and "--out" in info.value.fix
    assert entries(tmp_path) == ["headshot-20250517-093000-01"]
    assert entries(tmp_path / "headshot-20250517-093000-01") == sorted(FILES)


def test_failure_at_the_final_rename_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    def refuse(src, dst):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(writer.os, "rename", refuse)
    with pytest.raises(SinkError, match="cannot write") as info:
        write_folder(tmp_path, FILES, WHEN)
    assert "--out" in info.value.fix
    assert entries(tmp_path) == []


def test_next_write_removes_old_crash_leftovers_and_nothing_else(tmp_path: Path, caplog) -> None:
    old = datetime(2026, 1, 1).timestamp()
    stale_partial = tmp_path / ".partial-abc123"
    (stale_partial / "sub").mkdir(parents=True)
    (stale_partial / "original.png").write_bytes(b"half")
    stale_reserved = tmp_path / "headshot-20260101-120000-01"
    stale_reserved.mkdir()
    complete = write_folder(tmp_path, {"report.json": b"{}"}, when=datetime(2026, 1, 1, 11))
    fresh_partial = tmp_path / ".partial-beingwritten"  # another booth writing right now
    fresh_partial.mkdir()
    mine = tmp_path / "notes"  # not ours
    mine.mkdir()
    for path in (stale_partial, stale_reserved, complete, mine):
        os.utime(path, (old, old))

    with caplog.at_level("INFO", logger="realtime.capture.writer"):
        folder = write_folder(tmp_path, {"report.json": b"{}"})
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([".partial-beingwritten", complete.name,
                                                                  folder.name, "notes"])
    assert (complete / "report.json").read_bytes() == b"{}"
    assert "removed 2 unfinished capture folder(s)" in caplog.text


def test_unwritable_out_folder_is_a_sink_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"x")
    with pytest.raises(SinkError, match="could not write"):
        write_folder(blocker / "caps", FILES, WHEN)


def test_file_names_are_plain(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="plain file names"):
        write_folder(tmp_path, {"../escape": b""}, WHEN)


# --- the stage writing a real face ---------------------------------------------------------------------
def real_frame(placed, frame_id: int = 0) -> FrameResult:
    frame = FrameResult(frame_id, frame_id / 30.0, frame_id / 30.0, placed.image, alpha=placed.alpha)
    frame.processed = placed.image
    frame.face, frame.lighting = placed.face, placed.light
    frame.assessment = assessment(ready=True)
    frame.engine_info = {"backend": "onnxruntime", "precision": "fp32", "provider": "CPUExecutionProvider"}
    return frame


@pytest.fixture(scope="module")
def written(placed, professional, tmp_path_factory):
    out = tmp_path_factory.mktemp("caps")
    stage = CaptureStage(professional, out_dir=out, source_info={"name": "test"})
    stage.trigger()
    stage(real_frame(placed))
    capture = stage.captures[0]
    return stage, capture, capture.folder


def test_stage_writes_every_file_and_a_complete_report(written) -> None:
    stage, capture, folder = written
    assert folder is not None and stage.pending is None
    assert entries(folder) == sorted(["original.png", "processed.png", "square.jpg", "vertical.jpg", "id.jpg",
                                      "report.json"])
    report = json.loads((folder / "report.json").read_text())
    for key in ("captured", "frame_index", "time_s", "score", "checks", "instructions", "files", "engine",
                "profile", "versions", "source", "crops", "trigger"):
        assert key in report, key
    assert report["captured"] is True and report["trigger"] == "manual"
    assert report["engine"]["backend"] == "onnxruntime" and report["engine"]["precision"] == "fp32"
    assert report["profile"]["name"] == "professional"
    assert report["versions"]["numpy"] == np.__version__ and report["versions"]["headshot-studio"]
    assert set(report["checks"]["roll"]) >= {"value", "band", "pass", "instruction"}
    assert all((folder / name).is_file() for name in report["files"].values())
    with Image.open(folder / "id.jpg") as im:  # native pixels (no --upscale), DPI that prints 35x45 mm
        ident = report["crops"]["id"]
        assert list(im.size) == ident["size"] == ident["native_px"] and im.info["dpi"] == (ident["dpi"],) * 2
        assert ident["dpi"] == round(im.size[1] / (45 / 25.4))
    with Image.open(folder / "original.png") as im:
        np.testing.assert_array_equal(np.asarray(im)[:, :, ::-1], capture.candidate.image)
    assert 0.70 <= report["crops"]["id"]["head_fraction"] <= 0.80
    assert report["crops"]["vertical"]["upscaled"] is False  # never invented pixels unless asked (#15)
    assert report["crops"]["vertical"]["size"] == report["crops"]["vertical"]["native_px"]


def test_stage_last_capture_is_for_the_preview(written) -> None:
    stage, capture, folder = written
    last = stage.last_capture()
    assert last is not None and last.path == str(folder) and last.capture_id == capture.capture_id
    assert abs(last.image.shape[1] * 5 - last.image.shape[0] * 4) <= 5  # professional's 4:5 crop (native px)


def test_the_outcome_leaves_the_stage_on_the_frame(placed, professional, tmp_path) -> None:
    stage = CaptureStage(professional, out_dir=tmp_path)
    stage.trigger()
    shot = real_frame(placed)
    stage(shot)
    assert shot.capture is not None and shot.capture == stage.last_capture()  # what the preview's sink reads
    assert shot.capture.path == str(stage.captures[0].folder) and not shot.stop_requested  # no ends_loop


def test_retouch_follows_the_profile(written) -> None:
    _, capture, folder = written
    report = json.loads((folder / "report.json").read_text())
    assert report["retouch"] == {"enabled": True, "strength": 0.25}
    with Image.open(folder / "processed.png") as im:
        processed = np.asarray(im)[:, :, ::-1]
    changed = np.any(processed != capture.candidate.image, axis=2)
    assert 0 < changed.mean() < 0.05  # the face skin only


def test_failed_write_keeps_the_capture_for_a_retry(placed, professional, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "full"
    stage = CaptureStage(professional, out_dir=out)

    def broken_encoder(image, dpi, quality=95):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(stage_module, "encode_jpeg", broken_encoder)
    stage.trigger()
    with pytest.raises(OSError):
        stage(real_frame(placed))
    assert stage.pending is not None and not out.exists()
    monkeypatch.undo()
    folder = stage.write(out_dir=tmp_path / "other")
    assert folder.parent == tmp_path / "other" and (folder / "report.json").is_file()
    assert stage.pending is None


def test_folders_and_files_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        folder = write_folder(tmp_path, FILES, WHEN)
    finally:
        os.umask(old)
    assert folder.stat().st_mode & 0o777 == 0o755
    assert (folder / "a.png").stat().st_mode & 0o777 == 0o644
