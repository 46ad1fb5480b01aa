"""``headshot bench``: the real loop's speed per stage, against the common approach in the same run.

Frames come from clips the bench makes itself from the demo session (a real photo, moved and relit by
the demo script), encoded to MJPG files and decoded again, so grab/decode is a measured stage. Each
configuration runs on the same decoded frames:

- ``ours``: the Headshot Studio pipeline (engine: segmentation + matte refinement + relight +
  background in one ONNX graph; face analysis; coaching; overlay composition for the preview);
- ``baseline``: what most open-source webcam background tools do, one step after another:
  MediaPipe's ``selfie_segmentation`` solution, a float alpha blend in NumPy over a blurred background,
  then MediaPipe's face mesh.
- ``baseline/strong``: the same parts written carefully: background blurred at quarter resolution,
  an OpenCV uint8 blend. The ``x base`` ratios of our rows are against this one.

Figures are medians and percentiles of per-frame times in this process; ratios compare ours with the
baseline measured minutes apart on the same machine, never with numbers from elsewhere.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from engines.backends import registry
from realtime.frame import FrameResult
from realtime.loop import Loop, LoopStats
from realtime.sources.demo import DemoRenderer
from realtime.sources.demo_script import DEMO_DURATION_S
from realtime.sources.video import PacedVideoSource, VideoFileSource

SIZES = ((640, 360), (1280, 720), (1920, 1080))
WARMUP_FRAMES = 5


@dataclass(frozen=True)
class BenchPlan:
    sizes: tuple[tuple[int, int], ...] = SIZES
    frames: int = 120  # per clip
    paced_fps: tuple[float, ...] = (30.0, 60.0)
    paced_size: tuple[int, int] = (1280, 720)
    engines: tuple[tuple[str, str], ...] = (("onnxruntime", "fp32"),)  # (backend, precision) pairs
    skipped: tuple[str, ...] = ()  # engines not measured on this machine, and why (shown under the table)
    baseline: bool = True
    sequential: bool = True  # also run our stages one after another, to show what pipelining gives

    @classmethod
    def quick(cls) -> BenchPlan:
        return cls(sizes=((1280, 720),), frames=60, paced_fps=(30.0,))


def choose_engines(backends: Sequence[str] | None, precisions: Sequence[str] | None, *,
                   int8_calibrated: Callable[[str], bool],
                   unavailable: Callable[[str], str | None] | None = None,
                   ) -> tuple[tuple[tuple[str, str], ...], list[str]]:
    """The (backend, precision) pairs to measure, and a note for each one left out and why.

    Asked-for backends and precisions are measured as asked (every pair). By default: every backend the
    engine registry lists that this machine can run (``unavailable`` says why not), at its declared
    default precision (ONNX Runtime fp32, TensorRT fp16), and int8 for each where a calibrated model exists.
    """
    unavailable = unavailable or registry.unavailable
    skipped: list[str] = []
    if backends is None:
        backends = []
        for spec in registry.listed_backends():
            why_not = unavailable(spec.name)
            if why_not:
                skipped.append(f"{spec.name}: {why_not}")
            else:
                backends.append(spec.name)
    pairs: list[tuple[str, str]] = []
    for backend in backends:
        if precisions is not None:
            pairs.extend((backend, precision) for precision in precisions)
            continue
        pairs.append((backend, registry.default_precision(backend)))
        if int8_calibrated(backend):
            pairs.append((backend, "int8"))
        else:
            skipped.append(f"{backend} int8: not calibrated (headshot calibrate int8 --backend {backend})")
    return tuple(dict.fromkeys(pairs)), skipped


@dataclass
class RunFigures:
    """One configuration on one clip."""

    name: str
    size: tuple[int, int]
    frames: int
    fps: float
    stage_ms: dict[str, dict[str, float]]
    end_to_end_ms: dict[str, float]
    cpu_cores_used: float
    dropped: int = 0
    paced_fps: float | None = None
    extra: dict[str, object] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "name": self.name, "size": list(self.size), "frames": self.frames, "fps": round(self.fps, 2),
            "stage_ms": self.stage_ms, "end_to_end_ms": self.end_to_end_ms,
            "cpu_cores_used": round(self.cpu_cores_used, 2), "dropped": self.dropped,
            "paced_fps": self.paced_fps, **self.extra,
        }


def make_clip(size: tuple[int, int], frames: int, folder: Path, fps: float = 30.0) -> Path:
    """Frames spread over the whole demo session (entering, tilted, side-lit, held), as an MJPG file."""
    renderer = DemoRenderer(size)
    path = folder / f"demo_{size[0]}x{size[1]}_{fps:.0f}.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    try:
        for i in range(frames):
            t = DEMO_DURATION_S * i / frames
            writer.write(renderer.render(t, i))
    finally:
        writer.release()
    return path


class _Timed:
    """A stage made from a function, for the baseline."""

    def __init__(self, name: str, fn: Callable[[FrameResult], None]) -> None:
        self.name = name
        self._fn = fn

    def __call__(self, frame: FrameResult) -> None:
        self._fn(frame)


def baseline_stages(stack: ExitStack) -> list[_Timed]:
    """MediaPipe selfie segmentation, a NumPy float alpha blend over a blurred background, face mesh."""
    return _mediapipe_stages(stack, strong=False)


def strong_baseline_stages(stack: ExitStack) -> list[_Timed]:
    """What a careful engineer would write with the same parts: MediaPipe selfie segmentation and face
    mesh, the background blurred at quarter resolution (320x180 at 720p) and scaled back, and an
    OpenCV uint8 blend (``cv2.blendLinear``) instead of NumPy floats."""
    return _mediapipe_stages(stack, strong=True)


def _mediapipe_stages(stack: ExitStack, *, strong: bool) -> list[_Timed]:
    import mediapipe as mp

    segmenter = stack.enter_context(mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0))
    mesh = stack.enter_context(mp.solutions.face_mesh.FaceMesh(refine_landmarks=True, max_num_faces=1))

    def segment(frame: FrameResult) -> None:
        rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
        frame.alpha = segmenter.process(rgb).segmentation_mask

    def blend_strong(frame: FrameResult) -> None:
        h, w = frame.image.shape[:2]
        quarter = cv2.resize(frame.image, (w // 4, h // 4), interpolation=cv2.INTER_AREA)
        background = cv2.resize(cv2.GaussianBlur(quarter, (0, 0), 15 / 4), (w, h), interpolation=cv2.INTER_LINEAR)
        alpha = frame.alpha.astype(np.float32, copy=False)
        frame.processed = cv2.blendLinear(frame.image, background, alpha, 1.0 - alpha)

    def blend(frame: FrameResult) -> None:
        image = frame.image.astype(np.float32)
        background = cv2.GaussianBlur(frame.image, (0, 0), 15).astype(np.float32)
        alpha = frame.alpha[..., None]
        frame.processed = (image * alpha + background * (1.0 - alpha)).astype(np.uint8)

    def face(frame: FrameResult) -> None:
        mesh.process(cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB))

    return [_Timed("segmentation", segment), _Timed("blend", blend_strong if strong else blend), _Timed("face", face)]


def _percentiles(values: Sequence[float]) -> dict[str, float]:
    array = np.asarray(values, dtype=np.float64)
    return {p: round(float(np.percentile(array, q)), 2) for p, q in (("p50", 50), ("p95", 95), ("p99", 99))}


def _figures(name: str, size: tuple[int, int], stats: LoopStats, cpu_s: float) -> RunFigures:
    summary = {stage: {k: round(v, 2) for k, v in values.items()}
               for stage, values in stats.summary().items() if stage != "end_to_end"}
    return RunFigures(
        name=name, size=size, frames=stats.frames, fps=stats.fps, stage_ms=summary,
        end_to_end_ms=_percentiles(list(stats.stage_ms.get("end_to_end", [0.0]))),
        cpu_cores_used=cpu_s / stats.seconds if stats.seconds else 0.0, dropped=stats.dropped,
    )


class _DecodeTimed(VideoFileSource):
    """A video source that records how long each grab/decode took, for the ``grab`` stage."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.decode_ms: list[float] = []

    def read(self, timeout: float | None = None):
        start = time.perf_counter()
        frame = super().read(timeout)
        self.decode_ms.append((time.perf_counter() - start) * 1000.0)
        return frame


