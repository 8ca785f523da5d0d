"""Fit the learned order of retrieval's first candidates (assistant/retrieval/learned_order.py).

usage: .venv/bin/python eval/train_order.py --home H --train SET.jsonl ... --check SET.jsonl ... [--out MODEL.json]
       [--report FIGURES.json] [--depth N] [--kind blend|trees|linear] [--penalty P ...]

Each question of the training sets is retrieved with the hand-set fusion (the model off); the first DEPTH
candidates' features and whether each is a gold article are kept. Three kinds of model can be fitted (--kind):
- linear: for each question with a gold article among its candidates, the softmax of the candidates' scores should
  put its mass on the gold ones; an L2 penalty, chosen by five-fold cross-validation over questions, keeps the
  weights small;
- trees: boosted regression trees (scikit-learn's histogram gradient boosting, a fixed seed, no
  early stopping) classify each candidate as gold or not; their depth and number are chosen by the same
  cross-validation from TREE_GRID, and they are written as plain node lists (assistant/retrieval/order_models.py
  applies them without scikit-learn);
- blend (the default): both, each chosen as above, their scores standardised over a question's candidates and
  summed with the linear model's weight from BLEND_WEIGHTS chosen by the same cross-validation (the linear model
  puts a gold article first more often, the trees more gold articles into the first five).
The check sets are never fitted on: the script prints recall@1/@5 and every-gold@5 of the fused order and of the
learned order on every set, for the training sets by cross-validation (each question scored by a model that did not
see it); the figures go to --report (eval/results/learned_order_fit.json). Version questions are left out: the
retriever hands their order to the version linker.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable
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
from assistant.retrieval.order_models import embedder_identity, order_from_dict, standardised  # noqa: E402
from assistant.retrieval.retriever import Retriever  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.wiring import build_retriever  # noqa: E402

PENALTIES = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
# (max depth, trees): every pair scored by cross-validation; the learning rate and leaf size stay fixed.
TREE_GRID = ((2, 200), (2, 400), (3, 200), (3, 400), (4, 200))
TREE_LEARNING_RATE = 0.06
BLEND_WEIGHTS = (0.0, 0.3, 0.5, 0.7, 1.0)  # the linear model's share of a blend; the trees have the rest
TREE_MIN_LEAF = 20
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


Setting = float | tuple[int, int]  # a linear model's L2 penalty, or the trees' (max depth, number)


def linear_model(rankings: list[Ranking], penalty: Setting) -> dict[str, object]:
    """Return the linear model (as order_models reads it) fitted with the given L2 penalty."""
    mean, scale = standardisation(rankings)
    weights = fit(rankings, float(penalty), mean, scale)  # type: ignore[arg-type]
    return {"kind": "linear", "features": list(FEATURES), "mean": mean.round(6).tolist(),
            "scale": scale.round(6).tolist(), "weights": weights.round(6).tolist(), "penalty": penalty}


def tree_model(rankings: list[Ranking], setting: Setting) -> dict[str, object]:
    """Return boosted trees (as order_models reads them) classifying candidates as gold, of the given size."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    max_depth, count = setting  # type: ignore[misc]
    usable = [r for r in rankings if (np.asarray(r.gold_of) >= 0).any()]
    rows = np.vstack([r.rows for r in usable])
    gold = np.concatenate([(np.asarray(r.gold_of) >= 0).astype(int) for r in usable])
    fitted = HistGradientBoostingClassifier(
        max_depth=max_depth, max_iter=count, learning_rate=TREE_LEARNING_RATE, min_samples_leaf=TREE_MIN_LEAF,
        l2_regularization=1.0, early_stopping=False, random_state=0).fit(rows, gold)
    trees = [_node_lists(predictors[0].nodes) for predictors in fitted._predictors]
    model = {"kind": "trees", "features": list(FEATURES), "setting": [max_depth, count],
             "max_depth": max(int(p[0].nodes["depth"].max()) for p in fitted._predictors),
             "base": float(np.ravel(fitted._baseline_prediction)[0]), "trees": trees}
    # The node lists are read from scikit-learn's internals: check they score as the library does.
    if not np.allclose(order_from_dict(model).scores(rows), fitted.decision_function(rows), atol=1e-6):
        raise SystemExit("the exported trees do not reproduce scikit-learn's scores: its tree layout changed")
    return model


def _node_lists(nodes: np.ndarray) -> dict[str, list[float]]:
    """Return one fitted tree as node lists; a leaf points to itself on both sides."""
    index = np.arange(len(nodes))
    leaf = nodes["is_leaf"].astype(bool)
    return {"feature": np.where(leaf, 0, nodes["feature_idx"]).astype(int).tolist(),
            "threshold": np.where(leaf, 0.0, nodes["num_threshold"]).tolist(),
            "left": np.where(leaf, index, nodes["left"]).astype(int).tolist(),
            "right": np.where(leaf, index, nodes["right"]).astype(int).tolist(),
            "value": np.where(leaf, nodes["value"], 0.0).tolist(),
            "missing_left": nodes["missing_go_to_left"].astype(bool).tolist()}


FITTERS = {"linear": linear_model, "trees": tree_model}  # a blend is fitted from both (fit_chosen)


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


def cross_validated(
    rankings: list[Ranking], fit_model: Callable[[list[Ranking], Setting], dict[str, object]], setting: Setting,
) -> list[np.ndarray]:
    """Return each ranking's scores from a model fitted on the other folds."""
    scores: list[np.ndarray | None] = [None] * len(rankings)
    for fold in range(FOLDS):
        model = order_from_dict(fit_model([r for r in rankings if _fold(r) != fold], setting))
        for i, ranking in enumerate(rankings):
            if _fold(ranking) == fold:
                scores[i] = model.scores(ranking.rows)
    return scores  # type: ignore[return-value]


