"""``headshot booth --share``: the attendee takes the photo home by scanning a QR code.

The booth serves a tiny web page on the local network. Why the standard library's
:class:`http.server.ThreadingHTTPServer`: it needs no dependency, is well known and audited, serves a
handful of requests per attendee, and it only ever answers a fixed set of URL shapes (share_web), so a
framework would add nothing but surface. It is never exposed to the internet: it binds one explicit
address (shown on the screen) and makes no outgoing connection.

Rules (tests/booth/test_share_security.py checks each with a real HTTP client):

- each session gets its own token (``secrets.token_urlsafe``, 128 bits): ``/s/<token>/`` lists that
  session's photos, ``/s/<token>/<n>/<crop>.jpg`` downloads one of its three crops, and nothing else;
- URLs are matched as raw text against fixed patterns, never decoded and joined to a folder: ``..``,
  percent-encoding and absolute paths cannot name a file; the file is opened with ``O_NOFOLLOW`` inside a
  folder whose real path must be its own (no symlinks);
- a link expires ``minutes`` after the session's last accepted photo; an expired, closed or unknown
  token gets the same 404; in private mode the photos behind a link are deleted when it expires (and
  when the booth stops);
- the server is a context manager: leaving it stops the server and its sweeper thread.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np

from realtime.booth.share_web import CROPS, QuietServer, ShareHandler, open_regular
from realtime.errors import ConfigError

log = logging.getLogger(__name__)

__all__ = ["CROPS", "Handoff", "ShareServer", "open_regular", "parse_bind", "lan_address", "qr_modules"]

DEFAULT_PORT = 8019
SWEEP_S = 5.0


@dataclass
class Handoff:
    """One session's link: its token, the accepted photos (capture folders) and when it expires."""

    token: str
    folder: Path  # the session folder
    photos: list[Path] = field(default_factory=list)
    expires: float = 0.0  # on the server's clock
    closed: bool = False
    qr: np.ndarray | None = None  # the QR code's modules (1 = dark), made once per link


def parse_bind(text: str) -> tuple[str, int]:
    """``ADDR:PORT`` or ``ADDR`` -> (address, port); a wildcard address is refused (it cannot be shown)."""
    host, _, port_text = text.rpartition(":") if ":" in text else (text, "", str(DEFAULT_PORT))
    host = host.strip("[]")
    try:
        port = int(port_text)
    except ValueError:
        port = -1
    if not host or not 0 <= port <= 65535:
        raise ConfigError(f"expected --bind ADDR:PORT (e.g. 192.168.1.20:8019), got {text!r}",
                          "pass the booth's address on the local network and a port")
    if host in ("0.0.0.0", "::", "*"):
        raise ConfigError(f"--bind {text} listens everywhere and gives no address to put in the QR code",
                          "pass the booth's own address on the local network, e.g. --bind 192.168.1.20:8019")
    return host, port


def lan_address() -> str:
    """The address of the interface that holds the default route (a UDP ``connect`` sends no packet)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 9))
            address = probe.getsockname()[0]
        except OSError:
            address = "127.0.0.1"
    if address.startswith("127.") or address == "0.0.0.0":
        raise ConfigError("found no local network address for --share",
                          "connect the booth to the network or pass --bind ADDR:PORT")
    return address


def qr_modules(url: str) -> np.ndarray:
    """The QR code for ``url`` as a 0/1 array with its quiet zone (segno, error correction M)."""
    import segno

    code = segno.make(url, error="m", micro=False)
    return np.array([list(row) for row in code.matrix_iter(scale=1, border=4)], np.uint8)


def delete_photos(handoff: Handoff) -> None:
    """Remove a link's photos, and the session folder once nothing is left in it."""
    for photo in handoff.photos:
        shutil.rmtree(photo, ignore_errors=True)
    try:
        handoff.folder.rmdir()
    except OSError:
        pass  # other photos (not shared) or already gone