def run_configuration(name: str, clip: Path, size: tuple[int, int],
                      open_stages: Callable[[ExitStack], list], *, paced_fps: float | None = None,
                      sinks: Callable[[ExitStack], list] | None = None) -> RunFigures:
    """Run the loop over ``clip`` with the stages ``open_stages`` makes; warm-up frames are not counted."""
    with ExitStack() as stack:
        stages = open_stages(stack)
        sink_list = sinks(stack) if sinks else []
        source = PacedVideoSource(clip) if paced_fps else _DecodeTimed(clip)
        stack.callback(source.close)
        # Warm-up frames (model load, first allocations) run through the same stages but are not counted.
        Loop(source, stages, sink_list).run(max_frames=WARMUP_FRAMES)
        if isinstance(source, _DecodeTimed):
            source.decode_ms.clear()
        loop = Loop(source, stages, sink_list)
        cpu_start = time.process_time()
        stats = loop.run()
        cpu_s = time.process_time() - cpu_start
    figures = _figures(name, size, stats, cpu_s)
    if isinstance(source, _DecodeTimed) and source.decode_ms:
        ordered = sorted(source.decode_ms[:-1] or source.decode_ms)
        figures.stage_ms = {"grab": {"median": round(float(np.median(ordered)), 2),
                                     "p95": round(float(np.percentile(ordered, 95)), 2)}, **figures.stage_ms}
    figures.paced_fps = paced_fps
    return figures


