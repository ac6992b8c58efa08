#!/usr/bin/env bash
# On a GPU machine, in one command (< 8 minutes): the gpu-marked tests, then the CUDA benchmark suite.
#
#     bash benchmarks/gpu_run.sh            # writes into $OUT (the device tool's folder), else ./gpu-report
#
# Writes at most 8 files, flat: env.txt, pytest-gpu.log, bench.log, and the suite's results.json,
# report.md and ratios-*.png. Each stage has its own time limit so a hang cannot eat the other's minutes.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu-report}
mkdir -p "$OUT"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1 HYPOTHESIS_PROFILE=ci
PYTHON=${PYTHON:-python3}

{
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1
    "$PYTHON" -c "import sys, numpy, cupy, minigrad; print(sys.version); print('numpy', numpy.__version__, \
'cupy', cupy.__version__, 'minigrad.cuda.is_available()', minigrad.cuda.is_available())" 2>&1
    "$PYTHON" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" 2>&1
} > "$OUT/env.txt"
cat "$OUT/env.txt"

timeout 210 "$PYTHON" -m pytest -m gpu -q -p no:randomly -p no:cacheprovider -n 4 2>&1 | tee "$OUT/pytest-gpu.log"
tests=${PIPESTATUS[0]}

timeout 240 "$PYTHON" -m benchmarks --device cuda --rounds 3 --out "$OUT" 2>&1 | tee "$OUT/bench.log"
bench=${PIPESTATUS[0]}

echo "gpu_run: pytest -m gpu exit $tests, benchmarks exit $bench (124 = stage timed out)"
exit $(( tests != 0 || bench != 0 ))
