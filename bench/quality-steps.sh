#!/usr/bin/env bash
# Quality at fixed step counts, for tuning defaults on a shared machine:
# trains sgm's kinds for a fixed number of steps (wall-clock budgets move
# with the load; steps do not) on the time-to-quality kit's data
# (../shared/peers/time_to_quality: its evaluation references, floors and
# 8-D training set, from its own prep) and prints W2 of 2,000 samples over
# the kit's floor for each sample seed and their mean.
#
#   bash bench/quality-steps.sh                     # the defaults below
#   STEPS=3000 RUNS="toy:checkerboard:vp mix8:otcfm" bash bench/quality-steps.sh
#   RUNS="toy:moons:vp:--ema:0.99" bash bench/quality-steps.sh   # extra train flags after the mode, ':'-separated
#
# Environment: PEERS (default ../shared/peers), STEPS (default 3000, about
# a 15 s budget on the quiet 2-core machine), SEEDS (sample seeds, default
# "1 2 3"), RUNS (DATASET:MODE[:FLAG:VALUE...]; MODE default, vp or otcfm;
# DATASET toy:NAME or mix8), SAMPLE (extra sample flags, space-separated),
# KEEP=DIR (keep the models and samples). Needs Debian's numpy and scipy.
set -euo pipefail
cd "$(dirname "$0")/.."
project=$PWD
peers=${PEERS:-../shared/peers}
kit="$peers/time_to_quality"
[ -f "$kit/common.py" ] || { echo "bench/quality-steps.sh: no time-to-quality kit at $kit (set PEERS)" >&2; exit 1; }
/usr/bin/python3 -c 'import numpy, scipy' 2>/dev/null || {
  echo "bench/quality-steps.sh: needs numpy and scipy: apt-get install -y python3-numpy python3-scipy" >&2
  exit 1
}
work=${KEEP:-$(mktemp -d)}
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work"
GOEXPERIMENT=simd go build -o "$work/sgm" ./cmd/sgm
echo "quality at fixed steps: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), commit $(git -C "$project" rev-parse --short HEAD)" >&2
export TTQ_WORK="$work/kit" SGM="$work/sgm"
[ -f "$TTQ_WORK/results/floors.json" ] || /usr/bin/python3 "$kit/bench.py" prep >&2
/usr/bin/python3 - "$kit" "$work" "${STEPS:-3000}" "${SEEDS:-1 2 3}" "${SAMPLE:-}" \
  ${RUNS:-toy:checkerboard:default toy:checkerboard:vp toy:checkerboard:otcfm mix8:default mix8:vp mix8:otcfm toy:8gaussians:default} <<'PY'
import json, os, subprocess, sys, time
kit, work, steps, seeds, sample_flags, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].split(), sys.argv[5].split(), sys.argv[6:]
sys.path.insert(0, kit)
from common import read_csv, w2
sgm = os.path.join(work, "sgm")
kitwork = os.environ["TTQ_WORK"]
floors = json.load(open(os.path.join(kitwork, "results", "floors.json")))
modes = {"default": [], "vp": ["--sde", "vp"], "otcfm": ["--objective", "otcfm"]}
print("| data | mode | extra flags | steps | train s (load) | sample s | W2/floor per seed | mean |")
print("|---|---|---|---|---|---|---|---|")
for r in runs:
    parts = r.split(":")
    if parts[0] == "toy":
        ds, parts = "toy:" + parts[1], parts[2:]
    else:
        ds, parts = parts[0], parts[1:]
    mode, extra = parts[0], parts[1:]
    spec = ds if ds.startswith("toy:") else os.path.join(kitwork, "data", "mix8_train.csv")
    ref = read_csv(os.path.join(kitwork, "data", "ref_%s.csv" % ds.replace("toy:", "")))
    floor = floors[ds]["mean"]
    tag = "_".join([ds.replace("toy:", ""), mode] + [e.strip("-") for e in extra])
    run = os.path.join(work, "models", tag)
    subprocess.run(["rm", "-rf", run])
    os.makedirs(os.path.dirname(run), exist_ok=True)
    t0 = time.perf_counter()
    subprocess.run([sgm, "train", "--data", spec, *modes[mode], *extra, "--steps", str(steps), "--out", run],
                   check=True, capture_output=True)
    tt, load = time.perf_counter() - t0, os.getloadavg()[0]
    ratios, st = [], 0.0
    for s in seeds:
        out = os.path.join(work, "models", "%s_seed%s.csv" % (tag, s))
        t0 = time.perf_counter()
        subprocess.run([sgm, "sample", "--model", run, "--n", "2000", "--seed", s, "--out", out, *sample_flags],
                       check=True, capture_output=True)
        st += time.perf_counter() - t0
        ratios.append(w2(read_csv(out), ref) / floor)
    print("| %s | %s | %s | %d | %.0f (%.1f) | %.1f | %s | %.2f |" % (
        ds, mode, " ".join(extra + sample_flags) or "-", steps, tt, load, st / len(seeds),
        " / ".join("%.2f" % v for v in ratios), sum(ratios) / len(ratios)), flush=True)
PY
