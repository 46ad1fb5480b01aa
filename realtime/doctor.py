"""``headshot doctor``: what this machine offers the tool, and for each missing piece what to do.

Every check is a small function returning a :class:`Finding`; none of them needs a camera, a display or
a GPU to run, and none of them raises: a check that cannot run reports why.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import platform
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Finding:
    topic: str
    ok: bool
    detail: str
    fix: str | None = None

    def as_json(self) -> dict:
        return {"topic": self.topic, "ok": self.ok, "detail": self.detail, "fix": self.fix}


def _v4l2_name(device: str) -> str:
    name_file = Path("/sys/class/video4linux") / Path(device).name / "name"
    try:
        return name_file.read_text().strip()
    except OSError:
        return "?"


def check_cameras(open_capture: Callable[[str], Any] | None = None) -> list[Finding]:
    """One finding per /dev/video* device: its name, its modes, and the one a live command uses by default."""
    if platform.system() != "Linux":
        return [Finding("cameras", True, "camera listing is only done on Linux; pass --source 0 to try the first")]
    devices = sorted(glob.glob("/dev/video*"), key=lambda p: int(p[10:]) if p[10:].isdigit() else 0)
    if not devices:
        return [Finding("cameras", False, "no /dev/video* device",
                        "plug in a webcam (or use --source demo); in a VM or container pass the device through")]
    return [camera_finding(device, _v4l2_name(device), open_capture) for device in devices]


def camera_finding(device: str, name: str, open_capture: Callable[[str], Any] | None = None) -> Finding:
    """``device``'s modes (v4l2-ctl when installed, else probed through OpenCV) and the default choice."""
    from realtime.sources.camera import choose_mode

    modes = v4l2_ctl_modes(device)
    how = "v4l2-ctl"
    if not modes:
        modes, how = probe_device(device, open_capture), "probed through OpenCV"
    if modes is None:
        return Finding("camera", False, f"{device}: {name}; could not open it (busy, or not a capture device)",
                       "close other apps using it; a loopback or metadata node is not a camera")
    if not modes:
        return Finding("camera", True, f"{device}: {name}; no 16:9 or 4:3 mode answered ({how})")
    chosen = choose_mode(modes)
    listed = ", ".join(f"{w}x{h}@{fps:g}" for w, h, fps in modes)
    default = (f"default {chosen[0]}x{chosen[1]} at {chosen[2]:g} fps" if chosen
               else "no 16:9 mode: the camera's own mode is used")
    return Finding("camera", True, f"{device}: {name}; {default}; modes ({how}): {listed}")


def v4l2_ctl_modes(device: str) -> list[tuple[int, int, float]]:
    """Every size and frame rate ``v4l2-ctl --list-formats-ext`` lists (MJPG or any), largest first."""
    import re
    import shutil
    import subprocess

    if not shutil.which("v4l2-ctl"):
        return []
    try:
        out = subprocess.run(["v4l2-ctl", "-d", device, "--list-formats-ext"], capture_output=True, text=True,
                             timeout=5).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    modes: dict[tuple[int, int], float] = {}
    size: tuple[int, int] | None = None
    for line in out.splitlines():
        found = re.search(r"Size: \w+ (\d+)x(\d+)", line)
        if found:
            size = (int(found.group(1)), int(found.group(2)))
            modes.setdefault(size, 0.0)
            continue
        rate = re.search(r"\(([\d.]+) fps\)", line)
        if rate and size is not None:
            modes[size] = max(modes[size], float(rate.group(1)))
    return sorted(((w, h, fps) for (w, h), fps in modes.items()), key=lambda m: (-m[0] * m[1], -m[2]))


# Sizes probed through OpenCV when v4l2-ctl is not installed: the 16:9 ones and the common 4:3 ones.
PROBE_SIZES = ((3840, 2160), (2560, 1440), (1920, 1080), (1600, 1200), (1600, 900), (1280, 960), (1280, 720),
               (1024, 768), (960, 540), (800, 600), (640, 480), (640, 360))


def probe_device(device: str, open_capture: Callable[[str], Any] | None = None) -> list[tuple[int, int, float]] | None:
    """The modes the camera accepts among :data:`PROBE_SIZES` (None: it would not open)."""
    from realtime.sources.camera import open_v4l2, probe_modes

    capture = (open_capture or open_v4l2)(device)
    try:
        if not capture.isOpened():
            return None
        return probe_modes(capture, PROBE_SIZES)
    finally:
        capture.release()


def check_display() -> list[Finding]:
    display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    if display:
        return [Finding("display", True, f"display {display} (preview and booth windows can open)")]
    return [Finding("display", False, "no DISPLAY or WAYLAND_DISPLAY",
                    "use 'headshot capture' (no window), or run under a desktop or 'xvfb-run'")]


