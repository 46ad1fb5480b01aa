"""The hand-off server for real: a ShareServer on 127.0.0.1 and a real HTTP client (http.client sends the
path exactly as written, so traversal attempts reach the server undecoded and unnormalised).

Photos are real JPEGs (skimage's astronaut) in the booth's folder layout; the clock is a fake the test
moves, so expiry is tested without waiting."""

from __future__ import annotations

import http.client
import io
import os
import re
import socket
import threading
import zipfile
from datetime import date
from pathlib import Path

import cv2
import pytest
from skimage import data

from realtime.booth.operator import LOCKOUT_S, MAX_FAILURES, OperatorPage
from realtime.booth.share import CROPS, ShareServer, parse_bind
from realtime.errors import ConfigError

TODAY = date(2026, 12, 2)
PIN = "482913"
SECRET = b"TOP-SECRET-CONTENT"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_photo(root: Path, session: str = "session-20261202-101010-001",
               name: str = "headshot-20261202-101012-01", shift: int = 0) -> Path:
    photo = root / session / name
    photo.mkdir(parents=True)
    image = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    image = cv2.resize(image[:, shift:], (300, 300))
    for crop in CROPS:
        cv2.imwrite(str(photo / f"{crop}.jpg"), image)
    (photo / "report.json").write_text('{"private": "report"}')
    return photo


@pytest.fixture
def booth(tmp_path):
    root = tmp_path / "booth-photos"
    (tmp_path / "secret.txt").write_bytes(SECRET)
    clock = Clock()
    counts = {"sessions": 3, "accepted": 1, "retakes": 2, "timeouts": 1}
    share = ShareServer("127.0.0.1", 0, minutes=30, clock=clock, sweep_s=3600)
    share.operator = OperatorPage(root, PIN, counts=lambda: counts, on_delete=share.revoke, today=lambda: TODAY,
                                  clock=clock)
    photo = make_photo(root)
    with share:
        link = share.add(photo.parent, photo)
        yield share, link, photo, clock


def request(share: ShareServer, path: str, method: str = "GET", body: str | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, bytes, http.client.HTTPResponse]:
    conn = http.client.HTTPConnection(share.host, share.port, timeout=10)
    try:
        head = dict(headers or {})
        if body is not None:
            head.setdefault("Content-Type", "application/x-www-form-urlencoded")
        conn.request(method, path, body=body, headers=head)
        response = conn.getresponse()
        return response.status, response.read(), response
    finally:
        conn.close()


def assert_nothing(status: int, body: bytes, photo: Path) -> None:
    assert status == 404
    assert body == b"Not found\n"
    assert b"\xff\xd8" not in body and SECRET not in body  # no JPEG, no other file


def test_link_page_and_the_three_crops_byte_for_byte(booth):
    share, link, photo, _ = booth
    status, page, _ = request(share, f"/s/{link.token}/")
    assert status == 200
    hrefs = re.findall(r'href="([^"]+)"', page.decode())
    assert sorted(hrefs) == sorted(f"0/{crop}.jpg" for crop in CROPS)
    for href in hrefs:
        status, body, response = request(share, f"/s/{link.token}/{href}")
        assert status == 200 and response.getheader("Content-Type") == "image/jpeg"
        assert response.getheader("Cache-Control") == "no-store"
        assert body == (photo / Path(href).name).read_bytes()


@pytest.mark.parametrize("token", ["", "x", "A" * 22, "AAAAAAAAAAAAAAAAAAAAAA", "../../etc"])
def test_wrong_token_is_404_with_no_file(booth, token):
    share, link, photo, _ = booth
    assert token != link.token
    for path in (f"/s/{token}/", f"/s/{token}/0/square.jpg"):
        assert_nothing(*request(share, path)[:2], photo)


def test_expired_link_is_404_and_private_mode_deletes_the_photos(booth, tmp_path):
    share, link, photo, clock = booth
    clock.now += 30 * 60 - 1
    assert request(share, f"/s/{link.token}/0/id.jpg")[0] == 200  # a second before expiry
    clock.now += 2
    assert_nothing(*request(share, f"/s/{link.token}/0/id.jpg")[:2], photo)  # before any sweep
    assert share.sweep() == [link] and photo.exists()  # not private: the booth keeps the photo
    assert_nothing(*request(share, f"/s/{link.token}/")[:2], photo)

    private = ShareServer("127.0.0.1", 0, minutes=1, private=True, clock=clock, sweep_s=3600)
    other = make_photo(tmp_path / "p", session="session-20261202-111111-002")
    with private:
        link2 = private.add(other.parent, other)
        assert request(private, f"/s/{link2.token}/0/square.jpg")[0] == 200
        clock.now += 61
        assert private.sweep() == [link2]
        assert not other.exists() and not other.parent.exists()  # the files and the session folder
        assert_nothing(*request(private, f"/s/{link2.token}/0/square.jpg")[:2], other)


