#!/usr/bin/env bash
# Time to quality, side by side: runs the time-to-quality kit
# (../shared/peers/time_to_quality: sgm's three kinds, `sgm train --data D`,
# plus `--sde vp`, plus `--objective otcfm`, against a tuned PyTorch
# reference, DDPM and conditional flow matching, on moons, 8gaussians,
# checkerboard and an 8-D mixture, at equal wall-clock training budgets) and
# prints its table: W2 of 2,000 samples over the floor (the W2 of exact
# draws against the same reference points), per budget, and the seconds to
# sample 2,000 points.
#
#   bash bench/quality.sh         # about 30 min on a 2-core machine; needs
#                                 # Debian's numpy, scipy and PyTorch:
#                                 # apt-get install -y python3-numpy python3-scipy python3-torch libopenblas0-pthread
# Environment: PEERS (default ../shared/peers), TTQ_BUDGETS (seconds,
# default 5,15,45), TTQ_DATASETS (default "toy:moons toy:8gaussians
# toy:checkerboard mix8"), KEEP=DIR (keep the kit's raw JSON and samples
# there). The kit runs on a copy, so the shared folder is never written.
# The budgets are wall-clock: on a shared machine, read the load average
# the table reports with them.
set -euo pipefail
cd "$(dirname "$0")/.."
project=$PWD
peers=${PEERS:-../shared/peers}
kit="$peers/time_to_quality"
[ -f "$kit/run.sh" ] || { echo "bench/quality.sh: no time-to-quality kit at $kit (set PEERS)" >&2; exit 1; }
/usr/bin/python3 -c 'import numpy, scipy, torch' 2>/dev/null || {
  echo "bench/quality.sh: the kit needs numpy, scipy and PyTorch: apt-get install -y python3-numpy python3-scipy python3-torch" >&2
  exit 1
}
# Debian's PyTorch on the reference BLAS runs about 30x slower (bench/peer.sh).
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 || true)
case "$blas" in
  *openblas*) ;;
  *) echo "bench/quality.sh: libblas.so.3 is $blas, not OpenBLAS: apt-get install -y libopenblas0-pthread" >&2; exit 1 ;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$kit" "$work/kit"
chmod -R u+w "$work/kit"
rm -rf "$work/kit/work" "$work/kit/results.md"
echo "time to quality: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
PROJECT=$project TTQ_WORK="$work/kit/work" bash "$work/kit/run.sh" >&2
if [ -n "${KEEP:-}" ]; then
  mkdir -p "$KEEP"
  cp -r "$work/kit/work" "$work/kit/results.md" "$KEEP/"
fi
cat "$work/kit/results.md"
