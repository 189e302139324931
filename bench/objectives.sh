#!/usr/bin/env bash
# Compares the training objectives on mnist:train:0 at equal wall-clock
# budgets: for each, trains, then reports the training seconds, the score
# error at the seed's sampling level 17 (sgm eval --model) and hist_corr of
# 100,000 pooled Langevin samples at that level.
#
#   bash bench/objectives.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
export GOEXPERIMENT=simd
out=${1:-/tmp/sgm-objectives}
mkdir -p "$out"
go build -o "$out/sgm" ./cmd/sgm
sgm="$out/sgm"

# name objective steps batch: about the same number of network evaluations
# per step (1,024 perturbed points) for the three estimators.
runs=(
  "all-levels all-levels 3000 34"
  "one-level one-level 3000 1024"
  "sliced sliced 1000 1024"
  "sliced-softplus sliced 1000 1024 --activation softplus"
)
printf '%-16s %8s %10s %10s %10s\n' objective steps train_s rel_err_17 hist_corr
for r in "${runs[@]}"; do
  read -r name obj steps batch extra <<<"$r"
  dir="$out/$name"
  rm -rf "$dir"
  start=$(date +%s.%N)
  "$sgm" train --objective "$obj" --steps "$steps" --batch "$batch" --out "$dir" --checkpoint-every "$steps" ${extra:-} >/dev/null 2>&1
  secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')
  rel=$("$sgm" eval --model "$dir" --json | python3 -c 'import json,sys; print("%.4f" % json.load(sys.stdin)["levels"][17]["relative"])')
  "$sgm" sample --model "$dir" --level 17 --n 2000 --steps 600 --burn-in 550 --out "$dir/samples.csv" >/dev/null
  hc=$("$sgm" eval --samples "$dir/samples.csv" --target mnist:train:0 --json | python3 -c 'import json,sys; print("%.4f" % json.load(sys.stdin)["hist_corr"])')
  printf '%-16s %8d %10.1f %10s %10s\n' "$name" "$steps" "$secs" "$rel" "$hc"
done