def test_private_booth_deletes_open_links_when_it_stops(tmp_path):
    photo = make_photo(tmp_path)
    with ShareServer("127.0.0.1", 0, private=True) as share:
        share.add(photo.parent, photo)
    assert not photo.exists()


def test_closed_and_reused_tokens_get_nothing(booth, tmp_path):
    share, link, photo, clock = booth
    share.close_link(photo.parent)
    for path in (f"/s/{link.token}/", f"/s/{link.token}/0/square.jpg"):
        assert_nothing(*request(share, path)[:2], photo)
    fresh = share.add(photo.parent, photo)  # the same session shared again: a new token, the old one stays dead
    assert fresh.token != link.token
    assert request(share, f"/s/{fresh.token}/0/square.jpg")[0] == 200
    assert_nothing(*request(share, f"/s/{link.token}/0/square.jpg")[:2], photo)
    with ShareServer("127.0.0.1", 0, clock=clock) as restarted:  # a token from before a restart
        assert_nothing(*request(restarted, f"/s/{fresh.token}/0/square.jpg")[:2], photo)


TRAVERSALS = [
    "/s/{t}/../../secret.txt", "/s/{t}/0/../../../secret.txt", "/s/{t}/0/..%2f..%2f..%2fsecret.txt",
    "/s/{t}/%2e%2e/%2e%2e/secret.txt", "/s/{t}/0/%2e%2e%2freport.json", "/s/{t}//etc/passwd", "//etc/passwd",
    "/etc/passwd", "/s/{t}/0/report.json", "/s/{t}/0/original.png", "/s/{t}/0/square.jpg/../report.json",
    "/s/{t}/1/square.jpg", "/s/{t}/-1/square.jpg", "/s/{t}/0/square.jpg%00.txt", "/s/{t}/0/SQUARE.JPG",
    "/s/{t}/0/%73quare.jpg", "/s/{t}%2f0%2fsquare.jpg", "/s/{t}/0/square.jpg/", "/s/{t}/0\\..\\report.json",
    "/operator/../s/{t}/0/square.jpg", "http://127.0.0.1/s/{t}/0/../report.json",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_gets_nothing(booth, path):
    share, link, photo, _ = booth
    status, body, _ = request(share, path.format(t=link.token))
    assert status in (400, 401, 404) and b"\xff\xd8" not in body and SECRET not in body and b"private" not in body


def test_symlinked_crop_or_photo_folder_gets_nothing(booth, tmp_path):
    share, link, photo, _ = booth
    (photo / "square.jpg").unlink()
    os.symlink(tmp_path / "secret.txt", photo / "square.jpg")
    assert_nothing(*request(share, f"/s/{link.token}/0/square.jpg")[:2], photo)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "id.jpg").write_bytes(SECRET)
    moved = photo.with_name("moved")
    photo.rename(moved)
    os.symlink(elsewhere, photo)  # the capture folder itself now points elsewhere
    assert_nothing(*request(share, f"/s/{link.token}/0/id.jpg")[:2], photo)


def login(share: ShareServer, pin: str = PIN) -> tuple[int, str | None]:
    status, _, response = request(share, "/operator/login", "POST", f"pin={pin}")
    cookie = response.getheader("Set-Cookie")
    return status, cookie.split(";", 1)[0] if cookie else None


def test_operator_refuses_without_the_pin(booth):
    share, link, photo, _ = booth
    for path in ("/operator", "/operator/export.zip", f"/operator/thumb/{photo.parent.name}/{photo.name}.jpg"):
        status, body, _ = request(share, path)
        assert status == 401 and photo.name.encode() not in body and b"\xff\xd8" not in body and b"PK" not in body
    assert login(share, "000000") == (403, None)
    status, _, _ = request(share, "/operator", headers={"Cookie": "booth_operator=made-up"})
    assert status == 401
    status, _, _ = request(share, "/operator/delete", "POST", f"photo={photo.parent.name}/{photo.name}")
    assert status == 403 and photo.exists()
    status, _, _ = request(share, "/operator/delete", "POST", f"photo={photo.parent.name}/{photo.name}&pin={PIN}",
                           headers={"Origin": "http://evil.example"})  # cross-site, even with the PIN
    assert status == 403 and photo.exists()


