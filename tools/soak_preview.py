"""Soak of the real ``headshot preview --auto`` on the demo, in a real window under Xvfb (``soak.py --preview``).

Where ``soak.py`` measures the pipeline inside its own process, this one runs the command a user runs,
as a child process with its own X server, and samples the child from outside every ``sample_s``
seconds: resident memory (``VmRSS``), OS threads and open descriptors from ``/proc/<pid>``. The
verdict is ``soak.verdict`` (Python threads are not visible from outside and are recorded as 0).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCREEN = "1600x1000x24"


def _child_sample(pid: int, t: float) -> Any:
    from soak import Sample

    values: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "Threads"):
                values[key] = int(rest.split()[0])
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return Sample(round(t, 2), 0, round(values.get("VmRSS", 0) / 1024.0, 2), 0, values.get("Threads", 0), fds)


def _start_xvfb() -> tuple[subprocess.Popen, str]:
    if shutil.which("Xvfb") is None:
        raise SystemExit("soak --preview needs Xvfb (apt-get install xvfb)")
    for number in range(150, 250):
        if os.path.exists(f"/tmp/.X11-unix/X{number}") or os.path.exists(f"/tmp/.X{number}-lock"):
            continue
        server = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", SCREEN, "-nolisten", "tcp"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and server.poll() is None:
            if os.path.exists(f"/tmp/.X11-unix/X{number}"):
                return server, f":{number}"
            time.sleep(0.1)
        server.kill()
        server.wait()
    raise SystemExit("soak --preview: no free X display number")


def run_preview_soak(seconds: float, *, warmup_s: float, sample_s: float, max_growth_mb: float) -> dict[str, Any]:
    from soak import machine, verdict

    started_at = datetime.now(timezone.utc)
    out_dir = Path(tempfile.mkdtemp(prefix="headshot-soak-preview-"))
    server, display = _start_xvfb()
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    env.pop("WAYLAND_DISPLAY", None)
    samples = []
    log = out_dir / "preview.log"
    try:
        with open(log, "w") as err:
            start = time.monotonic()
            child = subprocess.Popen([sys.executable, "-m", "realtime.cli", "preview", "--source", "demo", "--auto",
                                      "--seconds", f"{seconds:g}", "--out", str(out_dir / "captures")],
                                     cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
            while child.poll() is None:
                if "stopped after" in log.read_text(errors="replace"):
                    break  # shutting down: its falling memory is not part of the run
                try:
                    samples.append(_child_sample(child.pid, time.monotonic() - start))
                except (FileNotFoundError, ProcessLookupError):
                    break
                time.sleep(sample_s)
            code = child.wait(timeout=120)
        text = log.read_text(errors="replace")
        captures = len(list((out_dir / "captures").glob("headshot-*"))) if (out_dir / "captures").is_dir() else 0
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(out_dir, ignore_errors=True)
    stopped = re.search(r"stopped after (\d+) frames \(([\d.]+) fps\)", text)
    return {
        "verdict": verdict(samples, warmup_s, max_growth_mb),
        "command": f"headshot preview --source demo --auto --seconds {seconds:g} (Xvfb {SCREEN})",
        "exit_code": code,
        "started": started_at.isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - start, 1),
        "warmup_s": warmup_s,
        "frames": int(stopped.group(1)) if stopped else None,
        "fps": float(stopped.group(2)) if stopped else None,
        "demo_sessions": None,
        "captures_written": captures,
        "machine": machine(),
        "stderr_tail": text[-1500:],
        "samples": [s.__dict__ for s in samples],
    }
