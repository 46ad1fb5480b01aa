"""``headshot bench --quick`` runs the real loop and the baseline and reports figures (no time asserted)."""

from __future__ import annotations

import json

import pytest

from realtime.cli import main


@pytest.mark.slow
def test_quick_bench_reports_every_stage_and_the_baseline_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--quick", "--frames", "20", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    runs = {run["name"]: run for run in report["runs"]}
    assert {"baseline", "baseline/strong", "ours/onnxruntime/fp32", "ours/onnxruntime/fp32@30fps"} <= set(runs)
    ours = runs["ours/onnxruntime/fp32"]
    assert {"grab", "engine", "face", "light", "coach", "capture", "sink:overlay"} <= set(ours["stage_ms"])
    assert {"segmentation", "blend", "face"} <= set(runs["baseline"]["stage_ms"])
    assert {"segmentation", "blend", "face"} <= set(runs["baseline/strong"]["stage_ms"])
    assert ours["frames"] == 20 - 5  # every frame after the warm-up went through the loop
    # The headline ratio is against the stronger baseline (quarter-resolution blur, uint8 blend); the plain one is kept.
    assert ours["fps_vs_baseline"] == pytest.approx(ours["fps"] / runs["baseline/strong"]["fps"], rel=0.05)
    assert ours["fps_vs_plain_baseline"] == pytest.approx(ours["fps"] / runs["baseline"]["fps"], rel=0.05)
    e2e = ours["end_to_end_ms"]
    assert 0 < e2e["p50"] <= e2e["p95"] <= e2e["p99"]
    assert report["peak_rss_mb"] > 0


def test_bench_refuses_too_few_frames(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--frames", "3"]) == 2
    assert "--frames must be at least 10" in capsys.readouterr().err


def _choose(backends=None, precisions=None, *, tensorrt_why_not=None, calibrated=()):
    from realtime.bench import choose_engines

    return choose_engines(backends, precisions, int8_calibrated=lambda backend: backend in calibrated,
                          unavailable=lambda name: tensorrt_why_not if name == "tensorrt" else None)


def test_default_engines_are_what_this_machine_can_run_with_a_note_for_the_rest() -> None:
    engines, skipped = _choose(tensorrt_why_not="no usable CUDA device: no NVIDIA driver")
    assert engines == (("onnxruntime", "fp32"),)
    assert skipped == ["tensorrt: no usable CUDA device: no NVIDIA driver",
                       "onnxruntime int8: not calibrated (headshot calibrate int8 --backend onnxruntime)"]


def test_default_engines_add_tensorrt_fp16_and_calibrated_int8() -> None:
    engines, skipped = _choose(calibrated=("onnxruntime", "tensorrt"))
    assert engines == (("onnxruntime", "fp32"), ("onnxruntime", "int8"), ("tensorrt", "fp16"), ("tensorrt", "int8"))
    assert skipped == []


def test_asked_engines_are_measured_as_asked() -> None:
    engines, skipped = _choose(["onnxruntime"], ["fp32", "int8", "fp32"], tensorrt_why_not="no GPU")
    assert engines == (("onnxruntime", "fp32"), ("onnxruntime", "int8"))
    assert skipped == []


def test_bench_refuses_tensorrt_where_it_cannot_run(capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    from engines.backends import registry

    monkeypatch.setattr(registry, "tensorrt_unavailable", lambda: "no usable CUDA device: test")
    assert main(["bench", "--backend", "tensorrt", "--quick"]) == 4
    err = capsys.readouterr().err
    assert "--backend tensorrt cannot run here: no usable CUDA device: test" in err
