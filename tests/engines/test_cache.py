"""Artifact cache: keys, invalidation, corruption, listing and clearing."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import pytest

from engines.cache import CACHE_ENV, ArtifactCache, CacheKey, cache_dir, sha256_bytes
from realtime.errors import EngineError

SHA = sha256_bytes(b"model")
BASE = CacheKey(kind="engines", source_sha256=SHA, backend="tensorrt", precision="fp16",
                device="NVIDIA H100 (sm_90)", library="tensorrt 10.3.0", profile="1x360x640x3..1x1080x1920x3")


@pytest.mark.parametrize("change", [
    {"source_sha256": sha256_bytes(b"other model")},
    {"backend": "onnxruntime"},
    {"precision": "int8"},
    {"device": "NVIDIA RTX 4090 (sm_89)"},
    {"device": "NVIDIA H100 (sm_80)"},
    {"library": "tensorrt 10.4.0"},
    {"profile": "1x360x640x3..1x720x1280x3"},
])
def test_every_field_changes_the_key(change):
    other = replace(BASE, **change)
    assert other.digest() != BASE.digest()
    assert other.filename(".plan") != BASE.filename(".plan")


def test_key_is_stable():
    assert BASE.digest() == replace(BASE).digest()
    assert BASE.filename(".plan").startswith("tensorrt-fp16-") and BASE.filename(".plan").endswith(".plan")


@pytest.mark.parametrize(("field", "value"), [("source_sha256", "abc"), ("backend", ""), ("precision", "fp 16"),
                                              ("kind", "../up")])
def test_bad_keys_are_refused(field, value):
    with pytest.raises(ValueError):
        replace(BASE, **{field: value})


def test_cache_dir_honours_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    monkeypatch.delenv(CACHE_ENV)
    assert cache_dir().parts[-2:] == (".cache", "headshot-studio")


def test_round_trip_and_build_once(tmp_path):
    cache = ArtifactCache(tmp_path)
    builds = []

    def build() -> bytes:
        builds.append(1)
        return b"engine bytes" * 100

    first, built1 = cache.get_or_build(BASE, build, ".plan")
    second, built2 = cache.get_or_build(BASE, build, ".plan")
    assert first == second and (built1, built2) == (True, False) and len(builds) == 1
    sidecar = json.loads(cache.path_for(BASE, ".plan").with_name(BASE.filename(".plan") + ".json").read_text())
    assert sidecar["key"] == BASE.as_dict() and sidecar["sha256"] == sha256_bytes(first)


def _corrupt_truncate(path):
    path.write_bytes(path.read_bytes()[:10])


def _corrupt_flip(path):
    data = bytearray(path.read_bytes())
    data[5] ^= 0xFF
    path.write_bytes(bytes(data))


def _corrupt_sidecar(path):
    path.with_name(path.name + ".json").write_text("{not json")


def _drop_sidecar(path):
    path.with_name(path.name + ".json").unlink()


def _other_version(path):
    meta_path = path.with_name(path.name + ".json")
    meta = json.loads(meta_path.read_text())
    meta["key"]["library"] = "tensorrt 9.0"
    meta_path.write_text(json.dumps(meta))


@pytest.mark.parametrize("damage", [_corrupt_truncate, _corrupt_flip, _corrupt_sidecar, _drop_sidecar,
                                    _other_version])
def test_damaged_entries_are_rebuilt_with_a_log_line(tmp_path, caplog, damage):
    cache = ArtifactCache(tmp_path)
    cache.store(BASE, b"good payload" * 50, ".plan")
    damage(cache.path_for(BASE, ".plan"))
    with caplog.at_level(logging.WARNING, logger="engines.cache"):
        assert cache.load(BASE, ".plan") is None
    assert "rebuilding" in caplog.text
    payload, built = cache.get_or_build(BASE, lambda: b"rebuilt", ".plan")
    assert (payload, built) == (b"rebuilt", True)
    assert cache.load(BASE, ".plan") == b"rebuilt"


def test_list_and_clear_by_filter(tmp_path):
    cache = ArtifactCache(tmp_path)
    keys = [BASE, replace(BASE, precision="fp32"), replace(BASE, kind="models", backend="onnx", precision="fp32")]
    for i, key in enumerate(keys):
        cache.store(key, bytes([i]) * 10, ".bin")
    entries = cache.entries()
    assert len(entries) == 3 and all(e.valid and e.size == 10 for e in entries)
    assert cache.clear(backend="tensorrt", precision="fp32") == 1
    assert cache.clear(kind="engines") == 1
    assert [e.key["kind"] for e in cache.entries()] == ["models"]
    assert cache.clear() == 1 and cache.entries() == []


def test_entries_flag_a_truncated_file(tmp_path):
    cache = ArtifactCache(tmp_path)
    cache.store(BASE, b"x" * 100, ".plan")
    _corrupt_truncate(cache.path_for(BASE, ".plan"))
    (entry,) = cache.entries()
    assert not entry.valid


def test_unwritable_cache_is_an_engine_error_with_the_fix(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(EngineError, match="cannot write the cache") as caught:
        ArtifactCache(blocker).store(BASE, b"x", ".plan")
    assert CACHE_ENV in caught.value.fix


def test_options_change_the_key_but_empty_options_keep_old_keys():
    assert "options" not in BASE.as_dict()  # keys written before the field existed still match
    assert replace(BASE, options="flags FP16; workspace 1024 MiB").digest() != BASE.digest()


def test_unwritable_cache_costs_time_not_the_run(tmp_path, caplog):
    """Issue 14 item 8: the payload built in memory is used; the warning names the folder and the fix."""
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = ArtifactCache(blocker)
    with caplog.at_level(logging.WARNING, logger="engines.cache"):
        payload, built = cache.get_or_build(BASE, lambda: b"engine", ".plan")
    assert (payload, built) == (b"engine", True)
    assert "cannot write the cache" in caplog.text and CACHE_ENV in caplog.text and "onnxruntime" not in caplog.text


def test_the_studio_engine_opens_with_an_unwritable_cache(tmp_path, monkeypatch, astronaut_bgr):
    from engines.studio import open_studio_engine

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(CACHE_ENV, str(blocker))
    with open_studio_engine("auto", threads=1) as engine:
        out = engine.run(astronaut_bgr)
    assert engine.info.backend == "onnxruntime" and out.image.shape == astronaut_bgr.shape


WRONG_SHAPES = ["[1, 2, 3]", '"text"', '{"key": "engines"}', '{"key": {"kind": 5}}',
                '{"key": {"kind": "engines", "nope": "x"}}', '{"format": 1, "key": {}, "size": "big"}',
                json.dumps({"format": 1, "key": BASE.as_dict(), "size": 1, "created": "yesterday"}), "\xff\xfe"]


@pytest.mark.parametrize("sidecar", WRONG_SHAPES)
def test_sidecar_of_the_wrong_shape_is_listed_invalid_and_cleared(tmp_path, sidecar, capsys, monkeypatch):
    """Issue 14 item 9: valid JSON of the wrong shape is an invalid entry, not a traceback."""
    from realtime.cli import main
    from realtime.doctor import check_cache

    cache = ArtifactCache(tmp_path)
    cache.store(BASE, b"x" * 10, ".plan")
    path = cache.path_for(BASE, ".plan")
    path.with_name(path.name + ".json").write_text(sidecar, encoding="latin-1")
    (entry,) = cache.entries()
    assert not entry.valid and entry.key == {}
    assert cache.load(BASE, ".plan") is None  # and it is removed on load, rebuilt by the caller
    cache.store(BASE, b"x" * 10, ".plan")
    path.with_name(path.name + ".json").write_text(sidecar, encoding="latin-1")
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    (finding,) = check_cache()
    assert not finding.ok and "1 damaged" in finding.detail and "engines clear --stale" in finding.fix
    assert main(["engines", "list"]) == 0
    assert "INVALID" in capsys.readouterr().out
    assert main(["engines", "clear", "--stale"]) == 0
    assert "removed 1 cached item" in capsys.readouterr().out and not path.exists()
    assert check_cache()[0].ok


def test_clear_stale_keeps_this_tensorrt_and_everything_else(tmp_path):
    cache = ArtifactCache(tmp_path)
    current = replace(BASE, library="tensorrt 10.3.0")
    old = replace(BASE, library="tensorrt 10.1.0")
    model = CacheKey(kind="models", source_sha256=SHA, backend="onnxruntime", library="tf2onnx 1.16")
    for key in (current, old, model):
        cache.store(key, b"x" * 10, ".plan")
    (tmp_path / "tensorrt").mkdir()
    (tmp_path / "tensorrt" / "timing-GPU-trt10.3.0.cache").write_bytes(b"t")
    (tmp_path / "tensorrt" / "timing-GPU-trt10.1.0.cache").write_bytes(b"t")
    assert [e.key["library"] for e in cache.stale({"tensorrt": "10.3.0"})] == ["tensorrt 10.1.0"]
    removed = cache.clear_stale({"tensorrt": "10.3.0"})
    assert sorted(e.path.name for e in removed) == sorted([cache.path_for(old, ".plan").name,
                                                          "timing-GPU-trt10.1.0.cache"])
    left = {e.key["library"] for e in cache.entries()}
    assert left == {"tensorrt 10.3.0", "tf2onnx 1.16"}
    assert (tmp_path / "tensorrt" / "timing-GPU-trt10.3.0.cache").exists()
    assert len(cache.clear_stale({"tensorrt": None})) == 2  # no TensorRT here: its plans and timings are stale
