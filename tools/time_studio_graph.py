"""Scratch timing of the studio engine on ONNX Runtime's CPU (not a test: numbers depend on the box).

Per frame size: the whole ``engine.run`` (what the loop's engine stage does), and its three parts, the
frame resized to the grid, the graph at the grid, and the full-resolution compose (``engines.compose``).
Median wall time over N runs, and the median CPU time of this process per run (on a shared machine the
CPU time moves less than the wall time). The real converted selfie model, state fed back.
``--clip`` times a frame of a real clip instead of the astronaut; ``--profile`` adds ONNX Runtime's
per-node profile of the graph at 1280x720, summed per stage (the node-name prefix: seg, guided, relight,
background, unmix, ...) as medians and as sums of each node's minimum (a floor that a shared machine's
noise does not move).
Usage: ``.venv/bin/python tools/time_studio_graph.py [--runs 50] [--threads 2] [--background blur]
[--clip ../shared/devdata/videos/d0.mp4] [--profile]``
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
import skimage.data

from engines import compose
from engines.backends.onnxruntime import OnnxRuntimeEngine
from engines.graph import build_studio_graph
from engines.models import load_segmentation_model
from engines.settings import StudioSettings

SIZES = ((640, 360), (1280, 720), (1920, 1080))


def _time(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """(median wall ms, median process CPU ms) over ``runs`` after 5 warm-up calls."""
    wall, cpu = [], []
    for i in range(runs + 5):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        if i >= 5:
            wall.append((time.perf_counter() - start) * 1000.0)
            cpu.append((time.process_time() - start_cpu) * 1000.0)
    return float(np.median(wall)), float(np.median(cpu))


def _photo(clip: str | None) -> np.ndarray:
    """The astronaut (BGR), or frame 30 of ``clip``."""
    if clip is None:
        return cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
    capture = cv2.VideoCapture(clip)
    frame = None
    for _ in range(30):
        ok, image = capture.read()
        frame = image if ok else frame
    capture.release()
    if frame is None:
        raise SystemExit(f"--clip: no frame could be read from {clip}")
    return frame


def _profile(model: object, feeds: dict[str, np.ndarray], threads: int, runs: int) -> None:
    """Per-stage ms of the graph from ONNX Runtime's profiler: median per run and the sum of node minima."""
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.enable_profiling = True
    with tempfile.TemporaryDirectory() as folder:
        options.profile_file_prefix = str(Path(folder) / "graph")
        session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
        for _ in range(runs):
            session.run(None, feeds)
        events = json.loads(Path(session.end_profiling()).read_text())
    times: dict[str, list[float]] = defaultdict(list)
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            times[event["name"][: -len("_kernel_time")]].append(event["dur"] / 1000.0)
    stages: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for node, durations in times.items():
        stage = node.split("/")[0] if "/" in node else "other (layout, fused)"
        stages[stage][0] += float(np.median(durations))
        stages[stage][1] += min(durations)
    total = [sum(v[i] for v in stages.values()) for i in (0, 1)]
    print(f"graph profile, 1280x720 frame, {threads} threads, {len(times)} nodes: "
          f"{total[0]:.2f} ms (median per node) / {total[1]:.2f} ms (sum of node minima)")
    for stage, (median, floor) in sorted(stages.items(), key=lambda kv: -kv[1][1]):
        print(f"  {stage:24s} {median:6.2f} / {floor:6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--background", default="blur", choices=["keep", "blur", "studio"])
    parser.add_argument("--strength", type=float, default=0.9, help="relight strength (the profile's 0.9)")
    parser.add_argument("--clip", help="time frame 30 of this video instead of the astronaut")
    parser.add_argument("--profile", action="store_true", help="per-stage ONNX Runtime profile of the graph")
    args = parser.parse_args()

    settings = StudioSettings(background=args.background, relight_strength=args.strength)
    vector = settings.to_tensor()
    keep = compose.keep_weight(vector)
    photo = _photo(args.clip)
    model = build_studio_graph(load_segmentation_model("general"))
    with OnnxRuntimeEngine(model, threads=args.threads) as engine:
        session, grid = engine._session, engine.io.grid
        for width, height in SIZES:
            frame = cv2.resize(photo, (width, height))
            small = compose.to_grid(frame, grid)
            feeds = {"frame_grid": small, "settings": vector, "state_in": np.zeros((1, *grid, 1), np.float32)}
            maps, composer = session.run(None, feeds), compose.Composer()
            parts = {
                "engine.run": _time(lambda f=frame: engine.run(f, settings), args.runs),
                "to_grid": _time(lambda f=frame: compose.to_grid(f, grid), args.runs),
                "graph": _time(lambda x=feeds: session.run(None, x), args.runs),
                "compose": _time(lambda f=frame, m=maps, c=composer: c(f, m[0][0, ..., 0], m[1][0], m[2][0], keep,
                                                                       line_grid=m[3][0]), args.runs),
            }
            figures = "  ".join(f"{name} {w:.2f} ms (cpu {c:.2f})" for name, (w, c) in parts.items())
            print(f"{width}x{height}: {figures}  ({args.runs} runs, {args.threads} threads, {args.background})")
            if args.profile and (width, height) == (1280, 720):
                _profile(model, feeds, args.threads, args.runs)


if __name__ == "__main__":
    main()
