#!/usr/bin/env bash
# The GPU proof in one command (issue 7): run on a machine with an NVIDIA GPU, CuPy and PyTorch.
#   bash tools/gpu_check.sh [OUTDIR]
# 1. the whole test suite with every new tensor on the GPU (MINIGRAD_DEVICE=cuda),
# 2. LeNet-5 on the bundled MNIST sample and vgg_mini on Fashion-MNIST, trained on the GPU,
# 3. the benchmark suite against PyTorch CUDA on the same GPU,
# 4. a 200-step training loop whose CuPy memory-pool use must stay flat after warm-up.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-${OUT:-gpu_out}}
mkdir -p "$out"
python -c "import cupy, minigrad as mg; assert mg.cuda.is_available(), 'no usable GPU'; print(cupy.cuda.runtime.getDeviceProperties(0)['name'].decode())" | tee "$out/gpu.txt" || exit 1
pip install -q -e . >/dev/null 2>&1 || true

MINIGRAD_DEVICE=cuda python -m pytest -q -rs -p no:cacheprovider 2>&1 | tee "$out/pytest_cuda.txt" | tail -40
python -m models.train --device cuda --out "$out/lenet5" 2>&1 | tail -5 | tee "$out/train_lenet5.txt"
if [ -d "${FASHION_DIR:-/usr/share/datasets/fashion-mnist}" ]; then
  python -m models.train --device cuda --model vgg_mini --dataset fashion-mnist --epochs 10 \
      --data-dir "${FASHION_DIR:-/usr/share/datasets/fashion-mnist}" --out "$out/vgg_mini" 2>&1 | tail -5 | tee "$out/train_vgg_mini.txt"
fi
python benchmarks/run.py --device cuda --json "$out/bench_cuda.json" 2>&1 | tee "$out/bench_cuda.txt"
python benchmarks/memory_flat.py --device cuda --steps 200 2>&1 | tee "$out/memory_flat.txt"