def test_operator_pin_locks_out_after_repeated_failures(booth):
    share, _, _, clock = booth
    for _ in range(MAX_FAILURES):
        assert login(share, "111111")[0] == 403
    assert login(share, PIN) == (403, None)  # locked: even the right PIN is refused
    clock.now += LOCKOUT_S + 1
    assert login(share, PIN)[0] == 303


def test_operator_gallery_counts_export_and_delete(booth, tmp_path):
    share, link, photo, _ = booth
    second = make_photo(photo.parent.parent, session="session-20261202-102020-002",
                        name="headshot-20261202-102022-01", shift=40)
    make_photo(photo.parent.parent, session="session-20261201-090000-001", name="headshot-20261201-090002-01")
    status, cookie = login(share)
    assert status == 303 and cookie
    status, page, _ = request(share, "/operator", headers={"Cookie": cookie})
    text = page.decode()
    assert status == 200 and "retakes</th><td>2" in text and "timeouts</th><td>1" in text
    ids = re.findall(r"name='photo' value='([^']+)'", text)
    assert ids == [f"{photo.parent.name}/{photo.name}", f"{second.parent.name}/{second.name}"]  # today only
    status, thumb, _ = request(share, f"/operator/thumb/{ids[0]}.jpg", headers={"Cookie": cookie})
    assert status == 200 and cv2.imdecode(__import__("numpy").frombuffer(thumb, "uint8"), 1).shape[0] == 200
    status, archive, _ = request(share, "/operator/export.zip", headers={"Cookie": cookie})
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        names = set(zipped.namelist())
        assert f"{ids[1]}/vertical.jpg" in names and not any("20261201" in n for n in names)
        assert zipped.read(f"{ids[0]}/square.jpg") == (photo / "square.jpg").read_bytes()
    csrf = re.search(r"name='csrf' value='([0-9a-f]+)'", text).group(1)
    status, _, _ = request(share, "/operator/delete", "POST", f"photo={ids[0]}&csrf={'0' * len(csrf)}",
                           headers={"Cookie": cookie})
    assert status == 403 and photo.exists()  # a forged CSRF token
    status, _, _ = request(share, "/operator/delete", "POST", f"photo={ids[0]}&csrf={csrf}", headers={"Cookie": cookie})
    assert status == 303 and not photo.exists() and not photo.parent.exists()
    assert_nothing(*request(share, f"/s/{link.token}/0/square.jpg")[:2], photo)  # its link closed with it
    status, _, _ = request(share, "/operator/delete", "POST", f"photo={ids[1]}&pin={PIN}")  # PIN alone also works
    assert status == 303 and not second.exists()
    status, _, _ = request(share, "/operator/delete", "POST", f"photo=../../secret.txt&pin={PIN}")
    assert status == 404 and (tmp_path / "secret.txt").exists()


def test_server_stops_with_the_booth(tmp_path):
    photo = make_photo(tmp_path)
    before = {t.name for t in threading.enumerate()}
    with ShareServer("127.0.0.1", 0) as share:
        link = share.add(photo.parent, photo)
        assert request(share, f"/s/{link.token}/0/square.jpg")[0] == 200
        port = share.port
    assert not share.running
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert not {"booth-share", "booth-share-sweep"} & ({t.name for t in threading.enumerate()} - before)
    share.close()  # twice is fine


@pytest.mark.parametrize("text, expected", [("127.0.0.1:8080", ("127.0.0.1", 8080)),
                                            ("192.168.1.20", ("192.168.1.20", 8019)),
                                            ("[::1]:9000", ("::1", 9000))])
def test_parse_bind(text, expected):
    assert parse_bind(text) == expected


@pytest.mark.parametrize("text", ["0.0.0.0:8019", "[::]:80", "host:port", ":80", "1.2.3.4:70000"])
def test_parse_bind_refuses_wildcards_and_junk(text):
    with pytest.raises(ConfigError, match="--bind"):
        parse_bind(text)


def test_bind_to_a_busy_port_is_a_config_error():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(ConfigError, match="cannot serve on 127.0.0.1"):
            ShareServer("127.0.0.1", busy.getsockname()[1]).__enter__()


def test_oversized_or_malformed_post_is_refused_before_reading(booth):
    share, _, photo, _ = booth
    for length in ("99999999", "-5", "abc"):
        conn = http.client.HTTPConnection(share.host, share.port, timeout=10)
        conn.putrequest("POST", "/operator/delete")
        conn.putheader("Content-Length", length)
        conn.endheaders()
        response = conn.getresponse()
        assert response.status == 400 and photo.exists()
        conn.close()
