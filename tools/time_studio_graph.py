"""Scratch timing of the studio engine on ONNX Runtime's CPU (not a test: numbers depend on the box).

Per frame size: the whole ``engine.run`` (what the loop's engine stage does), and its three parts, the
frame resized to the grid, the graph at the grid, and the full-resolution compose (``engines.compose``).
Median wall time over N runs, and the median CPU time of this process per run (on a shared machine the
CPU time moves less than the wall time). The real converted selfie model, state fed back.
Usage: ``.venv/bin/python tools/time_studio_graph.py [--runs 50] [--threads 2] [--background blur]``
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import cv2
import numpy as np
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--background", default="blur", choices=["keep", "blur", "studio"])
    parser.add_argument("--strength", type=float, default=0.4, help="relight strength (the profile's 0.4)")
    args = parser.parse_args()

    settings = StudioSettings(background=args.background, relight_strength=args.strength)
    vector = settings.to_tensor()
    keep = compose.keep_weight(vector)
    photo = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
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
                "compose": _time(lambda f=frame, m=maps, c=composer: c(f, m[0][0, ..., 0], m[1][0], m[2][0], keep),
                                 args.runs),
            }
            figures = "  ".join(f"{name} {w:.2f} ms (cpu {c:.2f})" for name, (w, c) in parts.items())
            print(f"{width}x{height}: {figures}  ({args.runs} runs, {args.threads} threads, {args.background})")


if __name__ == "__main__":
    main()
