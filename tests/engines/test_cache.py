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
