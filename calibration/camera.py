"""Camera calibration: the modes a webcam really accepts, locked controls, timing and a background plate.

A webcam says yes to everything and then does what it likes, so every step here asks, reads back and
keeps what the device actually did: the size it delivered (from the frame itself), the fps measured
from timestamps, and for each control whether the value read back is the value that was set.

Everything works on the :class:`realtime.sources.camera.Capture` protocol (the part of
``cv2.VideoCapture`` we use), opened by an injectable factory, so tests drive it with a fake device.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from calibration import CalibrationError
from realtime.errors import SourceError
from realtime.sources.camera import Capture, CaptureFactory, camera_device, device_path, open_v4l2

log = logging.getLogger(__name__)

# Sizes and rates worth asking a USB webcam for (MJPG): the common UVC modes, largest first.
COMMON_MODES: tuple[tuple[int, int, float], ...] = (
    (1920, 1080, 30.0), (1280, 720, 60.0), (1280, 720, 30.0), (1024, 576, 30.0), (960, 540, 30.0),
    (800, 600, 30.0), (640, 480, 60.0), (640, 480, 30.0), (320, 240, 30.0),
)
PREFERRED_SIZE = (1280, 720)  # what the live loop asks for by default (realtime.sources.open_source)
SETTLE_FRAMES = 20  # frames read before reading auto values, so auto exposure / WB have converged
MAX_PLAUSIBLE_LATENCY_MS = 1000.0  # a buffer timestamp further back than this is another clock
MJPG = cv2.VideoWriter_fourcc(*"MJPG")
# What ``headshot calibrate camera`` opens devices with; tests put a fake device factory here.
OPEN_CAPTURE: CaptureFactory = open_v4l2

# V4L2's auto-exposure menu as OpenCV's V4L2 backend passes it through: 1 = manual, 3 = aperture
# priority (auto). Older OpenCV builds mapped these to 0.25 / 0.75, so both manual readings count.
V4L2_EXPOSURE_MANUAL = 1.0
MANUAL_EXPOSURE_READINGS = (1.0, 0.25)


@dataclass(frozen=True)
class CameraMode:
    """A mode the device accepted: the size it delivered and the fps it reported for it."""

    width: int
    height: int
    fps: float
    fourcc: str

    def label(self) -> str:
        return f"{self.width}x{self.height}@{self.fps:g}"


@dataclass(frozen=True)
class ControlResult:
    """One control we tried to lock: what was asked, what the device read back, and whether it held."""

    name: str
    asked: float
    read_back: float | None
    locked: bool
    note: str = ""


@dataclass(frozen=True)
class FrameTiming:
    """What the camera really delivers, measured from timestamps.

    ``latency_ms`` is an estimate: the delay from the driver's buffer timestamp (the moment the frame
    reached the host, which V4L2 stamps on the monotonic clock) to the moment ``read`` returned it. It
    leaves out exposure and the sensor readout before that, so the true glass-to-app latency is longer.
    None when the device gives no usable buffer timestamp.
    """

    frames: int
    fps: float
    interval_ms: float
    jitter_ms: float  # standard deviation of the frame interval
    interval_p95_ms: float
    latency_ms: float | None
    latency_note: str


@dataclass
class CameraCalibration:
    """Everything ``calibrate_camera`` learned, ready to be written into a booth profile."""

    device: str
    mode: CameraMode
    modes: list[CameraMode]
    controls: list[ControlResult]
    timing: FrameTiming
    fov_deg: float | None = None
    fov_source: str = "unknown"  # "given", "target" (pixel width given), "chessboard"
    background_plate: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def unlocked(self) -> list[str]:
        return [c.name for c in self.controls if not c.locked]


# --- device helpers --------------------------------------------------------------------------------
def parse_camera_spec(spec: str) -> int | str:
    """``0``, ``camera:0`` or ``/dev/video2`` -> what OpenCV opens (the same grammar as ``--source``)."""
    device = camera_device(spec)
    if device is None:
        raise SourceError(f"expected a camera like camera:0, 0 or /dev/video0, got {spec!r}",
                          "camera calibration needs a real camera; run 'headshot doctor' to list them")
    return device


def open_camera(device: int | str, open_capture: CaptureFactory = open_v4l2) -> Capture:
    capture = open_capture(device)
    if not capture.isOpened():
        capture.release()
        raise SourceError(f"camera {device_path(device)} could not be opened",
                          "check it is plugged in and not used by another app; run 'headshot doctor'")
    return capture


def _fourcc_text(value: float) -> str:
    code = int(value)
    return "".join(chr((code >> (8 * i)) & 0xFF) for i in range(4)) if code > 0 else ""


def read_frame(capture: Capture, attempts: int = 30) -> np.ndarray:
    """The next good frame; a camera that gives none in ``attempts`` reads is an error."""
    for _ in range(attempts):
        ok, image = capture.read()
        if ok and isinstance(image, np.ndarray) and image.ndim == 3 and image.size:
            return image
    raise SourceError(f"the camera sent no frame in {attempts} reads",
                      "close other apps using it, try another mode, or run 'headshot doctor'")


def set_mode(capture: Capture, width: int, height: int, fps: float) -> CameraMode:
    """Ask for MJPG at ``width`` x ``height`` and ``fps``; return what the device then delivers."""
    capture.set(cv2.CAP_PROP_FOURCC, MJPG)
    capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
    capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
    capture.set(cv2.CAP_PROP_FPS, fps)
    frame = read_frame(capture)  # the frame's own size is the truth; some drivers misreport get()
    return CameraMode(int(frame.shape[1]), int(frame.shape[0]), float(capture.get(cv2.CAP_PROP_FPS)),
                      _fourcc_text(capture.get(cv2.CAP_PROP_FOURCC)))


def list_modes(capture: Capture, candidates: tuple[tuple[int, int, float], ...] = COMMON_MODES) -> list[CameraMode]:
    """Every distinct mode the device delivered when asked for each candidate.

    A camera snaps a size it lacks to one it has, so what comes back is always a real mode of the device
    (read from the frame itself), even when it is none of the candidates.
    """
    delivered: list[CameraMode] = []
    for width, height, fps in candidates:
        mode = set_mode(capture, width, height, fps)
        if mode not in delivered:
            delivered.append(mode)
    return delivered


def choose_mode(modes: list[CameraMode], size: tuple[int, int] | None = None, fps: float | None = None) -> CameraMode:
    """The asked size (and fps) when accepted, else 1280x720, else the largest mode; highest fps wins."""
    if not modes:
        raise SourceError("the camera accepted none of the common MJPG modes",
                          f"tried {', '.join(f'{w}x{h}@{f:g}' for w, h, f in COMMON_MODES)}; check the camera")
    wanted = size or PREFERRED_SIZE
    same_size = [m for m in modes if (m.width, m.height) == wanted]
    if size and not same_size:
        raise SourceError(f"the camera does not deliver {size[0]}x{size[1]}",
                          f"use one of {', '.join(m.label() for m in modes)}")
    pool = same_size or sorted(modes, key=lambda m: m.width * m.height, reverse=True)[:1]
    if fps is not None:
        return min(pool, key=lambda m: (abs(m.fps - fps), -m.fps))
    return max(pool, key=lambda m: m.fps)


# --- controls -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Lock:
    """How to lock one automatic behaviour: switch ``auto`` to its manual value, then pin ``value``."""

    auto_name: str
    auto_prop: int
    manual: float
    manual_readings: tuple[float, ...]
    value_name: str
    value_prop: int


LOCKS = (
    _Lock("auto_exposure", cv2.CAP_PROP_AUTO_EXPOSURE, V4L2_EXPOSURE_MANUAL, MANUAL_EXPOSURE_READINGS,
          "exposure", cv2.CAP_PROP_EXPOSURE),
    _Lock("auto_wb", cv2.CAP_PROP_AUTO_WB, 0.0, (0.0,), "wb_temperature", cv2.CAP_PROP_WB_TEMPERATURE),
    _Lock("autofocus", cv2.CAP_PROP_AUTOFOCUS, 0.0, (0.0,), "focus", cv2.CAP_PROP_FOCUS),
)


def _set_and_check(capture: Capture, name: str, prop: int, value: float, readings: tuple[float, ...]) -> ControlResult:
    accepted = bool(capture.set(prop, value))
    read_back = float(capture.get(prop))
    held = any(math.isclose(read_back, r, rel_tol=0.02, abs_tol=0.5) for r in readings)
    if accepted and held:
        return ControlResult(name, value, read_back, True)
    why = "the camera refused it" if not accepted else f"it reads back {read_back:g}"
    return ControlResult(name, value, read_back, False, f"asked {value:g}, {why}")


def lock_controls(capture: Capture, overrides: dict[str, float] | None = None,
                  settle_frames: int = SETTLE_FRAMES) -> list[ControlResult]:
    """Let auto exposure, white balance and focus settle, then pin each at its settled (or given) value.

    ``overrides`` maps ``exposure`` / ``wb_temperature`` / ``focus`` to a value to use instead of the
    settled one. Each control is read back after it is set; a refused or ignored one is reported as not
    locked (with what the device said), never silently assumed.
    """
    overrides = dict(overrides or {})
    unknown = set(overrides) - {lock.value_name for lock in LOCKS}
    if unknown:
        raise ValueError(f"expected overrides among exposure, wb_temperature, focus, got {sorted(unknown)}")
    for _ in range(settle_frames):
        capture.read()
    results: list[ControlResult] = []
    for lock in LOCKS:
        settled = overrides.get(lock.value_name, float(capture.get(lock.value_prop)))
        auto = _set_and_check(capture, lock.auto_name, lock.auto_prop, lock.manual, lock.manual_readings)
        results.append(auto)
        value = _set_and_check(capture, lock.value_name, lock.value_prop, settled, (settled,))
        if not auto.locked and value.locked:
            value = ControlResult(lock.value_name, settled, value.read_back, False,
                                  f"value set, but {lock.auto_name} stays on and may change it")
        results.append(value)
    for result in results:
        if not result.locked:
            log.warning("could not lock %s: %s", result.name, result.note)
    return results


# --- timing and the background plate -----------------------------------------------------------------
def measure_timing(capture: Capture, seconds: float = 2.0, clock: Callable[[], float] = time.monotonic) -> FrameTiming:
    """Read frames for ``seconds`` and measure the real frame interval, its jitter and a latency estimate."""
    returns: list[float] = []
    latencies: list[float] = []
    deadline = clock() + seconds
    while clock() < deadline or len(returns) < 3:
        ok, _ = capture.read()
        now = clock()
        if not ok:
            if len(returns) < 3 and now > deadline + 2.0:
                raise SourceError("the camera stopped sending frames while its timing was measured",
                                  "check the cable and other apps using the camera")
            continue
        returns.append(now)
        stamp_ms = float(capture.get(cv2.CAP_PROP_POS_MSEC))
        latencies.append(now * 1000.0 - stamp_ms)
    intervals = np.diff(np.array(returns)) * 1000.0
    plausible = [lat for lat in latencies if 0.0 <= lat <= MAX_PLAUSIBLE_LATENCY_MS]
    if len(plausible) == len(latencies):
        latency: float | None = float(np.median(plausible))
        note = "buffer timestamp to read return (exposure and readout not included)"
    else:
        latency, note = None, "the camera gives no buffer timestamp on the monotonic clock"
    mean = float(intervals.mean())
    return FrameTiming(frames=len(returns), fps=1000.0 / mean if mean > 0 else 0.0, interval_ms=mean,
                       jitter_ms=float(intervals.std()), interval_p95_ms=float(np.percentile(intervals, 95)),
                       latency_ms=latency, latency_note=note)


def capture_plate(capture: Capture, count: int = 30) -> np.ndarray:
    """The empty booth: the per-pixel median of ``count`` frames, which removes sensor noise and flicker."""
    if count < 3:
        raise ValueError(f"expected at least 3 frames for a background plate, got {count}")
    frames = [read_frame(capture) for _ in range(count)]
    shapes = {f.shape for f in frames}
    if len(shapes) != 1:
        raise CalibrationError(f"the camera changed size while the plate was taken ({sorted(shapes)})",
                               "run the calibration again with the camera left alone")
    return np.median(np.stack(frames), axis=0).astype(np.uint8)


# --- the whole calibration --------------------------------------------------------------------------
@dataclass(frozen=True)
class FovTarget:
    """A printed target of known width held at a known distance; ``px`` when its pixel width is known."""

    width_mm: float
    distance_mm: float
    px: float | None = None
    pattern: tuple[int, int] = (9, 6)


def calibrate_camera(
    device: int | str,
    *,
    open_capture: CaptureFactory = open_v4l2,
    size: tuple[int, int] | None = None,
    fps: float | None = None,
    overrides: dict[str, float] | None = None,
    fov_deg: float | None = None,
    target: FovTarget | None = None,
    plate_frames: int = 30,
    measure_s: float = 2.0,
    settle_frames: int = SETTLE_FRAMES,
    before_plate: Callable[[], None] | None = None,
) -> tuple[CameraCalibration, np.ndarray]:
    """Run every step on one open device; returns the findings and the background plate (BGR).

    Order: modes, then the chosen mode, then locks (after auto has settled), then timing under the
    locked settings, then the field of view (the target in view), then ``before_plate`` (the CLI asks
    the person to step out) and the plate of the empty booth.
    """
    from calibration.fov import chessboard_width_px, fov_from_target

    if fov_deg is not None and target is not None:
        raise ValueError("expected either fov_deg or a target, got both")
    capture = open_camera(device, open_capture)
    try:
        modes = list_modes(capture)
        mode = choose_mode(modes, size, fps)
        mode = set_mode(capture, mode.width, mode.height, mode.fps)
        controls = lock_controls(capture, overrides, settle_frames)
        timing = measure_timing(capture, measure_s)
        calibration = CameraCalibration(device_path(device), mode, modes, controls, timing)
        if fov_deg is not None:
            from calibration.fov import focal_from_fov

            focal_from_fov(mode.width, fov_deg)  # validates the range
            calibration.fov_deg, calibration.fov_source = float(fov_deg), "given"
        elif target is not None:
            px = target.px if target.px is not None else chessboard_width_px(read_frame(capture), target.pattern)
            calibration.fov_deg = fov_from_target(mode.width, px, target.width_mm, target.distance_mm)
            calibration.fov_source = "target" if target.px is not None else "chessboard"
        if before_plate is not None:
            before_plate()
        plate = capture_plate(capture, plate_frames)
    finally:
        capture.release()
    if timing.fps < 0.8 * mode.fps:
        calibration.notes.append(f"the camera reports {mode.fps:g} fps but delivers {timing.fps:.1f}: "
                                 "add light (long exposures slow it down) or choose a smaller mode")
    return calibration, plate
