"""Time face analysis + lighting per 1280x720 frame in tracking mode (a quick check, not a test).

The frames are ``skimage.data.astronaut()`` drifting slowly across a 1280x720 canvas (face IED about
85 px), with a rough matte so backlight and background busyness are measured too. ``headshot bench``
is the project's real benchmark; this isolates the face stage. Run: ``python tools/bench_face.py``.
"""

from __future__ import annotations

import argparse
import time

import cv2
import numpy as np
from skimage import data

from realtime.face.analyzer import FaceAnalyzer
from realtime.face.lighting import measure_lighting


def frames(count: int) -> list[tuple[np.ndarray, np.ndarray]]:
    photo = cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), (720, 720), interpolation=cv2.INTER_CUBIC)
    out = []
    for i in range(count):
        canvas = np.full((720, 1280, 3), 90, np.uint8)
        x = 200 + int(40 * np.sin(i / 15.0))
        canvas[:, x : x + 720] = photo
        alpha = np.zeros((720, 1280), np.float32)
        alpha[60:, x + 150 : x + 600] = 1.0
        out.append((canvas, alpha))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2, help="OpenCV threads (the target is 2 cores)")
    args = parser.parse_args()
    cv2.setNumThreads(args.threads)
    clips = frames(min(args.frames, 60))
    analyze_ms, lighting_ms, total_ms = [], [], []
    with FaceAnalyzer() as analyzer:
        for i in range(args.frames):
            image, alpha = clips[i % len(clips)]
            start = time.perf_counter()
            face = analyzer.analyze(image, i / 30.0)
            mid = time.perf_counter()
            if face is not None:
                measure_lighting(image, face, alpha)
            end = time.perf_counter()
            if i >= 10:  # skip warm-up
                analyze_ms.append((mid - start) * 1e3)
                lighting_ms.append((end - mid) * 1e3)
                total_ms.append((end - start) * 1e3)
    for name, values in (("analyze", analyze_ms), ("lighting", lighting_ms), ("total", total_ms)):
        v = np.array(values)
        print(
            f"{name:9s} median {np.median(v):5.2f} ms  mean {v.mean():5.2f} ms  "
            f"p90 {np.percentile(v, 90):5.2f} ms  max {v.max():6.2f} ms"
        )


if __name__ == "__main__":
    main()
