#!/usr/bin/env bash
# Runs sgm bench and the PyTorch peer (../shared/peers/torch_seed.py) side by
# side on this machine, on the seed reference configuration (batch 256,
# width 256, depth 3, 256 features, 30 levels, all levels per point), and
# prints the ratios sgm / PyTorch.
#
#   bash bench/peer.sh            # needs Debian's PyTorch with OpenBLAS:
#                                 # apt-get install -y python3-torch libopenblas0-pthread
# (without libopenblas0 Debian's PyTorch falls back to the reference BLAS
# and runs about 30x slower; the script refuses to compare against that).
# Environment: PEERS (default ../shared/peers), STEPS (training steps timed,
# default 40), DIVERGENCE_ONLY=1 (only the score+divergence row: scorenet's
# BenchmarkScoreDivergenceBatch against torch_seed.py --divergence-particles
# 4096, both on the seed network at level 17, 4096 points in 2-D).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOEXPERIMENT=simd
peers=${PEERS:-../shared/peers}
steps=${STEPS:-40}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go build -o "$out/sgm" ./cmd/sgm
py=/usr/bin/python3
"$py" -c 'import torch' 2>/dev/null || { echo "PyTorch missing: apt-get install -y python3-torch" >&2; exit 1; }

blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 || true)
case "$blas" in
  *openblas*) echo "BLAS: $blas" >&2 ;;
  *) echo "libblas.so.3 is $blas, not OpenBLAS: apt-get install -y libopenblas0-pthread" >&2; exit 1 ;;
esac

# Score with its exact divergence (issue 13): sgm's forward-mode tangents
# and PyTorch's autograd, each best of its runs, runs alternating.
for round in 1 2; do
  echo "sgm score+divergence, round $round ..." >&2
  go test -count=1 -run '^$' -bench 'ScoreDivergenceBatch$' -benchtime=20x ./scorenet/ >> "$out/div.txt"
  for threads in 1 2; do
    echo "PyTorch score+divergence, $threads thread(s), round $round ..." >&2
    "$py" "$peers/torch_seed.py" --image "$peers/mnist_train0.npy" --steps 1 --threads "$threads" --json \
      --divergence-particles 4096 --divergence-iters 20 >> "$out/torch_div.jsonl"
  done
done
divergence_row() {
  "$py" - "$out" <<'PY'
import json, sys, os, re
d = sys.argv[1]
sgm = max(float(m.group(1)) for m in re.finditer(r"([0-9.e+]+) evals/s", open(os.path.join(d, "div.txt")).read()))
runs = [json.loads(l) for l in open(os.path.join(d, "torch_div.jsonl"))]
best = max(r["divergence_evals_per_s"] for r in runs)
threads = max(runs, key=lambda r: r["divergence_evals_per_s"])["threads"]
print(f"{'score+divergence evals/s, 4096 points':52s} {sgm:12.4g} {best:12.4g} {sgm / best:7.2f}x"
      f"   (PyTorch best at {threads} thread(s); issue 13 target 1.5x)")
PY
}
if [ "${DIVERGENCE_ONLY:-0}" = 1 ]; then
  printf "%-52s %12s %12s %7s\n" measure sgm PyTorch ratio
  divergence_row
  exit 0
fi

echo "sgm bench ..." >&2
"$out/sgm" bench --json --train-steps "$steps" > "$out/sgm.json"
best_train=0
for threads in 1 2; do
  echo "PyTorch, $threads thread(s) ..." >&2
  "$py" "$peers/torch_seed.py" --image "$peers/mnist_train0.npy" --steps "$steps" --batch 256 \
    --threads "$threads" --json > "$out/torch$threads.json"
done
echo "PyTorch Langevin, 1 thread ..." >&2
"$py" "$peers/torch_seed.py" --image "$peers/mnist_train0.npy" --steps 1 --threads 1 --json \
  --langevin-steps 200 --langevin-particles 4096 > "$out/torch_particles.json"
"$py" "$peers/torch_seed.py" --image "$peers/mnist_train0.npy" --steps 1 --threads 1 --json \
  --langevin-steps 20000 --langevin-particles 1 > "$out/torch_chain.json"

"$py" - "$out" <<'PY'
import json, sys, os
d = sys.argv[1]
load = lambda n: json.load(open(os.path.join(d, n)))
s = load("sgm.json")
t1, t2 = load("torch1.json"), load("torch2.json")
tp, tc = load("torch_particles.json"), load("torch_chain.json")
best = max(t1["steps_per_s"], t2["steps_per_s"])
chain_torch = 400000 / (tc["langevin_particle_steps_per_s"])
rows = [
    ("train steps/s (seed reference)", s["train_steps_per_s"], best, s["train_steps_per_s"] / best),
    ("Langevin particle-steps/s, 4096 particles", s["langevin_particle_steps_per_s"], tp["langevin_particle_steps_per_s"],
     s["langevin_particle_steps_per_s"] / tp["langevin_particle_steps_per_s"]),
    ("400k-step single chain, seconds (lower is better)", s["langevin_chain_400k_s"], chain_torch, chain_torch / s["langevin_chain_400k_s"]),
]
print(f"{'measure':52s} {'sgm':>12s} {'PyTorch':>12s} {'ratio':>7s}")
for name, a, b, r in rows:
    print(f"{name:52s} {a:12.4g} {b:12.4g} {r:7.2f}x")
print(f"PyTorch training: 1 thread {t1['steps_per_s']:.2f} steps/s, 2 threads {t2['steps_per_s']:.2f} (best taken)")
print(f"sgm peak RSS {s['peak_rss_mib']:.0f} MiB; config {json.dumps(s['config'])}")
PY
divergence_row
