"""On-disk cache for converted models and compiled engines: build once offline, load at start.

Every artifact is stored with a JSON sidecar that holds its full key and the payload's size and sha256.
A file that is truncated, corrupted, or was made for another key (other GPU, library version, shape
profile...) is detected on load, removed with a log line, and rebuilt by the caller.

Where: ``$HEADSHOT_CACHE_DIR`` if set, else ``~/.cache/headshot-studio``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engines.errors import EngineError

log = logging.getLogger(__name__)

CACHE_ENV = "HEADSHOT_CACHE_DIR"
SIDECAR_SUFFIX = ".json"
_FORMAT = 1  # sidecar layout version


def cache_dir() -> Path:
    """The cache root: ``$HEADSHOT_CACHE_DIR`` or ``~/.cache/headshot-studio``."""
    env = os.environ.get(CACHE_ENV, "").strip()
    return Path(env).expanduser() if env else Path.home() / ".cache" / "headshot-studio"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class CacheKey:
    """Everything an artifact depends on. Two artifacts are interchangeable only if their keys are equal.

    ``source_sha256`` is the hash of what the artifact is built from (the .tflite for a converted
    model, the ONNX for an engine); ``device`` is the GPU name and compute capability ('' on CPU);
    ``library`` the builder's name and version; ``profile`` the input shape profile; ``options`` the
    build options that change the result (TensorRT's builder flags and workspace), left out of the
    digest when empty so keys made before it existed stay valid.
    """

    kind: str
    source_sha256: str
    backend: str
    precision: str = "fp32"
    device: str = ""
    library: str = ""
    profile: str = ""
    options: str = ""

    def __post_init__(self) -> None:
        for name in ("kind", "backend", "precision"):
            value = getattr(self, name)
            if not value or not all(ch.isalnum() or ch in "-_." for ch in value):
                raise ValueError(f"cache key {name} must be a non-empty [A-Za-z0-9-_.] word, got {value!r}")
        if len(self.source_sha256) != 64:
            raise ValueError(f"expected a sha256 hex digest (64 chars), got {self.source_sha256!r}")

    def as_dict(self) -> dict[str, str]:
        out = dataclasses.asdict(self)
        if not out["options"]:
            del out["options"]
        return out

    @classmethod
    def from_dict(cls, data: Any) -> CacheKey | None:
        """The key in a sidecar, or None when it is not one (another layout, hand-edited, damaged)."""
        names = {f.name for f in dataclasses.fields(cls)}
        if not isinstance(data, dict) or not set(data) <= names or not all(isinstance(v, str) for v in data.values()):
            return None
        try:
            return cls(**data)
        except (TypeError, ValueError):
            return None

    def digest(self) -> str:
        """A stable hash of every field (JSON with sorted keys, so field order never matters)."""
        return sha256_bytes(json.dumps(self.as_dict(), sort_keys=True).encode())

    def filename(self, suffix: str) -> str:
        return f"{self.backend}-{self.precision}-{self.digest()[:24]}{suffix}"


@dataclass(frozen=True)
class CacheEntry:
    """One cached artifact as listed by ``ArtifactCache.entries``."""

    path: Path
    key: dict[str, str]
    size: int
    created: float
    valid: bool


class ArtifactCache:
    """Artifacts under ``root/<kind>/<backend>-<precision>-<digest><suffix>``, each with a JSON sidecar."""

    def __init__(self, root: Path | str | None = None) -> None:
        self._root = Path(root) if root is not None else cache_dir()

    @property
    def root(self) -> Path:
        return self._root

    def path_for(self, key: CacheKey, suffix: str) -> Path:
        return self._root / key.kind / key.filename(suffix)

    def load(self, key: CacheKey, suffix: str) -> bytes | None:
        """The cached payload for ``key``, or None when absent; a bad file is removed and reported."""
        path = self.path_for(key, suffix)
        if not path.exists():
            return None
        problem = None
        try:
            meta = json.loads(_sidecar(path).read_text())
            payload = path.read_bytes()
            if meta.get("format") != _FORMAT or meta.get("key") != key.as_dict():
                problem = "it was made for another key"
            elif len(payload) != meta.get("size") or sha256_bytes(payload) != meta.get("sha256"):
                problem = (f"it is corrupted or truncated ({len(payload)} bytes, "
                           f"expected {meta.get('size')})")
        except (OSError, ValueError, AttributeError, TypeError) as exc:
            problem = f"its sidecar is missing or unreadable ({type(exc).__name__})"
        if problem is None:
            return payload
        log.warning("cached %s %s is not usable: %s; rebuilding", key.kind, path.name, problem)
        _remove(path)
        return None

    def store(self, key: CacheKey, payload: bytes, suffix: str) -> Path:
        """Write payload and sidecar atomically (temp file + rename), payload first."""
        path = self.path_for(key, suffix)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(path, payload)
            meta = {"format": _FORMAT, "key": key.as_dict(), "size": len(payload),
                    "sha256": sha256_bytes(payload), "created": time.time()}
            _atomic_write(_sidecar(path), json.dumps(meta, indent=1, sort_keys=True).encode())
        except OSError as exc:
            raise EngineError(f"cannot write the cache at {path.parent} ({exc.strerror or exc})",
                              f"free disk space, fix permissions, or set {CACHE_ENV} to a writable folder"
                              ) from exc
        log.info("cached %s %s (%d bytes)", key.kind, path, len(payload))
        return path

    def get_or_build(self, key: CacheKey, build: Callable[[], bytes], suffix: str) -> tuple[bytes, bool]:
        """(payload, built): the cached payload, or ``build()``'s result, stored for next time.

        A cache that cannot be written costs time, not the run: the payload built in memory is returned
        with a warning that names the folder and the fix (it is built again next start)."""
        cached = self.load(key, suffix)
        if cached is not None:
            return cached, False
        payload = build()
        try:
            self.store(key, payload, suffix)
        except EngineError as exc:
            log.warning("%s; using the %s built in memory (it is built again next time): %s",
                        exc.problem, key.kind, exc.fix)
        return payload, True

    def remove(self, key: CacheKey, suffix: str) -> None:
        """Remove one artifact and its sidecar (e.g. an engine that no longer loads); others stay."""
        _remove(self.path_for(key, suffix))

    def entries(self) -> list[CacheEntry]:
        """Every artifact on disk with its key, sorted by path; ``valid`` is a cheap size check. A sidecar
        that is not ours (unreadable, not JSON, JSON of another shape) is listed as invalid with key {}."""
        out: list[CacheEntry] = []
        if not self._root.exists():
            return out
        for meta_path in sorted(self._root.glob(f"*/*{SIDECAR_SUFFIX}")):
            path = meta_path.with_suffix("")
            try:
                meta = json.loads(meta_path.read_text())
                size = path.stat().st_size if path.exists() else -1
            except (OSError, ValueError, UnicodeDecodeError):
                out.append(CacheEntry(path, {}, -1, 0.0, False))
                continue
            key = CacheKey.from_dict(meta.get("key")) if isinstance(meta, dict) else None
            created = meta.get("created") if isinstance(meta, dict) else None
            expected = meta.get("size") if isinstance(meta, dict) else None
            if key is None or not isinstance(created, int | float) or not isinstance(expected, int):
                out.append(CacheEntry(path, {}, size, 0.0, False))
                continue
            out.append(CacheEntry(path, key.as_dict(), size, float(created), size == expected))
        return out

    def clear(self, *, kind: str | None = None, backend: str | None = None,
              precision: str | None = None) -> int:
        """Remove matching artifacts (all when no filter); returns how many were removed. An entry whose
        sidecar is damaged has no key: it goes with an unfiltered clear (and with ``clear_stale``)."""
        removed = 0
        for entry in self.entries():
            k = entry.key
            if ((kind and k.get("kind") != kind) or (backend and k.get("backend") != backend)
                    or (precision and k.get("precision") != precision)):
                continue
            _remove(entry.path)
            removed += 1
        return removed

    def stale(self, libraries: dict[str, str | None]) -> list[CacheEntry]:
        """Entries that can never be used here: damaged ones, and those built by another version of a
        library named in ``libraries`` (name -> the installed version, None when not installed, e.g.
        {"tensorrt": "10.3.0"}): a TensorRT plan only loads in the TensorRT that built it."""
        out = []
        for entry in self.entries():
            library = entry.key.get("library", "")
            name, _, version = library.partition(" ")
            if not entry.valid or (name in libraries and version.split(";")[0] != (libraries[name] or "")):
                out.append(entry)
        return out

    def clear_stale(self, libraries: dict[str, str | None],
                    match: Callable[[dict[str, str]], bool] = lambda key: True) -> list[CacheEntry]:
        """Remove ``stale(libraries)`` (those whose key ``match``es; damaged ones always) and timing caches
        of other versions; returns what was removed."""
        removed = [e for e in self.stale(libraries) if not e.key or match(e.key)]
        for entry in removed:
            _remove(entry.path)
        for name, version in libraries.items():
            if not match({"kind": "timing", "backend": name}):
                continue
            for timing in sorted((self._root / name).glob("timing-*.cache")) if (self._root / name).is_dir() else []:
                if version is None or not timing.name.endswith(f"-trt{version}.cache"):
                    _remove(timing)
                    removed.append(CacheEntry(timing, {"kind": "timing", "backend": name}, -1, 0.0, False))
        return removed


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _remove(path: Path) -> None:
    for p in (path, _sidecar(path)):
        try:
            p.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove %s: %s", p, exc)
