"""The soak's short form: tools/soak.py for 30 s (the 10-minute figures are in docs/RELIABILITY.md).

Small frames (320x180) so the demo session loops, and is reopened, inside the run; in its own process
so the figures are that of the tool alone. No thread or file descriptor may be left over at the end,
and resident memory after the warm-up must stay within the soak's bound.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="the soak reads /proc (Linux)")


def test_short_soak_has_flat_threads_descriptors_and_memory(tmp_path) -> None:
    out = tmp_path / "soak.json"
    done = subprocess.run([sys.executable, "tools/soak.py", "--seconds", "30", "--warmup-s", "12", "--sample-s",
                           "0.5", "--size", "320x180", "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=180)
    figures = json.loads(out.read_text())
    verdict = figures["verdict"]
    assert figures["frames"] > 100 and figures["demo_sessions"] >= 2  # it ran and reopened the demo
    growth = verdict["growth"]
    assert growth["threads"] <= 0 and growth["os_threads"] <= 0 and growth["fds"] <= 0, growth
    assert growth["rss_mb"] < 20.0, growth
    first = figures["samples"][0]
    after = figures["after_close"]
    assert after["fds"] <= first["fds"]  # everything opened was closed (camera, engine, windows)
    assert after["threads"] <= first["threads"]
    assert done.returncode == 0 and "OK" in done.stdout, done.stdout + done.stderr[-2000:]


@pytest.mark.skipif(__import__("platform").libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_mmap_threshold_is_pinned_by_the_cli(monkeypatch) -> None:
    from realtime import cli, memory

    calls: list[int] = []
    real = memory.pin_mmap_threshold
    monkeypatch.setattr(memory, "pin_mmap_threshold", lambda *a: calls.append(1) or real(*a))
    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert calls == [1] and real() is True
