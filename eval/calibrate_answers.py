"""Calibrate the decline threshold (and the evidence/coverage mix) on the development set, then score answers.

Retrieves every dev question once through the real Retriever of an indexed home, computes the decision
features (retrieval evidence, query-term coverage of the top articles), searches weight x threshold for the
setting that declines the most unanswerable questions while declining at most 5% of answerable ones
(preferring the middle of the feasible band, for margin), and reports the composer's answer metrics at
the chosen setting. The threshold goes into AnswerSettings.decline_threshold, the weight into
assistant.answering.decline.EVIDENCE_WEIGHT.

    OMP_NUM_THREADS=1 .venv/bin/python eval/calibrate_answers.py --home /tmp/e5home \
        --out eval/results/decline_calibration.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import assistant  # noqa: E402,F401  (offline switches first)
from assistant.answering import decline  # noqa: E402
from assistant.answering.assistant import Assistant  # noqa: E402
from assistant.answering.composer import compose  # noqa: E402
from assistant.evaluation.corpus import index_from_catalog  # noqa: E402
from assistant.evaluation.formats import ArticleRef, read_questions  # noqa: E402
from assistant.evaluation.metrics import citation_recall, citation_validity, key_point_coverage  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.wiring import build_catalog, build_indexer, build_retriever  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The target is at most 5% of answerable questions declined; one point is kept in reserve for new questions.
MAX_FALSE_DECLINE = 0.04
# A threshold that only works inside a 0.005-wide band is fitted to these questions, not to the next ones.
MIN_BAND = 0.02
# (evidence, coverage, known words) in tenths summing to one
WEIGHTS = tuple((e / 10, c / 10, (10 - e - c) / 10) for e in range(11) for c in range(11 - e))


def features(questions, helper, vocabulary):  # type: ignore[no-untyped-def]
    """Return (question, retrieval, (evidence, coverage, known words)) per question, and answer times in ms.

    Each question is answered once through Assistant.answer (first time in this process: no cached query
    vector), which gives both the complete-answer time and the retrieval the features come from.
    """
    rows, times = [], []
    for question in questions:
        answer = helper.answer(question.question, question.history)
        times.append(answer.latency_ms)
        retrieval = answer.retrieval
        query = retrieval.standalone_query or question.question
        if retrieval.lookups:
            parts = (1.0, 1.0, 1.0)
        elif decline.unknown_regulations(question.question, vocabulary.titles):
            parts = (0.0, 0.0, 0.0)  # declined whatever the weights: the question names a missing regulation
        elif not retrieval.hits:
            parts = (0.0, 0.0, 0.0)
        else:
            parts = (retrieval.evidence, decline.best_coverage(query, retrieval), vocabulary.known_share(query))
        rows.append((question, retrieval, parts))
    return rows, times


def combined(row, weights) -> float:  # type: ignore[no-untyped-def]
    """Return the decision score of a row under weights."""
    return decline.decision_score(*row[2], weights=weights)


def rates(rows, weights, threshold: float) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Return (share of unanswerable declined, share of answerable declined)."""
    unanswerable = [r for r in rows if not r[0].answerable]
    answerable = [r for r in rows if r[0].answerable]

    def declined(row) -> bool:  # type: ignore[no-untyped-def]
        return combined(row, weights) < threshold

    return (
        sum(declined(r) for r in unanswerable) / max(1, len(unanswerable)),
        sum(declined(r) for r in answerable) / max(1, len(answerable)),
    )


