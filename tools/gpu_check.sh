#!/usr/bin/env bash
# The TensorRT path on a real NVIDIA GPU, in one command (issue 20): run it the day a GPU with TensorRT
# is at hand, from the repository root.
#
#   tools/gpu_check.sh [DEVDATA]      (DEVDATA defaults to ../shared/devdata)
#
# 1. doctor: the GPU, TensorRT, pycuda / cuda-python as this machine sees them;
# 2. the GPU tests (pytest -m gpu: parity fp16, the engine cache, a worker-thread run);
# 3. int8 calibration for TensorRT (int8 symmetric, float biases), then fp32 / fp16 / int8 engines
#    built and cached ('headshot engines build');
# 4. parity with ONNX Runtime on real dev frames (tools/gpu_parity.py): matte IoU >= 0.99 and image
#    PSNR >= 40 dB on every frame, for every precision;
# 5. 'headshot bench' rows for TensorRT fp32 / fp16 / int8 next to ONNX Runtime.
#
# Uses a fresh cache folder (HEADSHOT_CACHE_DIR, printed) so every engine is really built here.
# Exit codes: 0 all held; 1 a step failed (named on the last line); 3 no usable GPU or TensorRT here.
set -u -o pipefail

cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
HEADSHOT=${HEADSHOT:-.venv/bin/headshot}
DEVDATA=${1:-../shared/devdata}
reason=$("$PY" -c 'from engines.backends import tensorrt_unavailable as u; print(u() or "")') || {
    echo "gpu_check: cannot run $PY (set PYTHON=...)"; exit 1; }
if [ -n "$reason" ]; then
    echo "gpu_check: TensorRT is not usable here: $reason"
    exit 3
fi
export HEADSHOT_CACHE_DIR=${HEADSHOT_CACHE_DIR:-$(mktemp -d -t headshot-gpu-check-XXXXXX)}
echo "cache: $HEADSHOT_CACHE_DIR"

step() {
    local name=$1; shift
    echo
    echo "== $name: $*"
    if ! "$@"; then
        echo "gpu_check: FAILED at '$name'"
        exit 1
    fi
}

step doctor "$HEADSHOT" doctor
step gpu-tests "$PY" -m pytest -m gpu tests/engines -q -rs
step calibrate "$HEADSHOT" calibrate int8 --backend tensorrt
for precision in fp32 fp16 int8; do
    step "build $precision" "$HEADSHOT" engines build --backend tensorrt --precision "$precision"
done
step engines-list "$HEADSHOT" engines list --backend tensorrt
step parity "$PY" tools/gpu_parity.py --devdata "$DEVDATA" --count 24
step bench "$HEADSHOT" bench --backend onnxruntime --backend tensorrt --precision fp32 --precision fp16 \
    --precision int8 --no-baseline
echo
echo "gpu_check: all held (cache $HEADSHOT_CACHE_DIR)"
