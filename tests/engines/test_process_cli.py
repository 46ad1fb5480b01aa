"""``headshot process`` and ``headshot engines``: smoke tests through the real CLI on a real photo."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from engines.backends import tensorrt_unavailable
from realtime.cli import main


@pytest.fixture(autouse=True)
def cache_env(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("HEADSHOT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cli-cache"))


@pytest.fixture(scope="module")
def photo(tmp_path_factory) -> tuple:
    folder = tmp_path_factory.mktemp("process")
    bgr = np.ascontiguousarray(data.astronaut()[:, :, ::-1])
    path = folder / "astronaut.png"
    cv2.imwrite(str(path), bgr)
    return path, bgr


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> tuple:
    """Eight 640x360 frames of the photo panning right."""
    folder = tmp_path_factory.mktemp("clip")
    path = folder / "pan.mp4"
    base = cv2.resize(data.astronaut()[56:456, :, ::-1], (640, 360))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (640, 360))
    for i in range(8):
        writer.write(np.roll(base, 6 * i, axis=1))
    writer.release()
    return path, 8


def _frames(path) -> list[np.ndarray]:
    capture, frames = cv2.VideoCapture(str(path)), []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames


@pytest.mark.parametrize("background", ["keep", "blur", "studio"])
def test_image_every_background(photo, tmp_path, capsys, background):
    src, bgr = photo
    out, mask = tmp_path / "out.png", tmp_path / "mask.png"
    rc = main(["process", str(src), "--out", str(out), "--mask", str(mask), "--background", background,
               "--backend", "onnxruntime"])
    assert rc == 0, capsys.readouterr().err
    image = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    matte = cv2.imread(str(mask), cv2.IMREAD_UNCHANGED)
    assert image.shape == bgr.shape and matte.shape == bgr.shape[:2] and matte.dtype == np.uint8
    assert np.median(matte[110:190, 200:260]) >= 250 and matte[20, 480] <= 5  # face is person, wall is not
    changed_wall = np.abs(image[:80, 400:].astype(int) - bgr[:80, 400:].astype(int)).mean()
    assert (changed_wall > 10) == (background != "keep")
    assert "onnxruntime" in capsys.readouterr().out


def test_keep_without_relight_leaves_the_image_alone(photo, tmp_path):
    src, bgr = photo
    out = tmp_path / "same.png"
    assert main(["process", str(src), "--out", str(out), "--no-relight", "--backend", "onnxruntime"]) == 0
    diff = np.abs(cv2.imread(str(out)).astype(int) - bgr.astype(int))
    assert diff.max() <= 1


def test_segmentation_only_mask(photo, tmp_path):
    src, bgr = photo
    out, mask = tmp_path / "o.png", tmp_path / "m.png"
    assert main(["process", str(src), "--out", str(out), "--mask", str(mask), "--segmentation-only",
                 "--backend", "onnxruntime"]) == 0
    assert np.array_equal(cv2.imread(str(out)), bgr)
    matte = cv2.imread(str(mask), cv2.IMREAD_UNCHANGED)
    assert 0.2 < (matte > 127).mean() < 0.8


def test_video_with_mask_video(clip, tmp_path, capsys):
    src, count = clip
    out, mask = tmp_path / "out.mp4", tmp_path / "mask.mp4"
    rc = main(["process", str(src), "--out", str(out), "--mask", str(mask), "--background", "studio",
               "--backend", "onnxruntime"])
    assert rc == 0, capsys.readouterr().err
    frames, mattes = _frames(out), _frames(mask)
    assert len(frames) == len(mattes) == count
    assert frames[0].shape == (360, 640, 3)
    assert f"{count} frames" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "code", "text"), [
    (["missing.png", "--out", "o.png"], 3, "does not exist"),
    (["{photo}", "--out", "o.mp4"], 2, "expected an image for an image input, got a video"),
    (["{photo}", "--out", "o.png", "--mask", "m.mp4"], 2, "--mask"),
    (["{photo}", "--out", "o.txt"], 2, "known extension"),
])
def test_bad_arguments_are_one_line_errors(photo, tmp_path, capsys, monkeypatch, args, code, text):
    monkeypatch.chdir(tmp_path)
    argv = ["process", *[a.replace("{photo}", str(photo[0])) for a in args]]
    assert main(argv) == code
    err = capsys.readouterr().err
    assert text in err and err.count("\n") == 1


@pytest.mark.skipif(tensorrt_unavailable() is None, reason="TensorRT is usable here")
def test_tensorrt_without_gpu_is_exit_4_with_the_fix(photo, tmp_path, capsys):
    assert main(["process", str(photo[0]), "--out", str(tmp_path / "o.png"), "--backend", "tensorrt"]) == 4
    err = capsys.readouterr().err
    assert "TensorRT backend unavailable" in err and "--backend onnxruntime" in err and err.count("\n") == 1


def test_engines_build_list_clear(capsys):
    assert main(["engines", "clear"]) == 0
    assert main(["engines", "build", "--backend", "onnxruntime"]) == 0
    assert "general: onnxruntime fp32" in capsys.readouterr().out
    assert main(["engines", "list"]) == 0
    listing = capsys.readouterr().out
    assert "models" in listing and "[ok]" in listing
    assert "kind" in listing and "backend" in listing and "[state]" in listing  # the columns are named
    assert main(["engines", "list", "--backend", "tensorrt"]) == 0
    assert "nothing cached" in capsys.readouterr().out
    assert main(["engines", "clear", "--backend", "onnx"]) == 0
    assert "removed 1 cached item" in capsys.readouterr().out
