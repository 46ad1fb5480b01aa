"""The hand-off server's web side: the attendee's page, the request handler and the file rules.

Kept apart from :mod:`realtime.booth.share` (the links, their tokens and expiry) so each stays small. The
handler answers a fixed set of URL shapes, matched as raw text and never decoded or joined to a folder;
everything else is the same plain 404.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import stat
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from realtime.booth.keys import plural

log = logging.getLogger(__name__)

CROPS = ("square", "vertical", "id")
_TOKEN = r"[A-Za-z0-9_-]{16,64}"
_PAGE = re.compile(rf"^/s/({_TOKEN})/?$")
_FILE = re.compile(rf"^/s/({_TOKEN})/([0-9]{{1,3}})/({'|'.join(CROPS)})\.jpg$")
MAX_BODY = 64 * 1024


def open_regular(path: Path) -> tuple[int, int] | None:
    """(fd, size) of ``path`` when it is a regular file reached without any symlink, else None."""
    folder = path.parent
    if os.path.realpath(folder) != os.path.abspath(folder):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        return None
    return fd, info.st_size


class QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-download is logged, not printed as a traceback on the booth's stderr."""

    def __init__(self, *args: Any, family: int = socket.AF_INET, **kwargs: Any) -> None:
        self.address_family = family
        super().__init__(*args, **kwargs)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("share: request from %s failed", client_address[0], exc_info=True)


def page(share: Any, handoff: Any) -> bytes:
    """The attendee's page: each photo's square crop and its three download links."""
    minutes = max(1, int((handoff.expires - share.clock()) // 60))
    items = []
    for n, photo in enumerate(handoff.photos):
        links = " ".join(f'<a href="{n}/{crop}.jpg" download>{label}</a>'
                         for crop, label in zip(CROPS, ("Square 1:1", "Vertical 4:5", "ID 35x45 mm"))
                         if (photo / f"{crop}.jpg").is_file())
        items.append(f'<li><img src="{n}/square.jpg" alt="photo {n + 1}" width="240"><br>{links}</li>')
    return ("<!doctype html><html><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width'><title>Your headshot</title>"
            "<style>body{font-family:sans-serif;margin:1em}li{list-style:none;margin:1em 0}"
            "a{display:inline-block;margin:.3em;padding:.6em;background:#3c8;color:#fff;border-radius:.4em;"
            "text-decoration:none}</style></head><body><h1>Your headshot</h1><ul>"
            + "".join(items)
            + f"</ul><p>This link works for {plural(minutes, 'more minute')}, on the booth's "
            "network only.</p></body></html>").encode()


class ShareHandler(BaseHTTPRequestHandler):
    """Answers the fixed URL shapes above; everything else is the same plain 404."""

    share: Any  # the ShareServer (set on a subclass per server)
    server_version = "HeadshotBooth"
    sys_version = ""
    timeout = 15  # a client that stalls frees its thread

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        log.debug("share %s: %s", self.client_address[0], "request")  # never log URLs: they hold tokens

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = self.path.split("?", 1)[0]
        if path.startswith("/operator") and self.share.operator is not None:
            self.respond(*self.share.operator.handle("GET", self.path, self.headers, b""))
            return
        match = _PAGE.match(path)
        if match:
            handoff = self.share.find(match.group(1))
            if handoff is not None:
                self.respond(HTTPStatus.OK, {"Content-Type": "text/html; charset=utf-8"}, page(self.share, handoff))
                return
        match = _FILE.match(path)
        if match:
            handoff = self.share.find(match.group(1))
            index = int(match.group(2))
            if handoff is not None and index < len(handoff.photos):
                opened = open_regular(handoff.photos[index] / f"{match.group(3)}.jpg")
                if opened is not None:
                    self.send_file(*opened, f"headshot-{index + 1}-{match.group(3)}.jpg")
                    return
        self.not_found()

    def do_POST(self) -> None:  # noqa: N802
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self.respond(HTTPStatus.BAD_REQUEST, {"Content-Type": "text/plain"}, b"Bad request\n")
            return
        body = self.rfile.read(length) if length else b""
        if self.path.startswith("/operator") and self.share.operator is not None:
            self.respond(*self.share.operator.handle("POST", self.path, self.headers, body))
            return
        self.not_found()

    def not_found(self) -> None:
        self.respond(HTTPStatus.NOT_FOUND, {"Content-Type": "text/plain"}, b"Not found\n")

    def common_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")

    def respond(self, status: int, headers: dict[str, str], body: Any) -> None:
        """Send ``body``: bytes, or an open binary file (streamed, then closed)."""
        self.send_response(status)
        self.common_headers()
        for name, value in headers.items():
            self.send_header(name, value)
        if isinstance(body, bytes):
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        with body:
            body.seek(0, os.SEEK_END)
            self.send_header("Content-Length", str(body.tell()))
            self.end_headers()
            body.seek(0)
            shutil.copyfileobj(body, self.wfile)

    def send_file(self, fd: int, size: int, name: str) -> None:
        with os.fdopen(fd, "rb") as handle:
            self.send_response(HTTPStatus.OK)
            self.common_headers()
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(size))
            self.send_header("Content-Disposition", f'attachment; filename="{name}"')
            self.end_headers()
            shutil.copyfileobj(handle, self.wfile)
