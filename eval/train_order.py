"""Fit the learned order of retrieval's first candidates (assistant/retrieval/learned_order.py).

usage: .venv/bin/python eval/train_order.py --home H --train SET.jsonl ... --check SET.jsonl ... [--out MODEL.json]
       [--report FIGURES.json] [--depth N] [--penalty P ...]

Each question of the training sets is retrieved with the hand-set fusion (the model off); the first DEPTH
candidates' features and whether each is a gold article are kept. A listwise linear model is fitted: for each
question with a gold article among its candidates, the softmax of the candidates' scores should put its mass on
the gold ones; an L2 penalty, chosen by five-fold cross-validation over questions, keeps the weights small. The
check sets are never fitted on: the script prints recall@1/@5 and every-gold@5 of the fused order and of the
learned order on every set, for the training sets by cross-validation (each question scored by a model that did not
see it); the figures go to --report (eval/results/learned_order_fit.json). Version questions are left out: the
retriever hands their order to the version linker.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.evaluation.formats import (
    ArticleRef,  # noqa: E402
    read_questions,  # noqa: E402
)
from assistant.evaluation.matching import ref_matches_gold  # noqa: E402
from assistant.retrieval.learned_order import DEPTH, FEATURES, MODEL_FILE  # noqa: E402
from assistant.retrieval.retriever import Retriever  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.wiring import build_retriever  # noqa: E402

PENALTIES = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
FOLDS = 5


@dataclass
class Ranking:
    """One question's candidates: features, which are gold, and which gold each candidate matches."""

    set_name: str
    qid: str
    rows: np.ndarray
    gold_of: list[int]  # per candidate: index of the gold article it matches, or -1
    golds: int  # gold articles the question has
    all_required: bool


def collect(retriever: Retriever, path: Path) -> list[Ranking]:
    """Return the candidates of every answerable question of a set, ranked by the hand-set fusion."""
    questions, _ = read_questions(path)
    rankings: list[Ranking] = []
    for question in questions:
        if not question.answerable or not question.gold:
            continue
        seen: list[tuple[list[str], np.ndarray]] = []
        retriever.observe_order = lambda _q, head, rows, seen=seen: seen.append(([e.key for e in head], rows))
        retriever.retrieve(question.question, list(question.history or []))
        retriever.observe_order = None
        if not seen:
            continue
        keys, rows = seen[0]
        stored = retriever.catalog.articles_by_keys(keys)
        gold_of = []
        for key in keys:
            article = stored[key]
            ref = ArticleRef(article.title, article.article.label, article.version)
            gold_of.append(next((i for i, g in enumerate(question.gold) if ref_matches_gold(g, ref)), -1))
        rankings.append(Ranking(path.stem, question.id, rows, gold_of, len(question.gold), not question.gold_any))
    return rankings


def _loss(weights: np.ndarray, data: list[tuple[np.ndarray, np.ndarray]], penalty: float) -> tuple[float, np.ndarray]:
    total, grad = 0.0, np.zeros_like(weights)
    for rows, gold in data:
        scores = rows @ weights
        scores -= scores.max()
        p = np.exp(scores)
        p /= p.sum()
        pg = p[gold].sum()
        total -= np.log(pg + 1e-12)
        # d(-log sum_g p_g)/dw = sum_i p_i x_i - sum_g (p_g / pg) x_g
        grad += p @ rows - (p[gold] / (pg + 1e-12)) @ rows[gold]
    n = max(len(data), 1)
    return total / n + penalty * float(weights @ weights), grad / n + 2 * penalty * weights


