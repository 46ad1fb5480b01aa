"""The operator's page at ``/operator`` on the share server: today's photos, the counts, delete, export.

Served by :mod:`realtime.booth.share` (same server, same bind address) but kept apart: this module
turns (method, path, headers, body) into (status, headers, body), so it is tested without sockets too.

Access: the PIN (``--operator-pin``, or six random digits printed at start). ``POST /operator/login``
with the PIN sets an HttpOnly, SameSite=Strict cookie; every change (delete) is a POST that carries
either the PIN itself or the page's CSRF token (an HMAC of the cookie), and a cross-site ``Origin`` is
refused: enough for a kiosk on a LAN. After ``MAX_FAILURES`` wrong PINs, PINs are refused for
``LOCKOUT_S`` (a six-digit PIN cannot be guessed by brute force at that rate).

Photos are found on disk (``<out>/session-YYYYMMDD-*/headshot-*``, today's date), never through a
path from the request: a photo id is matched against that list.
"""

from __future__ import annotations

import hmac
import html
import re
import secrets
import shutil
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import cv2

from realtime.booth.share_web import open_regular

MAX_FAILURES = 5
LOCKOUT_S = 60.0
THUMB_PX = 200
_SESSION = re.compile(r"^session-(\d{8})-\d{6}-\d{3}$")
_PHOTO = re.compile(r"^headshot-\d{8}-\d{6}-\d{2}$")
_THUMB = re.compile(r"^/operator/thumb/(session-\d{8}-\d{6}-\d{3})/(headshot-\d{8}-\d{6}-\d{2})\.jpg$")

Response = tuple[int, dict[str, str], Any]


def new_pin() -> str:
    return f"{secrets.randbelow(10**6):06d}"


@dataclass(frozen=True)
class Photo:
    session: str
    name: str
    path: Path

    @property
    def id(self) -> str:
        return f"{self.session}/{self.name}"


