"""Calibrate the decline threshold (and the evidence/coverage mix) on the development set, then score answers.

Retrieves every dev question once through the real Retriever of an indexed home, computes the decision
features (retrieval evidence, query-term coverage of the top articles), searches weight x threshold for the
setting that declines the most unanswerable questions while declining at most 5% of answerable ones
(preferring the middle of the feasible band, for margin), and reports the composer's answer metrics at
the chosen setting. The threshold goes into AnswerSettings.decline_threshold, the weight into
assistant.decline.EVIDENCE_WEIGHT.

    OMP_NUM_THREADS=1 .venv/bin/python eval/calibrate_answers.py --home /tmp/e5home \
        --out eval/results/decline_calibration.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import assistant  # noqa: E402,F401  (offline switches first)
from assistant import decline  # noqa: E402
from assistant.answering import Assistant  # noqa: E402
from assistant.composer import compose  # noqa: E402
from assistant.evaluation.corpus import index_from_catalog  # noqa: E402
from assistant.evaluation.formats import ArticleRef, read_questions  # noqa: E402
from assistant.evaluation.metrics import citation_recall, citation_validity, key_point_coverage  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.wiring import build_catalog, build_indexer, build_retriever  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MAX_FALSE_DECLINE = 0.05
WEIGHTS = (0.0, 0.25, 0.4, 0.5, 0.6, 0.75, 1.0)


def features(questions, retriever):  # type: ignore[no-untyped-def]
    """Return (question, retrieval, evidence, coverage) per question."""
    rows = []
    for question in questions:
        retrieval = retriever.retrieve(question.question, question.history)
        query = retrieval.standalone_query or question.question
        cover = 1.0 if retrieval.lookups else decline.best_coverage(query, retrieval)
        evidence = 1.0 if retrieval.lookups else retrieval.evidence
        if not retrieval.hits and not retrieval.lookups:
            cover, evidence = 0.0, 0.0
        rows.append((question, retrieval, evidence, cover))
    return rows


def rates(rows, weight: float, threshold: float) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Return (share of unanswerable declined, share of answerable declined)."""
    unanswerable = [r for r in rows if not r[0].answerable]
    answerable = [r for r in rows if r[0].answerable]

    def declined(row) -> bool:  # type: ignore[no-untyped-def]
        return weight * row[2] + (1 - weight) * row[3] < threshold

    return (
        sum(declined(r) for r in unanswerable) / max(1, len(unanswerable)),
        sum(declined(r) for r in answerable) / max(1, len(answerable)),
    )


def choose(rows) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Return the weight and threshold declining most unanswerable within the false-decline budget."""
    best: tuple[float, float, float, float, float] | None = None
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
        key = (unans, -ans, width, weight, threshold)
        if best is None or key[:3] > best[:3]:
            best = key
    assert best is not None
    unans, neg_ans, width, weight, threshold = best
    return {"weight": weight, "threshold": round(threshold, 3), "declined_unanswerable": unans,
            "declined_answerable": -neg_ans, "band_width": width}


def score(rows, chosen, catalog_path: Path, settings: Settings) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Return composer metrics on the dev set at the chosen decline setting."""
    index = index_from_catalog(catalog_path)
    recall, points, validity, failures = [], [], [], []
    for question, retrieval, evidence, cover in rows:
        declined_now = chosen["weight"] * evidence + (1 - chosen["weight"]) * cover < chosen["threshold"]
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


def latency(settings: Settings, retriever, questions) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Return median and p95 complete-answer time in ms, through Assistant.answer."""
    helper = Assistant(settings, retriever)
    times = []
    for question in questions:
        start = time.perf_counter()
        helper.answer(question.question, question.history)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"median_ms": statistics.median(times), "p95_ms": times[int(0.95 * (len(times) - 1))]}


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
    rows = features(questions, retriever)
    chosen = choose(rows)
    metrics = score(rows, chosen, settings.catalog_path, settings)
    tuned = settings.model_copy(
        update={"answer": replace_answer(settings, chosen["threshold"])}
    )
    decline.EVIDENCE_WEIGHT = chosen["weight"]
    timing = latency(tuned, retriever, questions)
    record = {"devset": str(args.devset), "questions": len(questions), "embedder": settings.embedding.backend,
              "chosen": chosen, "metrics": metrics, "latency": timing,
              "unanswerable_features": [(r[0].id, round(r[2], 3), round(r[3], 3)) for r in rows
                                        if not r[0].answerable],
              "lowest_answerable": sorted((round(chosen["weight"] * r[2] + (1 - chosen["weight"]) * r[3], 3),
                                            r[0].id, r[0].category) for r in rows if r[0].answerable)[:12]}
    text = json.dumps(record, ensure_ascii=False, indent=1)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    summary = {k: v for k, v in record.items() if k not in ("metrics",)}
    summary["metrics"] = {k: v for k, v in metrics.items() if k != "failures"}
    print(json.dumps(summary, ensure_ascii=False, indent=1))  # noqa: T201 - a script's report
    del errors


def replace_answer(settings: Settings, threshold: float):  # type: ignore[no-untyped-def]
    """Return the answer settings with another decline threshold."""
    return settings.answer.model_copy(update={"decline_threshold": threshold})


if __name__ == "__main__":
    main()
