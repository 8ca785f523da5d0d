"""Where the gold articles the answers miss are lost: never among the candidates, or among them and ordered out.

usage: .venv/bin/python eval/where_lost.py --home H SET.jsonl ... [--out FIGURES.json]

Each answerable question is retrieved as the assistant retrieves it. Every gold article is placed twice: in the
final ranking (first, second to fifth, sixth to tenth, beyond) and among the candidates the learned order
re-orders (the fused ranking's first DEPTH, learned_order.py), when it re-ordered any: a version question's
ranking is the version linker's, and a question answered from a reference or the catalog is searched for nothing.
A gold article outside the first five was then either ordered out (it was a candidate) or never found (it was not);
the first calls for better features or models, the second for better searches. The figures are given for each set
and each of its question categories. Only counts are printed and written, so the held-out sets can be measured
without being studied.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.evaluation.formats import ArticleRef, GoldRef, Question, read_questions  # noqa: E402
from assistant.evaluation.matching import ref_matches_gold  # noqa: E402
from assistant.evaluation.runner import MIN_RETRIEVED, retrieved_refs  # noqa: E402
from assistant.retrieval.learned_order import DEPTH  # noqa: E402
from assistant.retrieval.retriever import Retriever  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.wiring import build_retriever  # noqa: E402

FINAL_BANDS = ("first", "second to fifth", "sixth to tenth", "beyond tenth")


def final_band(position: int | None) -> str:
    """Return the band of a 1-based position in the final ranking (None: not within the first MIN_RETRIEVED)."""
    if position == 1:
        return FINAL_BANDS[0]
    if position is not None and position <= 5:
        return FINAL_BANDS[1]
    if position is not None and position <= MIN_RETRIEVED:
        return FINAL_BANDS[2]
    return FINAL_BANDS[3]


def _position(gold: GoldRef, refs: Sequence[ArticleRef]) -> int | None:
    return next((index for index, ref in enumerate(refs, start=1) if ref_matches_gold(gold, ref)), None)


def place_golds(retriever: Retriever, question: Question) -> list[tuple[str, str]]:
    """Return, per gold article of the question, its final band and its candidate state (among, not among,
    unobserved)."""
    observed: list[list[str]] = []
    retriever.observe_order = lambda _text, head, _rows: observed.append([entry.key for entry in head])
    try:
        result = retriever.retrieve(question.question, list(question.history or []), top_k=MIN_RETRIEVED)
    finally:
        retriever.observe_order = None
    # The final ranking as a result file records it (each article once), which the scorer reads.
    final = retrieved_refs(result.hits)[:MIN_RETRIEVED]
    candidates: list[ArticleRef] = []
    if observed:  # the whole question's ranking is observed first; a part's search is not
        stored = retriever.catalog.articles_by_keys(observed[0])
        candidates = [ArticleRef(stored[key].title, stored[key].article.label, stored[key].version)
                      for key in observed[0] if key in stored]
    places = []
    for gold in question.gold:
        state = "unobserved" if not observed else ("among" if _position(gold, candidates) else "not among")
        places.append((final_band(_position(gold, final)), state))
    return places


def summarise(places: list[tuple[str, str]], questions: int) -> dict[str, object]:
    """Return the counts and shares of the gold articles' places."""
    total = len(places) or 1
    final = Counter(band for band, _ in places)
    state = Counter(candidate for _, candidate in places)
    outside = [candidate for band, candidate in places if band not in FINAL_BANDS[:2]]
    lost = Counter(outside)
    return {
        "questions": questions,
        "gold_articles": len(places),
        "final": {band: round(final[band] / total, 3) for band in FINAL_BANDS},
        f"among the first {DEPTH} candidates": {k: round(state[k] / total, 3) for k in ("among", "not among",
                                                                                         "unobserved")},
        "outside the first five": {
            "ordered out (a candidate)": lost["among"],
            "never a candidate": lost["not among"],
            "unobserved (version, reference or catalog answers)": lost["unobserved"],
        },
    }


def set_figures(retriever: Retriever, answerable: list[Question]) -> tuple[dict[str, object], dict[str, object]]:
    """Return a set's figures, and the same for each of its question categories (counts, never a question)."""
    placed = {q.id: place_golds(retriever, q) for q in answerable}
    overall = summarise([place for places in placed.values() for place in places], len(answerable))
    by_category: dict[str, object] = {}
    for category in sorted({q.category for q in answerable}):
        members = [q for q in answerable if q.category == category]
        by_category[category] = summarise([place for q in members for place in placed[q.id]], len(members))
    return overall, by_category


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("sets", type=Path, nargs="+")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()
    retriever = build_retriever(Settings(home=args.home))
    figures: dict[str, object] = {}
    for path in args.sets:
        questions, _ = read_questions(path)
        answerable = [q for q in questions if q.answerable and q.gold]
        overall, by_category = set_figures(retriever, answerable)
        figures[path.stem] = {**overall, "by category": by_category}
        print(path.stem, json.dumps(overall, ensure_ascii=False))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
