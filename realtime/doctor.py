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


def check_cameras() -> list[Finding]:
    if platform.system() != "Linux":
        return [Finding("cameras", True, "camera listing is only done on Linux; pass --source 0 to try the first")]
    devices = sorted(glob.glob("/dev/video*"), key=lambda p: int(p[10:]) if p[10:].isdigit() else 0)
    if not devices:
        return [Finding("cameras", False, "no /dev/video* device",
                        "plug in a webcam (or use --source demo); in a VM or container pass the device through")]
    findings = []
    for device in devices:
        name = _v4l2_name(device)
        findings.append(Finding("camera", True, f"{device}: {name}; modes: {describe_modes(device)}"))
    return findings


def describe_modes(device: str) -> str:
    """The camera's pixel formats and sizes, read with OpenCV (v4l2-ctl gives more, when installed)."""
    import shutil
    import subprocess

    if shutil.which("v4l2-ctl"):
        try:
            out = subprocess.run(["v4l2-ctl", "-d", device, "--list-formats-ext"], capture_output=True,
                                 text=True, timeout=5).stdout
        except (OSError, subprocess.TimeoutExpired):
            out = ""
        sizes = sorted({line.split()[-1] for line in out.splitlines() if "Size:" in line})
        if sizes:
            return ", ".join(sizes)
    import cv2

    capture = cv2.VideoCapture(device, cv2.CAP_V4L2)
    try:
        if not capture.isOpened():
            return "could not open (busy, or not a capture device)"
        return (f"{int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))}x{int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))}"
                f" at {capture.get(cv2.CAP_PROP_FPS):.0f} fps (default mode; install v4l-utils for all modes)")
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
    for package, fix in (("tensorrt", "pip install 'headshot-studio[tensorrt]' (TensorRT 10, NVIDIA's index)"),
                         ("pycuda", "needs the CUDA toolkit headers: pip install pycuda")):
        present = importlib.util.find_spec(package) is not None
        findings.append(Finding(package, present, "installed" if present else "not installed",
                                None if present else fix))
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
