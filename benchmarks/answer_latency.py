"""Complete-answer latency of two checkouts on the same question sets, alternated in rounds on one machine.

Usage:
    git worktree add --detach /tmp/base 872cdd9   # plus a venv there: cp -a .venv, pip install --no-deps -e .
    cp -a HOME /tmp/home-base; cp -a HOME /tmp/home-head   # one copy each: a checkout may upgrade its home
    .venv/bin/python benchmarks/answer_latency.py --base /tmp/base --base-home /tmp/home-base \
        --head . --head-home /tmp/home-head --rounds 2

One checkout against itself with a stage switched off on the base side:
    .venv/bin/python benchmarks/answer_latency.py --base . --base-home /tmp/home-base --head . \
        --head-home /tmp/home-head --base-env ASSISTANT_RETRIEVAL__LEARNED_ORDER=false

Each round runs every set through `assistant eval run` (composer mode) with the base checkout, then the head one,
and reads latency_ms (question in to complete answer out, in that process) from the result files. Prints and writes
to benchmarks/results/answer_latency.json the medians and p95 per set and round, and the head/base ratio of medians:
the machine is shared, so the ratio taken within a round is the figure to compare, not the milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = ("eval/devset.jsonl", "eval/scenarios_dev.jsonl", "eval/scenarios_sealed.jsonl")


def latencies(checkout: Path, home: Path, questions: Path, out: Path, extra_env: dict[str, str]) -> list[float]:
    """Run one question set through a checkout's CLI and return each answer's latency in ms."""
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2"), **extra_env}
    subprocess.run([str(checkout / ".venv/bin/assistant"), "--home", str(home), "eval", "run", str(questions),
                    "--out", str(out)], cwd=checkout, env=env, check=True, capture_output=True)
    return [json.loads(line)["latency_ms"] for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, required=True, help="checkout of the earlier code (with its .venv)")
    parser.add_argument("--base-home", type=Path, required=True)
    parser.add_argument("--head", type=Path, default=ROOT)
    parser.add_argument("--head-home", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--base-env", nargs="*", default=[], metavar="NAME=VALUE",
                        help="settings for the base side only, e.g. ASSISTANT_RETRIEVAL__LEARNED_ORDER=false to time "
                             "one checkout with a stage off (--base . --head .)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/answer_latency.json")
    args = parser.parse_args()
    base_env = dict(item.split("=", 1) for item in args.base_env)
    base_commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=args.base, capture_output=True,
                                 text=True).stdout.strip()
    head_commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=args.head, capture_output=True,
                                 text=True).stdout.strip()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for round_no in range(args.rounds):
            for name in SETS:
                questions = args.head / name
                base = latencies(args.base, args.base_home, questions, Path(scratch) / "base.jsonl", base_env)
                head = latencies(args.head, args.head_home, questions, Path(scratch) / "head.jsonl", {})
                row = {"set": Path(name).stem, "round": round_no, "questions": len(head), "base": summary(base),
                       "head": summary(head)}
                row["ratio_p50"] = round(row["head"]["p50_ms"] / row["base"]["p50_ms"], 2)
                rows.append(row)
                print(f"{row['set']:<18} round {round_no}: base p50 {row['base']['p50_ms']} p95 {row['base']['p95_ms']}"
                      f" | head p50 {row['head']['p50_ms']} p95 {row['head']['p95_ms']} | ratio {row['ratio_p50']}")
    result = {"base_commit": base_commit, "head_commit": head_commit, "base_env": base_env,
              "load_average": os.getloadavg(), "rows": rows}
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
