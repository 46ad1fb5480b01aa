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
    assert {"baseline", "ours/onnxruntime/fp32", "ours/onnxruntime/fp32@30fps"} <= set(runs)
    ours = runs["ours/onnxruntime/fp32"]
    assert {"grab", "engine", "face", "light", "coach", "capture", "sink:overlay"} <= set(ours["stage_ms"])
    assert {"segmentation", "blend", "face"} <= set(runs["baseline"]["stage_ms"])
    assert ours["frames"] == 20 - 5  # every frame after the warm-up went through the loop
    assert ours["fps_vs_baseline"] == pytest.approx(ours["fps"] / runs["baseline"]["fps"], rel=0.05)
    e2e = ours["end_to_end_ms"]
    assert 0 < e2e["p50"] <= e2e["p95"] <= e2e["p99"]
    assert report["peak_rss_mb"] > 0


def test_bench_refuses_too_few_frames(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--frames", "3"]) == 2
    assert "--frames must be at least 10" in capsys.readouterr().err