def check_loopback() -> list[Finding]:
    loopbacks = [d for d in sorted(glob.glob("/dev/video*")) if "loopback" in _v4l2_name(d).lower()
                 or "headshot" in _v4l2_name(d).lower()]
    if loopbacks:
        return [Finding("virtual camera", True, f"v4l2loopback device(s): {', '.join(loopbacks)}")]
    if platform.system() != "Linux":
        return [Finding("virtual camera", True, "use OBS's virtual camera on Windows and macOS")]
    return [Finding("virtual camera", False, "no v4l2loopback device",
                    "sudo apt install v4l2loopback-dkms && sudo modprobe v4l2loopback exclusive_caps=1 "
                    "card_label=\"Headshot Studio\"")]


def check_onnxruntime() -> list[Finding]:
    try:
        import onnxruntime as ort
    except ImportError as exc:
        return [Finding("onnxruntime", False, f"not importable ({exc})", "pip install onnxruntime")]
    return [Finding("onnxruntime", True, f"{ort.__version__}, providers: {', '.join(ort.get_available_providers())}")]


def check_gpu() -> list[Finding]:
    try:
        from engines.backends.gpu import detect_gpu
    except ImportError as exc:
        return [Finding("gpu", False, f"GPU detection unavailable ({exc})", "reinstall headshot-studio")]
    gpu = detect_gpu()
    findings = []
    if getattr(gpu, "available", False):
        findings.append(Finding("cuda", True, str(gpu)))
    else:
        findings.append(Finding("cuda", False, f"no usable CUDA device ({getattr(gpu, 'reason', gpu)})",
                                "the CPU backend (ONNX Runtime) is used; for TensorRT install an NVIDIA driver"))
    present = importlib.util.find_spec("tensorrt") is not None
    findings.append(Finding("tensorrt", present, "installed" if present else "not installed", None if present
                            else "pip install 'headshot-studio[tensorrt]' (TensorRT 10, NVIDIA's index)"))
    # the TensorRT backend runs with either CUDA binding (engines/backends/cuda_runtime.py)
    runtimes = [label for label, module in (("pycuda", "pycuda"), ("cuda-python", "cuda"))
                if importlib.util.find_spec(module) is not None]
    findings.append(Finding("cuda runtime", bool(runtimes), f"{' and '.join(runtimes)} installed" if runtimes
                            else "neither pycuda nor cuda-python installed", None if runtimes
                            else "pip install 'headshot-studio[tensorrt-cuda-python]' (wheels), or pycuda "
                                 "(needs the CUDA toolkit headers)"))
    return findings


def check_models() -> list[Finding]:
    findings = []
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or spec.origin is None:
        return [Finding("models", False, "mediapipe is not installed", "pip install mediapipe==0.10.21")]
    root = Path(spec.origin).parent / "modules"
    for relative in ("selfie_segmentation/selfie_segmentation.tflite",
                     "face_landmark/face_landmark_with_attention.tflite", "face_landmark/face_landmark.tflite",
                     "face_detection/face_detection_full_range_sparse.tflite"):
        path = root / relative
        findings.append(Finding("model", path.is_file(), str(path), None if path.is_file()
                                else "reinstall mediapipe==0.10.21 (its wheel carries the models)"))
    findings.extend(check_cache())
    return findings


def check_cache() -> list[Finding]:
    """The engine and model cache: where, how many entries, and any that are damaged or stale."""
    try:
        from engines.backends.tensorrt_plan import installed_tensorrt_version
        from engines.cache import ArtifactCache
    except ImportError:
        return []
    cache = ArtifactCache()
    entries = cache.entries()
    stale = cache.stale({"tensorrt": installed_tensorrt_version()})
    text = f"engine and model cache: {cache.root} ({len(entries)} item{'s' if len(entries) != 1 else ''}"
    if not stale:
        return [Finding("cache", True, text + ")")]
    damaged = sum(1 for e in stale if not e.valid)
    return [Finding("cache", False, text + f", {damaged} damaged, {len(stale) - damaged} for another TensorRT)",
                    "run 'headshot engines clear --stale'")]


CHECKS: tuple[Callable[[], list[Finding]], ...] = (
    check_cameras, check_display, check_loopback, check_onnxruntime, check_gpu, check_models,
)


def run_checks(checks: tuple[Callable[[], list[Finding]], ...] = CHECKS) -> list[Finding]:
    findings: list[Finding] = []
    for check in checks:
        try:
            findings.extend(check())
        except Exception as exc:  # a doctor that crashes helps nobody: report and go on
            findings.append(Finding(check.__name__.removeprefix("check_"), False, f"check failed: {exc}",
                                    "report this with the output of 'headshot doctor --json'"))
    return findings
