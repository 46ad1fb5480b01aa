"""Scratch timing of the studio graph on ONNX Runtime's CPU provider (not a test: numbers depend on the box).

Median wall time of ``session.run`` over N runs per frame size, with intra_op_num_threads=2 (the target
machine has two cores), the real converted selfie model inside, state fed back, default settings.
Usage: ``.venv/bin/python tools/time_studio_graph.py [--runs 50] [--threads 2] [--background keep]``
"""

from __future__ import annotations

import argparse
import time

import cv2
import numpy as np
import onnxruntime as ort
import skimage.data

from engines.graph import build_studio_graph
from engines.models import load_segmentation_model
from engines.settings import StudioSettings

SIZES = ((640, 360), (1280, 720), (1920, 1080))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--background", default="keep", choices=["keep", "blur", "studio"])
    args = parser.parse_args()

    model = build_studio_graph(load_segmentation_model("general"))
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    settings = StudioSettings(background=args.background).to_tensor()
    photo = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
    for width, height in SIZES:
        frame = cv2.resize(photo, (width, height))[None]
        state = np.zeros((1, 256, 256, 1), np.float32)
        times = []
        for i in range(args.runs + 5):
            start = time.perf_counter()
            _, _, state = sess.run(None, {"frame": frame, "settings": settings, "state_in": state})
            if i >= 5:  # warm-up runs excluded
                times.append((time.perf_counter() - start) * 1000.0)
        t = np.array(times)
        print(
            f"{width}x{height}: median {np.median(t):.2f} ms  p10 {np.percentile(t, 10):.2f}  "
            f"p90 {np.percentile(t, 90):.2f}  ({args.runs} runs, {args.threads} threads, {args.background})"
        )


if __name__ == "__main__":
    main()
