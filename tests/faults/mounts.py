"""Real small and read-only folders for the output fault tests: tmpfs mounts (root only).

A full disk is best tested on a real full file system: the kernel's ENOSPC can come at any write, in
the middle of a file, not only where a fake would raise it. Mounting needs root (CAP_SYS_ADMIN); where
that is missing the tests that need a mount are skipped with the reason, and the fake-writer tests in
test_output_faults.py still run.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _mount(args: list[str]) -> str | None:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    return None if done.returncode == 0 else (done.stderr.strip() or f"exit {done.returncode}")


def mount_unavailable(probe_dir: Path) -> str | None:
    """None when tmpfs can be mounted here, else why not (for pytest.skip)."""
    probe = probe_dir / "mount-probe"
    probe.mkdir(exist_ok=True)
    error = _mount(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(probe)])
    if error is None:
        _mount(["umount", str(probe)])
        return None
    return f"cannot mount a tmpfs (needs root): {error}"


@contextmanager
def tmpfs(path: Path, *, size_kb: int, read_only: bool = False) -> Iterator[Path]:
    """A tmpfs of ``size_kb`` at ``path`` (created), read-only if asked; unmounted afterwards."""
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size_kb}k,mode=0777" + (",ro" if read_only else "")
    error = _mount(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)])
    if error is not None:
        raise RuntimeError(f"mount tmpfs at {path}: {error}")
    try:
        yield path
    finally:
        _mount(["umount", "-l", str(path)])


def remount(path: Path, *, size_kb: int | None = None, read_only: bool | None = None) -> None:
    """Change a mounted tmpfs: give it more room, or make it writable again (the user freed space)."""
    options = ["remount"]
    if size_kb is not None:
        options.append(f"size={size_kb}k")
    if read_only is not None:
        options.append("ro" if read_only else "rw")
    error = _mount(["mount", "-o", ",".join(options), str(path)])
    if error is not None:
        raise RuntimeError(f"remount {path}: {error}")
