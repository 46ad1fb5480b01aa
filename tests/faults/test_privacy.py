"""Privacy and safety: no network connection is ever attempted; names from profiles cannot move output
out of --out; kiosk files are private even under a permissive umask. (The kiosk deleting what was not
accepted is tested in tests/booth/test_booth_session.py::test_retake_then_leave_keeps_nothing and
tests/booth/test_session_and_sink.py::test_session_without_kept_photo_leaves_nothing.)"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from realtime.cli import main

ROOT = Path(__file__).parents[2]


@pytest.fixture
def no_network(monkeypatch):
    """Every way Python code opens a connection or looks a host up, replaced by a recorder that refuses."""
    attempts: list[str] = []

    def refuse(what: str):
        def call(*args, **kwargs):  # type: ignore[no-untyped-def]
            attempts.append(f"{what}{args[1:] if what.startswith('socket.') else args}")
            raise OSError(f"network use refused by the test: {what}")
        return call

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket.socket, "sendto", refuse("socket.sendto"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "gethostbyname", refuse("gethostbyname"))
    return attempts


def test_capture_makes_no_network_connection(holdframes, no_network, tmp_path, capsys) -> None:
    assert main(["capture", "--source", holdframes, "--out", str(tmp_path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert Path(summary["folder"]).is_dir()
    assert no_network == []


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed (apt-get install strace)")
def test_no_internet_socket_at_the_system_level(photo, tmp_path) -> None:
    """What the Python-level test cannot see (the native code of MediaPipe, ONNX Runtime, OpenCV): every
    socket(2) and connect(2) of a real ``headshot capture`` and ``headshot process``, from strace."""
    env = {**os.environ, "HEADSHOT_CACHE_DIR": str(tmp_path / "cache")}
    calls = []
    for argv in (["capture", "--source", str(photo), "--out", str(tmp_path / "caps")],
                 ["process", str(photo), "--out", str(tmp_path / "p.png")]):
        log = tmp_path / f"{argv[0]}.strace"
        done = subprocess.run(["strace", "-f", "-qq", "-e", "trace=socket,connect,sendto,sendmsg", "-o", str(log),
                               sys.executable, "-m", "realtime.cli", *argv], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode in (0, 10), done.stderr[-2000:]
        assert log.is_file()  # strace ran and traced the command
        calls += log.read_text().splitlines()
    internet = [c for c in calls if re.search(r"AF_INET6?\b|AF_PACKET|sin6?_port", c)]
    assert internet == [], internet[:5]


@pytest.mark.parametrize("name", ["../../escaped", "/tmp/absolute-escape"])
def test_profile_name_cannot_move_the_capture_out_of_out(holdframes, tmp_path, capsys, name) -> None:
    profile = tmp_path / "profiles" / "mine.toml"
    profile.parent.mkdir()
    profile.write_text(f'extends = "professional"\nname = {json.dumps(name)}\n')
    out = tmp_path / "deep" / "out"
    before = set(Path("/tmp").iterdir())
    assert main(["capture", "--source", holdframes, "--out", str(out), "--profile", str(profile), "--json"]) == 0
    folder = Path(json.loads(capsys.readouterr().out)["folder"]).resolve()
    assert folder.parent == out.resolve()
    assert [p.name for p in (tmp_path / "deep").iterdir()] == ["out"]
    assert sorted(p.name for p in out.iterdir()) == [folder.name]
    assert set(Path("/tmp").iterdir()) - before <= {p for p in Path("/tmp").iterdir() if p.name.startswith("pytest")}
    report = json.loads((folder / "report.json").read_text())
    files = report["files"].values()
    assert all("/" not in f and not f.startswith(".") for f in files)  # only plain names inside the folder


def test_kiosk_files_are_private_even_with_a_permissive_umask(tmp_path) -> None:
    from realtime.booth.session import SessionStore
    from realtime.capture.writer import write_folder

    old = os.umask(0)
    try:
        store = SessionStore(tmp_path / "booth")
        session = store.start()
        photo = write_folder(store.folder_for(session), {"processed.png": b"x" * 100, "report.json": b"{}"})
        store.kept(session, photo)
    finally:
        os.umask(old)
    for path in [tmp_path / "booth", session.folder, *session.folder.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