def choose(rows) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Return the weights and threshold declining most unanswerable within the false-decline budget.

    Only settings whose best decline rate holds over a band of thresholds at least MIN_BAND wide compete;
    the threshold is the middle of that band.
    """
    best = None
    for weight in WEIGHTS:
        grid = [t / 200 for t in range(0, 201)]
        feasible = [(t, *rates(rows, weight, t)) for t in grid]
        feasible = [f for f in feasible if f[2] <= MAX_FALSE_DECLINE]
        if not feasible:
            continue
        top = max(f[1] for f in feasible)
        band = [f[0] for f in feasible if f[1] == top]
        threshold = (min(band) + max(band)) / 2  # the middle of the band leaves margin on both sides
        width = max(band) - min(band)
        unans, ans = rates(rows, weight, threshold)
        key = (width >= MIN_BAND, unans, -ans, width, weight, threshold)
        if best is None or key[:4] > best[:4]:
            best = key
    assert best is not None
    _, unans, neg_ans, width, weight, threshold = best
    return {"weights": weight, "threshold": round(threshold, 3), "declined_unanswerable": unans,
            "declined_answerable": -neg_ans, "band_width": width}


def score(rows, chosen, catalog_path: Path, settings: Settings) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Return composer metrics on the dev set at the chosen decline setting."""
    index = index_from_catalog(catalog_path)
    recall, points, validity, failures = [], [], [], []
    for row in rows:
        question, retrieval, _ = row
        declined_now = combined(row, chosen["weights"]) < chosen["threshold"]
        if declined_now:
            composed_citations, text = (), ""
        else:
            composed = compose(question.question, retrieval, max_citations=settings.answer.max_citations)
            composed_citations, text = composed.citations, composed.text
        refs = [ArticleRef(c.document, c.article, c.version) for c in composed_citations]
        if refs:
            validity.append(citation_validity(refs, index.exists))
        if question.answerable:
            recall.append(citation_recall(question, refs) or 0.0)
            if question.key_points:
                points.append(key_point_coverage(question, text) or 0.0)
            if not recall[-1] or (question.key_points and points[-1] < 1):
                failures.append({"id": question.id, "category": question.category, "declined": declined_now,
                                 "cited": [f"{r.document}{r.article}" for r in refs][:4],
                                 "gold": [f"{g.document}{g.article}" for g in question.gold]})
    return {
        "citation_validity": statistics.mean(validity) if validity else 1.0,
        "gold_cited": statistics.mean(recall),
        "key_points": statistics.mean(points),
        "failures": failures,  # type: ignore[dict-item]
    }


def latency(times: list[float]) -> dict[str, float]:
    """Return median and p95 of complete-answer times in ms."""
    times = sorted(times)
    return {"median_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            "max_ms": round(times[-1], 1)}


def main() -> None:
    """Run the calibration and print the chosen setting with the metrics it gives."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="Indexed home holding ../shared/corpus.")
    parser.add_argument("--embedder", default=None, help="Embedding backend the home was built with.")
    parser.add_argument("--devset", type=Path, default=PROJECT_ROOT / "eval" / "devset.jsonl")
    parser.add_argument("--out", type=Path, help="JSON file for the calibration record.")
    args = parser.parse_args()
    overrides: dict[str, object] = {"home": args.home}
    if args.embedder:
        overrides["embedding"] = {"backend": args.embedder, "threads": 1}
    settings = Settings(**overrides)
    questions, errors = read_questions(args.devset)
    catalog = build_catalog(settings)
    retriever = build_retriever(settings, catalog, build_indexer(settings))
    helper = Assistant(settings, retriever, catalog=catalog)
    helper.answer("数据安全法第一条")  # loads the corpus vocabulary and warms the models: not a question's cost
    vocabulary = decline.CorpusVocabulary(catalog)
    vocabulary.refresh()
    rows, times = features(questions, helper, vocabulary)
    chosen = choose(rows)
    metrics = score(rows, chosen, settings.catalog_path, settings)
    timing = latency(times)
    record = {"devset": str(args.devset), "questions": len(questions), "embedder": settings.embedding.backend,
              "chosen": chosen, "metrics": metrics, "latency": timing,
              "unanswerable_features": [(r[0].id, [round(x, 3) for x in r[2]], round(combined(r, chosen["weights"]), 3))
                                        for r in rows if not r[0].answerable],
              "rows": [(r[0].id, r[0].answerable, [round(x, 4) for x in r[2]]) for r in rows],
              "lowest_answerable": sorted((round(combined(r, chosen["weights"]), 3), r[0].id, r[0].category)
                                          for r in rows if r[0].answerable)[:12]}
    text = json.dumps(record, ensure_ascii=False, indent=1)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    summary = {k: v for k, v in record.items() if k not in ("metrics", "rows")}
    summary["metrics"] = {k: v for k, v in metrics.items() if k != "failures"}
    print(json.dumps(summary, ensure_ascii=False, indent=1))  # noqa: T201 - a script's report
    del errors


if __name__ == "__main__":
    main()
