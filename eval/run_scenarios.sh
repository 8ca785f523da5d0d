#!/bin/bash
# The scenario set's two halves and the dev set in one run (composer mode) and one report.
# usage: eval/run_scenarios.sh HOME OUT_DIR [TITLE]
#   HOME: a home with the 24 texts of ../shared/corpus (assistant --home H corpus add ../shared/corpus/*.md)
#   OUT_DIR: where the answer files (not committed: they quote the texts) and the report go
set -euo pipefail
cd "$(dirname "$0")/.."
home=$1; out=$2; title=${3:-"Scenario halves and dev set, composer mode"}
mkdir -p "$out"
for set in scenarios_dev scenarios_sealed devset; do
  .venv/bin/assistant --home "$home" eval run "eval/$set.jsonl" --out "$out/$set.jsonl"
done
.venv/bin/assistant --home "$home" eval score eval/scenarios_sealed.jsonl "$out/scenarios_sealed.jsonl" \
  --also eval/scenarios_dev.jsonl "$out/scenarios_dev.jsonl" --also eval/devset.jsonl "$out/devset.jsonl" \
  --report "$out/report" --title "$title" --sealed
