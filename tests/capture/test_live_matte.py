"""A live capture saves its processed frame and crops made with the final matte, on the save thread.

The frame is made by code: a grey person (the astronaut photo in grey, cut to an oval) in front of a red
wall; the loop's live composite puts it on a blue studio backdrop with a soft live matte, so at partial
alpha the camera's pixel lets the red wall through (the fringe issue #15 saw). The saved frame must not.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

from realtime.capture.live_matte import recomposite
from realtime.capture.save_thread import SaveThread
from realtime.capture.stage import CaptureStage

RED_WALL = (40, 40, 220)  # BGR
BLUE_BACKDROP = (200, 120, 40)
GAIN = 1.15  # the engine's relight on the person


def scene(h: int = 720, w: int = 1280) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(camera frame, the loop's processed frame, its live matte, the true person mask)."""
    grey = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2GRAY)
    grey = cv2.resize(grey, (w, h), interpolation=cv2.INTER_AREA)
    person = np.zeros((h, w), np.uint8)
    cv2.ellipse(person, (w // 2, h // 2 + 60), (int(0.2 * w), int(0.45 * h)), 0, 0, 360, 1, -1)
    frame = np.empty((h, w, 3), np.uint8)
    frame[:] = RED_WALL
    frame[person > 0] = np.repeat(grey[..., None], 3, axis=2)[person > 0]
    # A soft live matte, a little wider than the person: what the live graph gives at a hair or a shoulder.
    live = cv2.GaussianBlur(cv2.dilate(person, np.ones((7, 7), np.uint8)).astype(np.float32), (0, 0), 5.0)
    a = live[..., None]
    processed = np.clip(frame * GAIN * a + np.float32(BLUE_BACKDROP) * (1.0 - a), 0, 255).astype(np.uint8)
    return frame, processed, live, person > 0


def red_excess(image: np.ndarray, where: np.ndarray) -> float:
    """Mean red above the larger of green and blue: 0 for a grey person on a blue backdrop."""
    b, g, r = (image[..., i].astype(np.float32) for i in range(3))
    return float(np.clip(r - np.maximum(g, b), 0, None)[where].mean())


def test_saved_frame_carries_no_old_background_colour_at_the_edge() -> None:
    frame, processed, live, person = scene()
    out = recomposite(frame, processed, live)
    assert out.method == "final"
    band = (live > 0.02) & (live < 0.98)
    before, after = red_excess(processed, band), red_excess(out.image, band)
    assert before > 10.0  # the live composite shows the red wall in the band
    assert after < 0.25 * before
    solid, back = live >= 0.999, live <= 0.001
    assert np.abs(out.image[solid].astype(int) - processed[solid]).mean() < 2.0  # the relit person as it was
    assert np.abs(out.image[back].astype(int) - processed[back]).mean() < 2.0  # the backdrop as it was


def test_a_kept_background_is_left_as_the_loop_made_it() -> None:
    frame, _, live, _ = scene(240, 320)
    kept = np.clip(frame * (1.0 + live[..., None] * (GAIN - 1.0)), 0, 255).astype(np.uint8)
    out = recomposite(frame, kept, live)
    assert out.method.startswith("live (background kept") and out.image is kept


def test_save_thread_runs_saves_in_order_off_the_callers_thread() -> None:
    gate, done, threads = threading.Event(), [], []

    def save(n: int) -> None:
        gate.wait(30)
        threads.append(threading.current_thread())
        done.append(n)

    with SaveThread() as saver:
        saver.submit(save, 1)
        saver.submit(save, 2)
        assert saver.busy == 2 and not saver.flush(timeout=0.05)  # held at the gate: the caller went on
        gate.set()
        assert saver.flush(timeout=30)
    assert done == [1, 2] and threading.current_thread() not in threads
    with pytest.raises(RuntimeError, match="closed"):
        saver.submit(save, 3)


def test_live_capture_saves_the_final_matte_on_the_save_thread(professional, clip, tmp_path: Path) -> None:
    frame_image, processed, live, _ = scene()
    c = clip()
    stage = CaptureStage(professional, out_dir=tmp_path, ends_loop=True, background_writes=True)
    frames = []
    for _ in range(90):
        f = c.frame()
        f.image, f.processed, f.alpha = frame_image, processed, live
        frames.append(f)
    for f in frames:
        stage(f)
        if f.stop_requested:
            break
    assert stage.captures and stage.flush(timeout=120)
    stage.close()
    capture = stage.captures[0]
    assert capture.folder is not None
    report = json.loads((capture.folder / "report.json").read_text())
    assert report["matte"]["method"] == "final"
    saved = cv2.imread(str(capture.folder / "processed.png"))
    band = (live > 0.02) & (live < 0.98)
    assert red_excess(saved, band) < 0.25 * red_excess(processed, band)


def test_a_shot_written_later_is_encoded_ahead_on_the_save_thread(professional, clip, tmp_path: Path) -> None:
    frame_image, processed, live, _ = scene(720, 1280)
    c = clip()
    stage = CaptureStage(professional, auto=False, background_writes=True)  # the booth's stage: no --out
    stage.trigger()
    f = c.frame()
    f.image, f.processed, f.alpha = frame_image, processed, live
    stage(f)
    capture = stage.pending
    assert capture is not None and capture.rendered is not None
    assert capture.rendered.wait(120) and capture.files is not None  # encoded before anyone asked
    folder = stage.write(capture, out_dir=tmp_path)
    stage.close()
    assert json.loads((folder / "report.json").read_text())["matte"]["method"] == "final"
