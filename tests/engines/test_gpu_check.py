"""tools/gpu_check.sh and tools/gpu_parity.py: ready for a GPU day, exercised here on the stand-in TensorRT."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engines.backends import tensorrt_unavailable

REPO = Path(__file__).resolve().parents[2]
DEVDATA = REPO / ".." / "shared" / "devdata"
sys.path.insert(0, str(REPO / "tools"))
import gpu_parity  # noqa: E402

needs_devdata = pytest.mark.skipif(not (DEVDATA / "segmentation" / "images").is_dir(),
                                   reason=f"dev data not found at {DEVDATA}")


def test_script_is_valid_bash_and_says_why_it_cannot_run_here():
    subprocess.run(["bash", "-n", str(REPO / "tools" / "gpu_check.sh")], check=True)
    if tensorrt_unavailable() is None:
        pytest.skip("TensorRT is usable here: run tools/gpu_check.sh itself")
    run = subprocess.run([str(REPO / "tools" / "gpu_check.sh")], capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "PYTHON": sys.executable})
    assert run.returncode == 3
    assert "TensorRT is not usable here: " in run.stdout


@needs_devdata
def test_parity_on_real_frames_with_the_stand_in_tensorrt(monkeypatch, model_cache):
    """The parity tool's own code on the stand-in TensorRT (fp16 really runs in fp16 there)."""
    from tests.engines.test_tensorrt import _install_fakes

    _install_fakes(monkeypatch, "pycuda")
    frames = gpu_parity.load_frames(DEVDATA, 2)
    assert len(frames) == 2 and frames[0].shape == (720, 1280, 3)
    exact = gpu_parity.compare(frames, "fp32", cache=model_cache)
    assert exact.min_iou == 1.0 and exact.min_psnr == 99.0
    half = gpu_parity.compare(frames, "fp16", cache=model_cache)
    assert half.holds(0.99, 40.0) and half.min_psnr < 99.0


def test_no_frames_is_exit_2(tmp_path, capsys):
    assert gpu_parity.main(["--devdata", str(tmp_path), "--backend", "onnxruntime"]) == 2
    assert "no frames" in capsys.readouterr().err