def peak_rss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024.0 if os.uname().sysname == "Linux" else rss / (1024.0 * 1024.0)


def run_bench(plan: BenchPlan, open_ours: Callable[[str, str, bool], Callable[[ExitStack], list]],
              ours_sinks: Callable[[ExitStack], list] | None = None,
              progress: Callable[[str], None] = lambda line: None) -> dict:
    """Every configuration of ``plan``; returns a JSON-able dict with figures and baseline ratios."""
    results: list[RunFigures] = []
    with tempfile.TemporaryDirectory(prefix="headshot-bench-") as folder:
        for size in plan.sizes:
            progress(f"making a {size[0]}x{size[1]} clip of {plan.frames} frames")
            clip = make_clip(size, plan.frames, Path(folder))
            baseline = None
            if plan.baseline:
                progress(f"baseline at {size[0]}x{size[1]}")
                plain = run_configuration("baseline", clip, size, baseline_stages)
                results.append(plain)
                progress(f"strong baseline at {size[0]}x{size[1]}")
                baseline = run_configuration("baseline/strong", clip, size, strong_baseline_stages)
                results.append(baseline)
            for backend, precision in plan.engines:
                for parallel in (True, False) if plan.sequential else (True,):
                    name = f"ours/{backend}/{precision}" + ("" if parallel else "/sequential")
                    progress(f"{name} at {size[0]}x{size[1]}")
                    ours = run_configuration(name, clip, size, open_ours(backend, precision, parallel),
                                             sinks=ours_sinks)
                    if baseline is not None:
                        ours.extra["fps_vs_baseline"] = round(ours.fps / baseline.fps, 2) if baseline.fps else None
                        ours.extra["fps_vs_plain_baseline"] = round(ours.fps / plain.fps, 2) if plain.fps else None
                        ours.extra["p95_vs_baseline"] = round(
                            ours.end_to_end_ms["p95"] / baseline.end_to_end_ms["p95"], 2
                        ) if baseline.end_to_end_ms["p95"] else None
                    results.append(ours)
            if size == plan.paced_size:
                for fps in plan.paced_fps:
                    backend, precision = plan.engines[0]
                    progress(f"ours paced at {fps:.0f} fps, {size[0]}x{size[1]}")
                    paced_clip = make_clip(size, plan.frames, Path(folder), fps)
                    paced = run_configuration(f"ours/{backend}/{precision}@{fps:.0f}fps", paced_clip, size,
                                              open_ours(backend, precision, True), paced_fps=fps,
                                              sinks=ours_sinks)
                    results.append(paced)
    return {"runs": [r.as_json() for r in results], "peak_rss_mb": round(peak_rss_mb(), 1),
            "cpu_count": os.cpu_count(), "not_measured": list(plan.skipped)}


# The table's stage columns: (title, the stages summed into it). Every stage's figures are in --json.
TABLE_STAGES = (("matte", ("engine", "segmentation", "blend")), ("face", ("face",)),
                ("coach", ("light", "backlight", "coach", "capture")), ("overlay", ("sink:overlay",)))


def format_table(report: dict) -> str:
    """A table that reads in 120 columns: one row per run, fps, the main stage medians, end-to-end
    percentiles and ratios. ``--json`` has every stage and percentile."""
    header = (f"{'run':<33}{'size':>10}{'fps':>7}{'x base':>7}" + "".join(f"{t:>8}" for t, _ in TABLE_STAGES)
              + f"{'e2e p50':>8}{'p95':>7}{'drop':>6}{'cpu':>6}")
    lines = [header, "-" * len(header)]
    for run in report["runs"]:
        cells = ""
        for _, names in TABLE_STAGES:
            found = [run["stage_ms"][n]["median"] for n in names if n in run["stage_ms"]]
            cells += f"{sum(found):>8.1f}" if found else f"{'':>8}"
        ratio = run.get("fps_vs_baseline")
        size = f"{run['size'][0]}x{run['size'][1]}"
        lines.append(
            f"{run['name'][:32]:<33}{size:>10}{run['fps']:>7.1f}{(f'{ratio:.2f}x' if ratio else ''):>7}{cells}"
            f"{run['end_to_end_ms']['p50']:>8.1f}{run['end_to_end_ms']['p95']:>7.1f}"
            f"{run['dropped']:>6}{run['cpu_cores_used']:>6.2f}"
        )
    lines.append("stage columns: median ms per frame (matte: engine, or the baseline's segmentation + blend;")
    lines.append("  coach: light + backlight + coach + capture)")
    lines.append(f"e2e: grab to output ready, ms; peak RSS {report['peak_rss_mb']} MB on {report['cpu_count']} CPUs;"
                 " every stage and p99 in --json")
    lines.extend(f"not measured: {note}" for note in report.get("not_measured", ()))
    return "\n".join(lines)
