"""Keyword index at the scale of ../shared/lawbook (3,501 files, ~148k articles): build, reopen, query.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/lexical_scale.py [--limit N]

Articles are cut at 「第X条」 line starts (a stand-in for the structure parser, which is not measured
here); long articles add paragraph units as the Indexer does. Writes
benchmarks/results/retrieval_lexical_scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.indexing.keyword.index import LexicalIndex  # noqa: E402
from assistant.settings import Settings  # noqa: E402

SHARED = Path(os.environ.get("ASSISTANT_SHARED_DIR", ROOT.parent / "shared"))
_ARTICLE = re.compile(r"(?m)^第[零一二三四五六七八九十百千]+条")
QUERIES = [
    "网络运营者应当采取技术措施防范网络攻击", "个人信息处理者的告知义务", "劳动合同解除的经济补偿",
    "交通事故责任认定", "房屋租赁合同 转租", "未成年人保护 学校", "环境污染 公益诉讼", "行政处罚 听证程序",
    "食品安全 召回", "知识产权 侵权 赔偿数额", "重要数据出境安全评估", "公司股东 出资义务",
]


def units_of(path: Path, title: str, min_chars: int) -> list[tuple[str, str]]:
    """Return (unit id, text) for every article of a lawbook file, plus paragraphs of long ones."""
    text = path.read_text(encoding="utf-8", errors="replace")
    starts = [m.start() for m in _ARTICLE.finditer(text)]
    units = []
    for ordinal, start in enumerate(starts):
        end = starts[ordinal + 1] if ordinal + 1 < len(starts) else len(text)
        body = text[start:end].strip()
        key = f"{path.stem}#{ordinal}"
        units.append((key, f"《{title}》 {body}"))
        paragraphs = [p for p in body.split("\n") if p.strip()]
        if len(body) > min_chars and len(paragraphs) > 1:
            units.extend((f"{key}/p{i}", f"《{title}》 {p}") for i, p in enumerate(paragraphs))
    return units


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="index only the first N files (0: all)")
    parser.add_argument("--folder", type=Path, default=ROOT / "benchmarks" / "results" / "tmp" / "lexical-scale")
    parser.add_argument("--mode", default=Settings().retrieval.lexical_tokenizer)
    args = parser.parse_args()
    files = sorted((SHARED / "lawbook").rglob("*.md"))
    files = files[: args.limit] if args.limit else files
    shutil.rmtree(args.folder, ignore_errors=True)
    index = LexicalIndex(args.folder, mode=args.mode)
    min_chars = Settings().retrieval.paragraph_min_chars
    started = time.perf_counter()
    articles = units = 0
    for path in files:
        title = path.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0].lstrip("# ").strip()
        found = units_of(path, title or path.stem, min_chars)
        if found:
            index.index_version(path.stem, found)
            articles += sum(1 for u, _ in found if "/p" not in u)
            units += len(found)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    index.unit_count()  # first merge: every segment into one matrix, snapshot written
    merge_s = time.perf_counter() - started
    started = time.perf_counter()
    reopened = LexicalIndex(args.folder, mode=args.mode)
    reopened.unit_count()
    load_s = time.perf_counter() - started
    latencies = []
    for _ in range(3):
        for query in QUERIES:
            t = time.perf_counter()
            reopened.search(query, 100)
            latencies.append((time.perf_counter() - t) * 1000)
    latencies.sort()
    started = time.perf_counter()
    reopened.index_version("extra-version", [("extra#0", "《补充规定》 第一条 网络数据处理者应当建立安全制度。")])
    reopened.search("网络数据处理者 安全制度", 10)
    incremental_s = time.perf_counter() - started
    report = {
        "files": len(files), "articles": articles, "units": units, "mode": args.mode,
        "build_s": round(build_s, 1), "first_merge_s": round(merge_s, 2), "reopen_s": round(load_s, 2),
        "query_median_ms": round(statistics.median(latencies), 2),
        "query_p95_ms": round(latencies[int(0.95 * len(latencies))], 2),
        "add_one_version_then_query_s": round(incremental_s, 2),
        "snapshot_mb": round(sum(p.stat().st_size for p in (args.folder / "snapshot").iterdir()) / 2**20, 1),
        "load_average": os.getloadavg()[0],
    }
    out = ROOT / "benchmarks" / "results" / "retrieval_lexical_scale.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
