"""First start of the default library: `assistant corpus init` on an empty home, then the time until the first
answer is available, with and without the shipped vectors (corpus/default-vectors.npz).

Each run uses a fresh home and the settings `make run` uses (embedding.threads 2, OMP_NUM_THREADS=2): it times
`corpus init` (install excluded), then starts `assistant serve` on a free loopback port and times it until
/health answers 200 (the chat is up: the server builds the assistant before it listens), then times one
`assistant ask` in a new process (model load + retrieval + composed answer). "First answer" is init + server
ready. Figures are medians of the runs; the machine's load average is recorded beside them, since its 2 cores
are shared.

    .venv/bin/python benchmarks/first_start.py --runs 3 --runs-without 1
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSISTANT = str(ROOT / ".venv" / "bin" / "assistant")
RESULT = ROOT / "benchmarks" / "results" / "first_start.json"
QUESTION = "关键信息基础设施运营者应当履行哪些安全保护义务？"


def _env(with_vectors: bool) -> dict[str, str]:
    env = {**os.environ, "OMP_NUM_THREADS": "2", "ASSISTANT_EMBEDDING__THREADS": "2",
           "ASSISTANT_CONFIG": str(ROOT / "no-such-assistant.toml")}
    if not with_vectors:
        env["ASSISTANT_CORPUS__SHIPPED_VECTORS"] = str(ROOT / "no-such-vectors.npz")
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _timed(args: list[str], env: dict[str, str], log: Path) -> float:
    start = time.monotonic()
    with open(log, "ab") as out:
        subprocess.run(args, env=env, stdout=out, stderr=subprocess.STDOUT, check=True, timeout=3600)
    return time.monotonic() - start


def _serve_ready(home: Path, env: dict[str, str], log: Path, timeout: float = 600) -> float:
    """Start the web chat and return the seconds until /health answers 200; the server is stopped after."""
    port = _free_port()
    start = time.monotonic()
    with open(log, "ab") as out:
        server = subprocess.Popen([ASSISTANT, "--home", str(home), "serve", "--host", "127.0.0.1", "--port",
                                   str(port)], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        while time.monotonic() - start < timeout:
            if server.poll() is not None:
                raise RuntimeError(f"the server exited with {server.returncode}; see {log}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    if response.status == 200 and json.load(response).get("articles", 0) > 0:
                        return time.monotonic() - start
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"/health not ready after {timeout} s; see {log}")
    finally:
        server.terminate()
        server.wait(timeout=30)


def one_run(with_vectors: bool, log: Path) -> dict[str, float]:
    """Return the timings of one first start on a fresh home."""
    env = _env(with_vectors)
    home = Path(tempfile.mkdtemp(prefix="first-start-"))
    try:
        load = os.getloadavg()[0]
        init = _timed([ASSISTANT, "--home", str(home), "corpus", "init"], env, log)
        ready = _serve_ready(home, env, log)
        ask = _timed([ASSISTANT, "--home", str(home), "ask", QUESTION], env, log)
        return {"init_s": round(init, 1), "serve_ready_s": round(ready, 1), "first_answer_s": round(init + ready, 1),
                "ask_process_s": round(ask, 1), "load_avg_1min_before": round(load, 2)}
    finally:
        shutil.rmtree(home, ignore_errors=True)


def summarise(runs: list[dict[str, float]]) -> dict[str, object]:
    """Return the medians of the runs' timings, with the runs themselves."""
    keys = [k for k in runs[0] if k.endswith("_s")]
    return {"runs": runs, "median": {k: round(statistics.median(r[k] for r in runs), 1) for k in keys}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs with the shipped vectors")
    parser.add_argument("--runs-without", type=int, default=1, help="runs without them (minutes each)")
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args()
    if not (ROOT / "corpus" / "default-vectors.npz").is_file():
        sys.exit("corpus/default-vectors.npz is missing: the with-vectors figure would be meaningless.")
    log = args.out.parent / "tmp" / "first_start.log"  # gitignored: the commands' own output
    log.parent.mkdir(parents=True, exist_ok=True)
    log.unlink(missing_ok=True)
    result: dict[str, object] = {"machine": {"cpus": os.cpu_count(), "threads": 2}, "question": QUESTION}
    for label, with_vectors, count in (("with_shipped_vectors", True, args.runs),
                                       ("without_shipped_vectors", False, args.runs_without)):
        runs = []
        for i in range(count):
            runs.append(one_run(with_vectors, log))
            print(f"{label} run {i + 1}/{count}: {runs[-1]}", flush=True)
        if runs:
            result[label] = summarise(runs)
            print(f"{label}: median {result[label]['median']}", flush=True)  # type: ignore[index]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
