"""Crash safety: kill -9 an ingesting process at random moments; after each kill, reconcile and check that
catalog and indexes agree; at the end a rerun completes with every document in exactly once.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/crash_test.py --kills 20
    .venv/bin/python benchmarks/crash_test.py --kills 3 --files 3      # what tests/test_reliability_crash.py runs

The child alternates between a bulk import (Library.import_tree) and churn (remove a random document, then
import again, so kills also land inside removals). The parent waits for the child to start working, sleeps
a random time within a measured clean run, and sends SIGKILL. A fresh process then opens the Library (its
constructor reconciles) and compares: Indexer.indexed_versions() == ready catalog versions, per-version unit
counts in the vector store and keyword index == the units the catalog's articles imply, no unfinished
versions, no source twice. Results: benchmarks/results/crash_test.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import PYTHON, ROOT, corpus_files, write_result  # noqa: E402

SCRIPT = str(Path(__file__).resolve())


def run_child(home: Path, source: Path, op: str, seed: int) -> None:
    """Ingest (or remove one document, then ingest) in this process; print READY when work starts."""
    import assistant  # noqa: F401
    from assistant.wiring import build_library
    from benchmarks._common import bench_settings

    library = build_library(bench_settings(home))
    print("READY", flush=True)
    if op == "churn":
        # Once everything is in, an import would only skip: remove two documents so there is work to interrupt.
        ready = sorted({v.doc_id for v in library.catalog.versions()})
        for doc_id in random.Random(seed).sample(ready, min(2, len(ready))):
            library.remove(doc_id)
    report = library.import_tree(source)
    print("DONE " + report.summary(), flush=True)


def run_verify(home: Path, source: Path) -> None:
    """Open the Library (reconciling), check agreement, print one JSON line."""
    import assistant  # noqa: F401
    from assistant.wiring import build_catalog, build_indexer, build_library
    from benchmarks._common import bench_settings, check_consistency

    settings = bench_settings(home)
    catalog, indexer = build_catalog(settings), build_indexer(settings)
    start = time.perf_counter()
    build_library(settings, catalog, indexer)  # reconciles
    reconcile_s = time.perf_counter() - start
    result = check_consistency(catalog, indexer, settings)
    shas = [v.sha256 for v in catalog.versions(include_history=True)]
    files = {hashlib.sha256(p.read_bytes()).hexdigest(): p.name for p in sorted(source.glob("*.md"))}
    print(json.dumps({
        "consistent": result.ok, "problems": list(result.problems), "ready": result.ready,
        "indexed": result.indexed, "reconcile_s": round(reconcile_s, 2),
        "duplicates": len(shas) - len(set(shas)), "missing": sorted(files[s] for s in set(files) - set(shas)),
        "unknown": len(set(shas) - set(files)),
    }, ensure_ascii=False), flush=True)


def _start_child(home: Path, source: Path, op: str, seed: int) -> subprocess.Popen:
    return subprocess.Popen([PYTHON, SCRIPT, "child", "--home", str(home), "--source", str(source), "--op", op,
                             "--seed", str(seed)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=str(ROOT))


def _wait_ready(child: subprocess.Popen) -> float:
    """Wait for READY and return the time it came."""
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("READY"):
            return time.perf_counter()
    return time.perf_counter()


def verify(home: Path, source: Path) -> dict:
    """Return the verification of a home, from a fresh process."""
    done = subprocess.run([PYTHON, SCRIPT, "verify", "--home", str(home), "--source", str(source)],
                          capture_output=True, text=True, cwd=str(ROOT), timeout=600)
    lines = [x for x in done.stdout.splitlines() if x.startswith("{")]
    if not lines:
        return {"consistent": False, "problems": [f"verify failed (exit {done.returncode}): {done.stderr[-1500:]}"]}
    return json.loads(lines[-1])


def calibrate(home: Path, source: Path, op: str) -> float:
    """Return the seconds an operation takes after READY (run on a scratch home)."""
    child = _start_child(home, source, op, 0)
    ready = _wait_ready(child)
    child.wait(timeout=900)
    return time.perf_counter() - ready


def prepare_source(folder: Path, n_files: int, largest: bool = True) -> Path:
    """Copy n corpus regulations into folder (the import source), so the test never writes to ../shared."""
    folder.mkdir(parents=True, exist_ok=True)
    files = corpus_files()
    if not files:
        raise SystemExit("../shared/corpus not found; set ASSISTANT_SHARED_DIR")
    # Largest first: kills are likelier to land inside long indexing steps.
    for path in sorted(files, key=lambda p: -p.stat().st_size if largest else p.stat().st_size)[:n_files]:
        shutil.copyfile(path, folder / path.name)
    return folder


def run_trials(base: Path, kills: int, n_files: int, seed: int, log=print,  # type: ignore[no-untyped-def]
               largest: bool = True) -> dict:
    """Run the whole crash test under base and return its summary."""
    rng = random.Random(seed)
    source = prepare_source(base / "source", n_files, largest)
    duration = calibrate(base / "calibration", source, "import")
    churn = calibrate(base / "calibration", source, "churn")
    log(f"clean import of {n_files} files takes {duration:.1f} s after start-up, a churn {churn:.1f} s")
    home = base / "home"
    trials = []
    for trial in range(kills):
        # The first kills interrupt the initial bulk import; later ones a remove-and-re-import.
        op = "import" if trial < kills // 4 else "churn"
        child = _start_child(home, source, op, rng.randrange(1 << 30))
        _wait_ready(child)
        delay = rng.uniform(0.0, (duration if op == "import" else churn) * 1.05)
        time.sleep(delay)
        finished = child.poll() is not None
        if not finished:
            os.kill(child.pid, signal.SIGKILL)
        child.wait()
        check = verify(home, source)
        trials.append({"trial": trial, "op": op, "kill_after_s": round(delay, 2), "finished_before_kill": finished,
                       **check})
        log(f"  kill {trial + 1}/{kills} op={op} after {delay:.2f} s: consistent={check.get('consistent')} "
            f"ready={check.get('ready')} {check.get('problems') or ''}")
    child = _start_child(home, source, "import", 0)
    child.wait(timeout=900)
    final = verify(home, source)
    log(f"rerun: {final}")
    ok = all(t.get("consistent") and not t.get("duplicates") for t in trials) and final.get("consistent") and \
        not final.get("missing") and not final.get("duplicates") and not final.get("unknown")
    return {"kills": kills, "files": n_files, "clean_import_s": round(duration, 2), "churn_s": round(churn, 2),
            "ok": bool(ok),
            "killed_mid_work": sum(1 for t in trials if not t["finished_before_kill"]), "trials": trials,
            "final": final}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("phase", nargs="?", default="run", choices=["run", "child", "verify"])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--files", type=int, default=8, help="Corpus regulations to import.")
    parser.add_argument("--seed", type=int, default=1127)
    parser.add_argument("--home", type=Path)
    parser.add_argument("--source", type=Path)
    parser.add_argument("--op", default="import", choices=["import", "churn"])
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    if args.phase == "child":
        run_child(args.home, args.source, args.op, args.seed)
        return 0
    if args.phase == "verify":
        run_verify(args.home, args.source)
        return 0
    with tempfile.TemporaryDirectory(prefix="crash-") as tmp:
        summary = run_trials(Path(tmp), args.kills, args.files, args.seed)
    write_result("crash_test", summary)
    print(f"ok={summary['ok']} killed mid-work {summary['killed_mid_work']}/{args.kills}")
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
