#!/usr/bin/env bash
# The run behind docs/eval-test500.md: the synthetic test split's first 500 scenes, every table at
# the paper's protocol (equal FLOPs) with the equal-token table as secondary, 95% bootstrap
# intervals. Two invocations of bin/gcg-eval:
#   1. the headline: the phrase glance reads only kept positions (--glance kept), with PDrop also
#      keeping its survivors' positions, and the DDC, additions and N/C/temperature tables;
#   2. the secondary result: the model as served (--glance all), Table 1 only.
# Both resume from their predictions.jsonl when interrupted; re-running only re-scores.
# Usage: eval/eval-test500.sh [OUT_ROOT]   (default runs/; about 75 min on 2 quiet cores)
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
out="${1:-$root/runs}"
export OMP_NUM_THREADS=1
common=(--synthetic test --limit 500 --keep-ratios 0.1,0.25,0.5
  --protocol equal-flops --secondary-protocol --bootstrap 1000 --bootstrap-seed 1 --workers 2)
# pdrop:positions=keep: PDrop ranked as its reference does but keeping the original positions
"$root/bin/gcg-eval" "${common[@]}" --pruners none,fastv,pdrop,pdrop:positions=keep,altp \
  --ablation --additions --sensitivity --glance kept \
  --out "$out/eval-test500" > "$out/eval-test500.md"
"$root/bin/gcg-eval" "${common[@]}" --pruners none,fastv,pdrop,altp --glance all \
  --out "$out/eval-test500-glance-all" > "$out/eval-test500-glance-all.md"
echo "wrote $out/eval-test500/ and $out/eval-test500-glance-all/ (results.md, results.json, pareto.png)"
