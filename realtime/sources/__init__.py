"""Frame sources and ``open_source(spec)``: the one ``--source`` grammar every command shares.

Grammar: ``demo``; ``0``, ``camera:0`` or ``/dev/video2`` (webcam); a video file; an image file; a
folder or a glob of images; or ``<scheme>:<rest>`` for a scheme added with :func:`register_source`
(tests register scripted sources this way).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from realtime.errors import SourceError
from realtime.mediafiles import IMAGE_SUFFIXES, VIDEO_SUFFIXES
from realtime.sources.base import FrameSource, SourceFrame, ThreadedSource
from realtime.sources.camera import CameraSource, camera_device
from realtime.sources.demo import DemoSource, LiveDemoSource
from realtime.sources.images import ImageSource
from realtime.sources.video import PacedVideoSource, VideoFileSource

__all__ = ["FrameSource", "SourceFrame", "ThreadedSource", "open_source", "register_source", "unregister_source"]

SourceFactory = Callable[..., FrameSource]


class SourceRegistry:
    """Schemes (``name:rest``) and the factories that open them, called as ``factory(rest, live=...)``."""

    def __init__(self) -> None:
        self._factories: dict[str, SourceFactory] = {}

    def register(self, scheme: str, factory: SourceFactory) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_-]+", scheme) or scheme in ("camera", "demo"):
            raise ValueError(f"expected a lower-case scheme name other than camera/demo, got {scheme!r}")
        self._factories[scheme] = factory

    def unregister(self, scheme: str) -> None:
        self._factories.pop(scheme, None)

    def get(self, scheme: str) -> SourceFactory | None:
        return self._factories.get(scheme)


REGISTRY = SourceRegistry()


def register_source(scheme: str, factory: SourceFactory) -> None:
    """Add a source scheme (e.g. a scripted fake in tests)."""
    REGISTRY.register(scheme, factory)


def unregister_source(scheme: str) -> None:
    REGISTRY.unregister(scheme)


def open_source(
    spec: str,
    *,
    live: bool,
    size: tuple[int, int] | None = None,
    fps: float | None = None,
    registry: SourceRegistry = REGISTRY,
) -> FrameSource:
    """Open the source ``spec`` names.

    ``live`` means real-time behaviour: files and the demo are paced into a latest-frame slot (and the
    demo loops) as a camera would be; otherwise every frame is delivered in order as fast as it is read.
    """
    spec = str(spec).strip()
    if not spec:
        raise SourceError("no source given", "pass --source demo, a camera (0, /dev/video0), a video or images")
    device = camera_device(spec)
    if device is not None:
        return CameraSource(device, size=size, fps=fps)  # no size: the camera's largest 16:9 mode at 25+ fps
    if spec == "demo":
        kwargs = {"size": size} if size else {}
        return LiveDemoSource(**kwargs) if live else DemoSource(**kwargs)
    scheme, _, rest = spec.partition(":")
    factory = registry.get(scheme) if rest and len(scheme) > 1 else None
    if factory is not None:
        return factory(rest, live=live)
    path = Path(spec)
    suffix = path.suffix.lower()
    if suffix in VIDEO_SUFFIXES:
        return PacedVideoSource(path) if live else VideoFileSource(path)
    if path.is_dir() or suffix in IMAGE_SUFFIXES or any(ch in spec for ch in "*?["):
        return ImageSource(spec)
    if path.exists():
        raise SourceError(
            f"{spec} is not a video or image this tool reads",
            f"use one of {', '.join(sorted(VIDEO_SUFFIXES | IMAGE_SUFFIXES))}",
        )
    raise SourceError(
        f"source {spec!r} not found",
        "use 'demo', a camera index like 0 or camera:0, /dev/videoN, a video file, an image, or a folder",
    )