class OperatorPage:
    """``counts`` returns the booth's numbers (sessions, accepted, retakes, timeouts) since it started;
    ``on_delete`` is told of a deleted photo (the share server closes its link)."""

    def __init__(self, root: Path, pin: str, *, counts: Callable[[], dict[str, int]],
                 on_delete: Callable[[Path], None] | None = None, today: Callable[[], date] = date.today,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not re.fullmatch(r"[0-9]{4,12}", pin):
            from realtime.errors import ConfigError

            raise ConfigError(f"expected --operator-pin of 4 to 12 digits, got {len(pin)} characters",
                              "pass digits only, e.g. --operator-pin 482913")
        self.root = Path(root)
        self.pin = pin
        self.counts = counts
        self.on_delete = on_delete
        self.today = today
        self.clock = clock
        self._secret = secrets.token_bytes(32)
        self._keys: set[str] = set()  # cookies handed out by a good login
        self._failures = 0
        self._locked_until = 0.0
        self._lock = threading.Lock()  # the server answers on several threads

    # --- what is on disk -------------------------------------------------------------------------------------
    def photos(self) -> list[Photo]:
        """Today's accepted photos, oldest first (no symlinked folder is followed)."""
        day = f"{self.today():%Y%m%d}"
        found: list[Photo] = []
        for session in sorted(self.root.iterdir()) if self.root.is_dir() else []:
            match = _SESSION.match(session.name)
            if not match or match.group(1) != day or session.is_symlink() or not session.is_dir():
                continue
            for photo in sorted(session.iterdir()):
                if _PHOTO.match(photo.name) and not photo.is_symlink() and photo.is_dir():
                    found.append(Photo(session.name, photo.name, photo))
        return found

    # --- access ------------------------------------------------------------------------------------------------
    def _pin_ok(self, pin: str | None) -> bool:
        if pin is None:
            return False
        with self._lock:
            return self._check_pin(pin)

    def _check_pin(self, pin: str) -> bool:
        if self.clock() < self._locked_until:
            return False
        if hmac.compare_digest(pin.encode(), self.pin.encode()):
            self._failures = 0
            return True
        self._failures += 1
        if self._failures >= MAX_FAILURES:
            self._failures = 0
            self._locked_until = self.clock() + LOCKOUT_S
        return False

    def _cookie_key(self, headers: Any) -> str | None:
        for part in (headers.get("Cookie") or "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == "booth_operator" and value in self._keys:
                return value
        return None

    def _csrf(self, key: str) -> str:
        return hmac.new(self._secret, key.encode(), "sha256").hexdigest()

    @staticmethod
    def _same_origin(headers: Any) -> bool:
        origin = headers.get("Origin")
        return origin is None or origin == f"http://{headers.get('Host', '')}"

    # --- requests ----------------------------------------------------------------------------------------------
    def handle(self, method: str, path: str, headers: Any, body: bytes) -> Response:
        path = path.split("?", 1)[0]
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()} if body else {}
        key = self._cookie_key(headers)
        if method == "POST" and not self._same_origin(headers):
            return self._text(HTTPStatus.FORBIDDEN, "Cross-site request refused")
        if method == "POST" and path == "/operator/login":
            return self._login(form.get("pin"))
        if method == "POST" and path == "/operator/delete":
            csrf_ok = key is not None and hmac.compare_digest(form.get("csrf", ""), self._csrf(key))
            if not (csrf_ok or self._pin_ok(form.get("pin"))):
                return self._login_page(HTTPStatus.FORBIDDEN, "PIN needed")
            return self._delete(form.get("photo", ""))
        if method != "GET" or key is None:
            return self._login_page(HTTPStatus.UNAUTHORIZED, None)
        if path in ("/operator", "/operator/"):
            return HTTPStatus.OK, {"Content-Type": "text/html; charset=utf-8"}, self._gallery(key)
        if path == "/operator/export.zip":
            return self._export()
        match = _THUMB.match(path)
        if match:
            return self._thumb(f"{match.group(1)}/{match.group(2)}")
        return self._text(HTTPStatus.NOT_FOUND, "Not found")

    def _login(self, pin: str | None) -> Response:
        if not self._pin_ok(pin):
            return self._login_page(HTTPStatus.FORBIDDEN, "Wrong PIN (or too many tries: wait a minute)")
        key = secrets.token_urlsafe(24)
        with self._lock:
            self._keys.add(key)
        cookie = f"booth_operator={key}; HttpOnly; SameSite=Strict; Path=/operator"
        return HTTPStatus.SEE_OTHER, {"Location": "/operator", "Set-Cookie": cookie, "Content-Type": "text/plain"}, \
            b"Signed in\n"

    def _delete(self, photo_id: str) -> Response:
        photo = next((p for p in self.photos() if p.id == photo_id), None)
        if photo is None:
            return self._text(HTTPStatus.NOT_FOUND, "No such photo today")
        shutil.rmtree(photo.path)
        try:
            photo.path.parent.rmdir()  # the session's last photo: its folder goes too
        except OSError:
            pass
        if self.on_delete is not None:
            self.on_delete(photo.path)
        return HTTPStatus.SEE_OTHER, {"Location": "/operator", "Content-Type": "text/plain"}, b"Deleted\n"

    def _thumb(self, photo_id: str) -> Response:
        photo = next((p for p in self.photos() if p.id == photo_id), None)
        opened = open_regular(photo.path / "square.jpg") if photo is not None else None
        if opened is None:
            return self._text(HTTPStatus.NOT_FOUND, "Not found")
        fd, _ = opened
        with open(fd, "rb") as handle:
            image = cv2.imdecode(_bytes_array(handle.read()), cv2.IMREAD_COLOR)
        if image is None:
            return self._text(HTTPStatus.NOT_FOUND, "Not found")
        scale = THUMB_PX / max(image.shape[:2])
        small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        ok, data = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 85])
        return HTTPStatus.OK, {"Content-Type": "image/jpeg"}, data.tobytes()

    def _export(self) -> Response:
        """All of today's photos in one zip (streamed from a temporary file, not held in memory)."""
        spool = tempfile.TemporaryFile()
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_STORED) as archive:  # JPEG/PNG do not compress further
            for photo in self.photos():
                for file in sorted(photo.path.iterdir()):
                    opened = open_regular(file)
                    if opened is None:
                        continue
                    with open(opened[0], "rb") as handle:
                        archive.writestr(f"{photo.id}/{file.name}", handle.read())
        name = f"booth-{self.today():%Y%m%d}.zip"
        return HTTPStatus.OK, {"Content-Type": "application/zip",
                               "Content-Disposition": f'attachment; filename="{name}"'}, spool

    # --- pages -------------------------------------------------------------------------------------------------
    @staticmethod
    def _text(status: int, text: str) -> Response:
        return status, {"Content-Type": "text/plain; charset=utf-8"}, f"{text}\n".encode()

    @staticmethod
    def _login_page(status: int, note: str | None) -> Response:
        message = f"<p>{html.escape(note)}</p>" if note else ""
        body = ("<!doctype html><html><head><meta charset='utf-8'><title>Booth operator</title></head><body>"
                f"<h1>Booth operator</h1>{message}<form method='post' action='/operator/login'>"
                "<input name='pin' type='password' inputmode='numeric' autocomplete='off' placeholder='PIN'>"
                "<button>Sign in</button></form></body></html>")
        return status, {"Content-Type": "text/html; charset=utf-8"}, body.encode()

    def _gallery(self, key: str) -> bytes:
        photos = self.photos()
        counts = dict(self.counts())
        counts["accepted today (on disk)"] = len(photos)
        rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{v}</td></tr>" for k, v in counts.items())
        csrf = self._csrf(key)
        cards = "".join(
            f"<figure><img src='/operator/thumb/{html.escape(p.id)}.jpg' width='{THUMB_PX}' alt=''>"
            f"<figcaption>{html.escape(p.id)}</figcaption><form method='post' action='/operator/delete' "
            f"onsubmit=\"return confirm('Delete this photo?')\"><input type='hidden' name='photo' "
            f"value='{html.escape(p.id)}'><input type='hidden' name='csrf' value='{csrf}'>"
            "<button>Delete</button></form></figure>" for p in photos)
        return ("<!doctype html><html><head><meta charset='utf-8'><title>Booth operator</title><style>"
                "body{font-family:sans-serif}figure{display:inline-block;margin:.5em;text-align:center}"
                "figcaption{font-size:small}</style></head><body><h1>Booth operator: today</h1>"
                f"<table>{rows}</table><p><a href='/operator/export.zip'>Export all as a zip</a></p>"
                f"{cards or '<p>No photos today.</p>'}</body></html>").encode()


def _bytes_array(data: bytes) -> Any:
    import numpy as np

    return np.frombuffer(data, np.uint8)
