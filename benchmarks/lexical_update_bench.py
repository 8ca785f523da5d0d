"""Cost of adding or removing one version in a large keyword index: previous code vs the delta segments.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/lexical_update_bench.py [--files N] [--copies N] [--runs 5]

Units come from ../shared/lawbook files parsed by assistant.parsing.structure.parse_document (article units plus
paragraph units of long articles, as the Indexer cuts them, without the title header aliases); --copies
re-indexes the same units under new version ids to reach a larger index (labelled in the output). The
"before" code is assistant/lexical.py at commit a7acbe0, loaded from git into a temporary module; it builds
the index, and the current code opens a copy of the same folder (it reads the older snapshot format).
One added version is the Cybersecurity Law from ../shared/corpus. Each run: add it, time index_version and
the first search after it; remove it, time remove_version and the first search after it; then reopen the
index (a restart with the version pending in the delta). Medians of --runs runs, both codes in the same
run. Writes benchmarks/results/lexical_update.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.errors import CorpusError  # noqa: E402
from assistant.indexing.keyword.index import LexicalIndex  # noqa: E402
from assistant.parsing.readers import read_source  # noqa: E402
from assistant.parsing.structure import parse_document  # noqa: E402

SHARED = Path(os.environ.get("ASSISTANT_SHARED_DIR", ROOT.parent / "shared"))
BEFORE_COMMIT = "a7acbe0"
QUERIES = ["网络运营者应当采取技术措施防范网络攻击", "个人信息处理者的告知义务", "劳动合同解除的经济补偿",
           "行政处罚 听证程序", "关键信息基础设施 安全保护义务", "网络日志 留存 六个月"]


def units_of(path: Path, version_id: str, min_chars: int = 160) -> list[tuple[str, str]]:
    """Return (unit id, text) of a parsed file: every article, plus paragraphs of long ones."""
    parsed = parse_document(read_source(path, max_bytes=50 << 20))
    units = []
    for ordinal, article in enumerate(parsed.articles):
        key, head = f"{version_id}#{ordinal}", f"《{parsed.meta.title}》 {' '.join(article.headings)} {article.label}"
        units.append((key, f"{head}\n{article.text}"))
        if len(article.text) > min_chars and len(article.paragraphs) > 1:
            units.extend((f"{key}/p{i}", f"{head}\n{p}") for i, p in enumerate(article.paragraphs))
    return units


def load_before() -> type:
    """Return LexicalIndex as it was before the delta segments."""
    source = subprocess.run(["git", "show", f"{BEFORE_COMMIT}:assistant/lexical.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    path = ROOT / "benchmarks" / "results" / "tmp" / "lexical_before.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("lexical_before", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["lexical_before"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    module.DATA_DIR = ROOT / "assistant" / "language" / "data"  # it finds its jieba dictionary beside itself
    return module.LexicalIndex


def timed(action) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def one_run(cls, folder: Path, mode: str, added: list[tuple[str, str]], **kwargs) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Add, search, remove, search, then add and restart; return seconds per step."""
    index = cls(folder, mode=mode, **kwargs)
    index.search(QUERIES[0], 10)  # warm: the snapshot is open
    out = {"add_s": timed(lambda: index.index_version("added", added))}
    out["first_search_after_add_s"] = timed(lambda: index.search(QUERIES[1], 10))
    out["search_s"] = statistics.median(timed(lambda q=q: index.search(q, 50)) for q in QUERIES)
    hits = {q: [h.unit_id for h in index.search(q, 10)] for q in QUERIES}
    out["remove_s"] = timed(lambda: index.remove_version("added"))
    out["first_search_after_remove_s"] = timed(lambda: index.search(QUERIES[2], 10))
    index.index_version("added", added)
    out["restart_first_search_s"] = timed(lambda: cls(folder, mode=mode, **kwargs).search(QUERIES[3], 10))
    cls(folder, mode=mode, **kwargs).remove_version("added")
    return out | {"hits": hits}  # type: ignore[dict-item]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=0, help="lawbook files parsed, sorted by path (0: all)")
    parser.add_argument("--copies", type=int, default=1, help="times each file's units are indexed")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mode", default="bigram")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "lexical_update.json")
    parser.add_argument("--folder", type=Path, default=ROOT / "benchmarks" / "results" / "tmp" / "lexical-update")
    args = parser.parse_args()
    before_cls = load_before()
    files = sorted((SHARED / "lawbook").rglob("*.md"))[: args.files or None]
    before_dir, after_dir = args.folder / "before", args.folder / "after"
    shutil.rmtree(args.folder, ignore_errors=True)
    started = time.perf_counter()
    parsed, rejected = [], 0
    for n, path in enumerate(files):
        try:
            parsed.append((f"f{n}", units_of(path, f"f{n}")))
        except CorpusError:  # a few lawbook files hold no articles; the ingest pipeline rejects them too
            rejected += 1
    parse_s = time.perf_counter() - started
    builder = before_cls(before_dir, mode=args.mode)
    started = time.perf_counter()
    for copy in range(args.copies):
        for version_id, units in parsed:
            vid = f"{version_id}c{copy}"
            builder.index_version(vid, [(u.replace(version_id, vid, 1), t) for u, t in units])
    units_total = builder.unit_count()  # one full merge writes the snapshot
    build_s = time.perf_counter() - started
    shutil.copytree(before_dir, after_dir)
    added = units_of(SHARED / "corpus" / "网络安全法_2016.md", "added")
    runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    for _ in range(args.runs):
        runs["before"].append(one_run(before_cls, before_dir, args.mode, added))
        runs["after"].append(one_run(LexicalIndex, after_dir, args.mode, added, background=False))
    # Compaction runs off the question path (a background thread once the delta passes its threshold).
    index = LexicalIndex(after_dir, mode=args.mode, background=False)
    index.index_version("added", added)
    compaction_s = timed(index.compact)
    keys = [k for k in runs["after"][0] if k != "hits"]
    medians = {side: {k: round(statistics.median(r[k] for r in rs), 4) for k in keys} for side, rs in runs.items()}
    overlap = [len(set(runs["before"][0]["hits"][q]) & set(runs["after"][0]["hits"][q])) / 10 for q in QUERIES]
    result = {
        "what": "one version (网络安全法 2016) added to / removed from a keyword index built from parsed lawbook files",
        "index": {"files": len(parsed), "files_rejected": rejected, "copies": args.copies, "units": units_total,
                  "mode": args.mode, "added_units": len(added), "parse_s": round(parse_s, 1),
                  "build_s": round(build_s, 1)},
        "before": f"assistant/lexical.py at {BEFORE_COMMIT}: full re-merge, BM25 and snapshot rewrite at next search",
        "after": "snapshot + delta segments + tombstones (background compaction off for the timing)",
        "runs": args.runs, "median_s": medians,
        "ratio_before_over_after": {k: round(medians["before"][k] / max(medians["after"][k], 1e-6), 1) for k in keys},
        "after_background_compaction_s": round(compaction_s, 2),
        "top10_overlap_before_after_with_version_added": round(statistics.mean(overlap), 3),
        "machine": {"cpus": os.cpu_count(), "load1": round(os.getloadavg()[0], 1), "python": platform.python_version(),
                    "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS")},
    }
    out = args.out
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))  # noqa: T201 - a benchmark reports on stdout
    shutil.rmtree(args.folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