class ShareServer:
    """The booth's hand-off server; ``with ShareServer(...) as share:`` runs it on a thread."""

    def __init__(self, host: str, port: int = DEFAULT_PORT, *, minutes: float = 30.0, private: bool = False,
                 clock: Callable[[], float] = time.monotonic, operator: Any = None,
                 sweep_s: float = SWEEP_S) -> None:
        if not minutes > 0:
            raise ConfigError(f"expected --share-minutes > 0, got {minutes}", "pass a positive number of minutes")
        self.host, self.port = host, port
        self.minutes = minutes
        self.private = private
        self.clock = clock
        self.operator = operator  # an OperatorPage answering /operator, or None
        self.sweep_s = sweep_s
        self._lock = threading.Lock()
        self._links: dict[Path, Handoff] = {}
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()

    # --- life ----------------------------------------------------------------------------------------------
    def __enter__(self) -> ShareServer:
        handler = type("Handler", (ShareHandler,), {"share": self})
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        server = QuietServer((self.host, self.port), handler, bind_and_activate=False, family=family)
        server.daemon_threads = True
        server.allow_reuse_address = True  # a restarted booth gets its port back at once
        try:
            server.server_bind()
            server.server_activate()
        except OSError as exc:
            server.server_close()
            raise ConfigError(f"cannot serve on {self.host}:{self.port} ({exc.strerror or exc})",
                              "pass --bind with an address of this machine and a free port") from exc
        self._server = server
        self.port = server.server_address[1]
        self._threads = [threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                                          name="booth-share", daemon=True),
                         threading.Thread(target=self._sweeper, name="booth-share-sweep", daemon=True)]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving (safe to call twice); in private mode the photos behind open links are deleted."""
        self._stop.set()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []
        with self._lock:
            links = [h for h in self._links.values() if not h.closed]
            for handoff in links:
                handoff.closed = True
        if self.private:
            for handoff in links:
                delete_photos(handoff)

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def url(self, handoff: Handoff) -> str:
        return f"{self.base_url}/s/{handoff.token}/"

    # --- links -------------------------------------------------------------------------------------------
    def add(self, folder: Path, photo: Path) -> Handoff:
        """Share an accepted photo (a capture folder inside the session ``folder``): the session's link is
        made on its first photo and lives ``minutes`` from its latest."""
        folder, photo = Path(folder), Path(photo)
        if photo.parent != folder:
            raise ValueError(f"expected a photo inside {folder}, got {photo}")
        with self._lock:
            handoff = self._links.get(folder)
            if handoff is None or handoff.closed:
                handoff = Handoff(secrets.token_urlsafe(16), folder)
                self._links[folder] = handoff
            handoff.photos.append(photo)
            handoff.expires = self.clock() + 60.0 * self.minutes
        if handoff.qr is None:
            handoff.qr = qr_modules(self.url(handoff))
        return handoff

    def link(self, folder: Path) -> Handoff | None:
        """The open link of a session folder (for the screen), or None."""
        with self._lock:
            handoff = self._links.get(Path(folder))
        return handoff if handoff is not None and not handoff.closed else None

    def find(self, token: str) -> Handoff | None:
        """The open, unexpired link with ``token`` (compared in constant time), or None."""
        now = self.clock()
        with self._lock:
            for handoff in self._links.values():
                if hmac.compare_digest(handoff.token.encode(), token.encode()):
                    return handoff if not handoff.closed and now < handoff.expires else None
        return None

    def revoke(self, photo: Path) -> None:
        """Forget a photo the operator deleted; a link left with no photo closes."""
        with self._lock:
            for handoff in self._links.values():
                if photo in handoff.photos:
                    handoff.photos.remove(photo)
                    handoff.closed = handoff.closed or not handoff.photos

    def close_link(self, folder: Path) -> None:
        with self._lock:
            handoff = self._links.get(Path(folder))
            if handoff is not None:
                handoff.closed = True

    def sweep(self) -> list[Handoff]:
        """Close every expired link (deleting its photos in private mode). Returns those it closed."""
        now = self.clock()
        with self._lock:
            expired = [h for h in self._links.values() if not h.closed and now >= h.expires]
            for handoff in expired:
                handoff.closed = True
            self._links = {k: h for k, h in self._links.items() if not h.closed}
        for handoff in expired:
            log.info("hand-off link of %s expired%s", handoff.folder.name,
                     ", photos deleted" if self.private else "")
            if self.private:
                delete_photos(handoff)
        return expired

    def _sweeper(self) -> None:
        while not self._stop.wait(self.sweep_s):
            try:
                self.sweep()
            except OSError as exc:  # a folder that cannot be removed: said, and tried again next sweep
                log.warning("hand-off clean-up: %s", exc)
