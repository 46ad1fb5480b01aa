"""Engine faults through ``headshot process``: a damaged or foreign model cache is rebuilt with a log
line and gives the same picture; an unreadable model is one line (exit 4) naming the file. (The cache's
own unit tests, for every kind of damage, are in tests/engines/test_cache.py.)"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import cv2
import numpy as np
import pytest

from engines.cache import ArtifactCache
from engines.studio import open_studio_engine
from realtime.cli import main
from realtime.errors import EngineError


def process(photo: Path, out: Path) -> int:
    return main(["process", str(photo), "--out", str(out), "--backend", "onnxruntime", "--background", "blur"])


@pytest.fixture(scope="module")
def reference(photo, tmp_path_factory) -> np.ndarray:
    """The output with a freshly built cache (its own folder, so damage elsewhere cannot touch it)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HEADSHOT_CACHE_DIR", str(tmp_path_factory.mktemp("clean-cache")))
        out = tmp_path_factory.mktemp("ref") / "ref.png"
        assert process(photo, out) == 0
    return cv2.imread(str(out))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])


def flip_bytes(path: Path) -> None:
    payload = bytearray(path.read_bytes())
    payload[len(payload) // 2: len(payload) // 2 + 16] = bytes(16)
    path.write_bytes(bytes(payload))


def garble_sidecar(path: Path) -> None:
    path.with_name(path.name + ".json").write_text('{"format": 1, "key": ')


def other_version(path: Path) -> None:
    """As if converted by another onnx release: same file, a sidecar key naming another library."""
    sidecar = path.with_name(path.name + ".json")
    meta = json.loads(sidecar.read_text())
    meta["key"]["library"] = meta["key"]["library"].replace("onnx ", "onnx 0.") + " (old)"
    sidecar.write_text(json.dumps(meta))


@pytest.mark.parametrize("damage", [truncate, flip_bytes, garble_sidecar, other_version],
                         ids=["truncated", "corrupted", "sidecar", "other-version"])
def test_damaged_model_cache_is_rebuilt_with_a_log_line(photo, reference, tmp_path, monkeypatch, caplog,
                                                         damage) -> None:
    monkeypatch.setenv("HEADSHOT_CACHE_DIR", str(tmp_path / "cache"))
    assert process(photo, tmp_path / "first.png") == 0
    (model,) = [e.path for e in ArtifactCache(tmp_path / "cache").entries() if e.key.get("kind") == "models"]
    damage(model)
    with caplog.at_level(logging.WARNING, logger="engines.cache"):
        assert process(photo, tmp_path / "again.png") == 0
    lines = [r.getMessage() for r in caplog.records if r.name == "engines.cache"]
    assert len(lines) == 1 and "rebuilding" in lines[0] and model.name in lines[0]
    entry = next(e for e in ArtifactCache(tmp_path / "cache").entries() if e.key.get("kind") == "models")
    assert entry.valid and entry.path == model  # rebuilt in place under the right key
    again = cv2.imread(str(tmp_path / "again.png"))
    assert np.abs(again.astype(int) - reference.astype(int)).max() <= 1  # the same picture as a clean cache


@pytest.mark.parametrize("broken", ["garbage", "truncated", "directory"])
def test_unreadable_segmentation_model_is_one_line_exit_4(photo, tmp_path, monkeypatch, capsys, broken) -> None:
    from engines.models import selfie

    real = selfie.tflite_path("general")
    path = tmp_path / "selfie_segmentation.tflite"
    if broken == "garbage":
        path.write_bytes(b"this is not a model\n" * 100)
    elif broken == "truncated":
        path.write_bytes(real.read_bytes()[:30000])
    else:
        path.mkdir()  # unreadable as a file
    monkeypatch.setattr(selfie, "tflite_path", lambda variant="general": path)
    monkeypatch.setenv("HEADSHOT_CACHE_DIR", str(tmp_path / "cache"))
    code = main(["process", str(photo), "--out", str(tmp_path / "o.png")])
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("headshot")]
    assert code == 4, lines
    assert len(lines) == 1 and str(path) in lines[0] and "mediapipe" in lines[0], lines
    assert not (tmp_path / "o.png").exists()


@pytest.mark.parametrize("content", [b"", b"\x08\x07garbage" * 40, "truncated"])
def test_unreadable_onnx_model_file_is_an_engine_error_naming_it(tmp_path, content) -> None:
    path = tmp_path / "broken.onnx"
    if content == "truncated":
        from engines.models import load_segmentation_model

        blob = load_segmentation_model("general", cache=ArtifactCache(tmp_path / "cache")).SerializeToString()
        content = blob[: len(blob) // 2]
    path.write_bytes(content)
    with pytest.raises(EngineError) as info:
        open_studio_engine("onnxruntime", model_path=path)
    assert f"model file {path} is not a readable ONNX model" in info.value.one_line()
    assert "rebuild" in (info.value.fix or "")