def fit(rankings: list[Ranking], penalty: float, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Return weights over standardised features fitted on the rankings that hold a gold candidate."""
    data = [((r.rows - mean) / scale, np.flatnonzero(np.asarray(r.gold_of) >= 0)) for r in rankings]
    data = [(rows, gold) for rows, gold in data if len(gold)]
    start = np.zeros(len(FEATURES))
    start[FEATURES.index("fused")] = 1.0
    result = minimize(_loss, start, args=(data, penalty), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return result.x


def standardisation(rankings: list[Ranking]) -> tuple[np.ndarray, np.ndarray]:
    rows = np.vstack([r.rows for r in rankings])
    scale = rows.std(axis=0)
    return rows.mean(axis=0), np.where(scale > 1e-9, scale, 1.0)


def measure(rankings: list[Ranking], order: list[np.ndarray | None]) -> dict[str, float]:
    """Return recall@1, recall@5 and every-gold@5 of the given candidate orders (None: the fused order)."""
    r1 = r5 = every = 0.0
    for ranking, scores in zip(rankings, order, strict=True):
        index = np.arange(len(ranking.gold_of)) if scores is None else np.argsort(-scores, kind="stable")
        top = [ranking.gold_of[i] for i in index]
        found5 = {g for g in top[:5] if g >= 0}
        r1 += float(top[0] >= 0) if top else 0.0
        r5 += len(found5) / ranking.golds if ranking.all_required else float(bool(found5))
        every += float(len(found5) == ranking.golds) if ranking.all_required else float(bool(found5))
    n = max(len(rankings), 1)
    return {"recall@1": r1 / n, "recall@5": r5 / n, "all_gold@5": every / n, "questions": len(rankings)}


def _fold(ranking: Ranking) -> int:
    return int(hashlib.sha256(f"{ranking.set_name}/{ranking.qid}".encode()).hexdigest(), 16) % FOLDS


def cross_validated(rankings: list[Ranking], penalty: float) -> list[np.ndarray]:
    """Return each ranking's scores from a model fitted on the other folds."""
    scores: list[np.ndarray | None] = [None] * len(rankings)
    for fold in range(FOLDS):
        train = [r for r in rankings if _fold(r) != fold]
        mean, scale = standardisation(train)
        weights = fit(train, penalty, mean, scale)
        for i, ranking in enumerate(rankings):
            if _fold(ranking) == fold:
                scores[i] = ((ranking.rows - mean) / scale) @ weights
    return scores  # type: ignore[return-value]


def _cut(ranking: Ranking, depth: int) -> Ranking:
    """Return the ranking's first depth candidates."""
    return Ranking(ranking.set_name, ranking.qid, ranking.rows[:depth], ranking.gold_of[:depth], ranking.golds,
                   ranking.all_required)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--train", type=Path, nargs="+", required=True)
    parser.add_argument("--check", type=Path, nargs="*", default=[])
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    parser.add_argument("--report", type=Path, default=Path(__file__).parent / "results" / "learned_order_fit.json")
    parser.add_argument("--depth", type=int, default=DEPTH, help="candidates re-ordered (at most the collected DEPTH)")
    parser.add_argument("--penalty", type=float, nargs="*", default=list(PENALTIES), help="L2 penalties tried")
    args = parser.parse_args()
    depth = min(args.depth, DEPTH)
    retriever = build_retriever(Settings(home=args.home, retrieval={"learned_order": False}))
    train = [_cut(r, depth) for path in args.train for r in collect(retriever, path)]
    checks = {path.stem: [_cut(r, depth) for r in collect(retriever, path)] for path in args.check}
    report: dict[str, object] = {"depth": depth, "train_sets": [p.name for p in args.train],
                                 "check_sets": [p.name for p in args.check], "cross_validation": {}}
    scored = {penalty: cross_validated(train, penalty) for penalty in args.penalty}
    chosen: dict[float, dict[str, float]] = {}
    for penalty, cv in scored.items():
        chosen[penalty] = figures = measure(train, cv)
        report["cross_validation"][str(penalty)] = figures  # type: ignore[index]
        print(f"penalty {penalty}: cross-validated {figures}")
    penalty = max(chosen, key=lambda p: (chosen[p]["recall@5"], chosen[p]["recall@1"], -args.penalty.index(p)))
    mean, scale = standardisation(train)
    weights = fit(train, penalty, mean, scale)
    model = {"features": list(FEATURES), "mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(),
             "weights": weights.round(6).tolist(), "depth": depth, "penalty": penalty,
             "fitted_on": [p.name for p in args.train], "questions": len(train)}
    by_set: dict[str, dict[str, object]] = {}
    cv = scored[penalty]
    for name in dict.fromkeys(r.set_name for r in train):
        members = [i for i, r in enumerate(train) if r.set_name == name]
        subset = [train[i] for i in members]
        by_set[name] = {"fused": measure(subset, [None] * len(subset)),
                        "learned (cross-validated)": measure(subset, [cv[i] for i in members])}
    for name, rankings in checks.items():
        learned = [((r.rows - mean) / scale) @ weights for r in rankings]
        by_set[name] = {"fused": measure(rankings, [None] * len(rankings)), "learned": measure(rankings, learned)}
    report["penalty"], report["by_set"] = penalty, by_set
    for name, figures in by_set.items():
        print(name, json.dumps(figures, ensure_ascii=False))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n",
                                                    encoding="utf-8")
    print(f"model written to {args.out}")


if __name__ == "__main__":
    main()
