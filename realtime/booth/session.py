"""Booth sessions on disk: one private folder per person, only accepted photos in it, nothing else kept.

Privacy by construction: shots under review live in memory only (see :mod:`realtime.booth.shots`); a
shot reaches the disk only when accepted, inside the session's folder, and the folder and everything in
it are readable by this user only (0o700 folders, 0o600 files). A session that ends with nothing kept
leaves no folder behind. Nothing is sent anywhere.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from realtime.errors import SinkError

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600


def make_private(path: Path) -> None:
    """chmod ``path`` (and everything under it) to user-only."""
    if path.is_dir():
        os.chmod(path, DIR_MODE)
        for root, dirs, files in os.walk(path):
            for name in dirs:
                os.chmod(Path(root) / name, DIR_MODE)
            for name in files:
                os.chmod(Path(root) / name, FILE_MODE)
    elif path.exists():
        os.chmod(path, FILE_MODE)


@dataclass
class Session:
    number: int
    started: datetime
    folder: Path  # created on the first kept photo
    kept: list[Path] = field(default_factory=list)


class SessionStore:
    """Hands out session folders under ``root`` (created user-only) and cleans up after each session."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser()
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        except OSError as exc:
            raise SinkError(f"cannot create the booth folder {self.root} ({exc.strerror})",
                            "pass --out with a folder you can write to") from exc
        if not os.access(self.root, os.W_OK):
            raise SinkError(f"the booth folder {self.root} is not writable", "pass --out with a writable folder")
        self._count = 0

    def start(self, now: datetime | None = None) -> Session:
        self._count += 1
        started = now or datetime.now()
        name = f"session-{started:%Y%m%d-%H%M%S}-{self._count:03d}"
        return Session(self._count, started, self.root / name)

    def folder_for(self, session: Session) -> Path:
        """The session's folder, created user-only on first use."""
        try:
            session.folder.mkdir(mode=DIR_MODE, exist_ok=True)
        except OSError as exc:
            raise SinkError(f"cannot create {session.folder} ({exc.strerror})",
                            "check free space and permissions of --out") from exc
        os.chmod(session.folder, DIR_MODE)  # mkdir's mode is filtered by the umask
        return session.folder

    def kept(self, session: Session, path: Path) -> None:
        """Record an accepted photo's folder and make it private."""
        make_private(Path(path))
        session.kept.append(Path(path))

    def end(self, session: Session) -> list[Path]:
        """Close the session: a folder with nothing accepted in it is removed. Returns what was kept."""
        kept = [p for p in session.kept if p.exists()]
        if not kept and session.folder.exists():
            shutil.rmtree(session.folder, ignore_errors=False)
            log.info("session %d: nothing kept, %s removed", session.number, session.folder)
        return kept
