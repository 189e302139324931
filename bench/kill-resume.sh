#!/usr/bin/env bash
# Kills `sgm train` with SIGKILL at random moments while it checkpoints
# every 5 steps, then checks that the checkpoint directory still loads
# (`sgm eval --model`) and that training resumes from it. Prints how many of
# the ROUNDS (default 25) failed; 0 is the expected answer.
#
#   bash bench/kill-resume.sh [ROUNDS]
set -euo pipefail
rounds=${1:-25}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
GOEXPERIMENT=simd go build -o "$work/sgm" ./cmd/sgm
out=$work/run
fails=0
for i in $(seq 1 "$rounds"); do
  resume=()
  [ -d "$out" ] && resume=(--resume)
  "$work/sgm" train --steps 100000000 --batch 8 --features 32 --width 32 --depth 1 \
    --checkpoint-every 5 --out "$out" "${resume[@]}" >"$work/train.log" 2>&1 &
  pid=$!
  sleep "1.$((RANDOM % 1000))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if ! "$work/sgm" eval --model "$out" --n 100 --json >"$work/eval.log" 2>&1; then
    echo "round $i: the checkpoint does not load: $(tail -1 "$work/eval.log")"
    fails=$((fails + 1))
  fi
done
echo "kill -9 during training: $fails of $rounds rounds left a checkpoint that does not load"