def _cut(ranking: Ranking, depth: int) -> Ranking:
    """Return the ranking's first depth candidates."""
    return Ranking(ranking.set_name, ranking.qid, ranking.rows[:depth], ranking.gold_of[:depth], ranking.golds,
                   ranking.all_required)


def search(
    train: list[Ranking], kind: str, settings: list[Setting], report: dict[str, object],
) -> tuple[Setting, list[np.ndarray]]:
    """Return the setting of a kind with the best cross-validated recall@1 + recall@5, and its scores."""
    fit_model = FITTERS[kind]
    scored = {setting: cross_validated(train, fit_model, setting) for setting in settings}
    figures = {setting: measure(train, cv) for setting, cv in scored.items()}
    for setting, figure in figures.items():
        report["cross_validation"][f"{kind} {setting}"] = figure  # type: ignore[index]
        print(f"{kind} {setting}: cross-validated {figure}")
    best = max(figures, key=lambda s: (_merit(figures[s]), -settings.index(s)))
    return best, scored[best]


def _merit(figures: dict[str, float]) -> float:
    """Return what settings are chosen by: the first place and the first five both count (issue 13's targets)."""
    return round(figures["recall@1"] + figures["recall@5"], 6)


def blended(parts: list[tuple[float, list[np.ndarray]]]) -> list[np.ndarray]:
    """Return per-ranking blends of several models' scores, each standardised over the ranking's candidates."""
    return [sum(w * standardised(scores[i]) for w, scores in parts) for i in range(len(parts[0][1]))]


def fit_chosen(
    train: list[Ranking], kind: str, penalties: list[Setting], report: dict[str, object],
) -> tuple[dict[str, object], list[np.ndarray]]:
    """Return the model of the kind asked, its settings chosen by cross-validation, and its cross-validated scores."""
    if kind != "blend":
        best, cv = search(train, kind, penalties if kind == "linear" else list(TREE_GRID), report)
        report["setting"] = best
        return FITTERS[kind](train, best), cv
    penalty, linear_cv = search(train, "linear", penalties, report)
    trees, trees_cv = search(train, "trees", list(TREE_GRID), report)
    figures = {w: measure(train, blended([(w, linear_cv), (1 - w, trees_cv)])) for w in BLEND_WEIGHTS}
    for weight, figure in figures.items():
        report["cross_validation"][f"blend, linear weight {weight}"] = figure  # type: ignore[index]
        print(f"blend, linear weight {weight}: cross-validated {figure}")
    weight = max(figures, key=lambda w: (_merit(figures[w]), -BLEND_WEIGHTS.index(w)))
    report["setting"] = {"linear penalty": penalty, "trees": trees, "linear weight": weight}
    if weight in (0.0, 1.0):  # one model alone: the other would be computed for nothing
        return (linear_model(train, penalty), linear_cv) if weight else (tree_model(train, trees), trees_cv)
    model = {"kind": "blend", "features": list(FEATURES),
             "parts": [{"weight": weight, "model": linear_model(train, penalty)},
                       {"weight": 1 - weight, "model": tree_model(train, trees)}]}
    return model, blended([(weight, linear_cv), (1 - weight, trees_cv)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--train", type=Path, nargs="+", required=True)
    parser.add_argument("--check", type=Path, nargs="*", default=[])
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    parser.add_argument("--report", type=Path, default=Path(__file__).parent / "results" / "learned_order_fit.json")
    parser.add_argument("--depth", type=int, default=DEPTH, help="candidates re-ordered (at most the collected DEPTH)")
    parser.add_argument("--kind", choices=[*FITTERS, "blend"], default="blend", help="the kind of model fitted")
    parser.add_argument("--penalty", type=float, nargs="*", help="L2 penalties tried (linear; default PENALTIES)")
    args = parser.parse_args()
    depth = min(args.depth, DEPTH)
    settings = Settings(home=args.home, retrieval={"learned_order": False})
    retriever = build_retriever(settings)
    train = [_cut(r, depth) for path in args.train for r in collect(retriever, path)]
    checks = {path.stem: [_cut(r, depth) for r in collect(retriever, path)] for path in args.check}
    report: dict[str, object] = {"kind": args.kind, "depth": depth, "train_sets": [p.name for p in args.train],
                                 "check_sets": [p.name for p in args.check], "cross_validation": {}}
    model, cv = fit_chosen(train, args.kind, list(args.penalty or PENALTIES), report)
    # The vector features mean what this home's embedder made them mean: the retriever applies the model only there.
    model = {**model, "depth": depth, "embedder": embedder_identity(settings.embedding),
             "fitted_on": [p.name for p in args.train], "questions": len(train)}
    fitted = order_from_dict(model)
    by_set: dict[str, dict[str, object]] = {}
    for name in dict.fromkeys(r.set_name for r in train):
        members = [i for i, r in enumerate(train) if r.set_name == name]
        subset = [train[i] for i in members]
        by_set[name] = {"fused": measure(subset, [None] * len(subset)),
                        "learned (cross-validated)": measure(subset, [cv[i] for i in members])}
    for name, rankings in checks.items():
        learned = [fitted.scores(r.rows) for r in rankings]
        by_set[name] = {"fused": measure(rankings, [None] * len(rankings)), "learned": measure(rankings, learned)}
    report["by_set"] = by_set
    for name, figures in by_set.items():
        print(name, json.dumps(figures, ensure_ascii=False))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"model written to {args.out}")


if __name__ == "__main__":
    main()
