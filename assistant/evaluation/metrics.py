"""Pure metric functions: ranking quality of retrieval, citation quality, key points, declining, latency."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from assistant.evaluation.formats import ArticleRef, GoldRef, Question, Result
from assistant.evaluation.matching import key_point_present, ref_matches_gold
from assistant.language.textnorm import compact

RECALL_KS = (1, 3, 5, 10)
SupportCheck = Callable[[ArticleRef, str], bool]  # (cited article, answer) -> the article supports the answer
ExistsCheck = Callable[[ArticleRef], bool]  # cited article exists in the cited version

# A sentence runs to its end mark, then keeps the closing quotes and citation markers that follow it:
# the composer writes 「…更正。」[1], and the marker belongs to the quoted sentence, not to the next one.
_SENTENCE = re.compile(r'.*?(?:[。！？；!?;\n]+(?:[」』”’"）)]|\[\d{1,3}\])*|$)', re.S)
_MARKER = re.compile(r"\[(\d{1,3})\]")


def gold_ranks(gold: Sequence[GoldRef], ranked: Sequence[ArticleRef], k: int | None = None) -> list[int | None]:
    """Return, for each gold article, its 1-based rank in the ranked list (within the top k), or None."""
    limit = len(ranked) if k is None else min(k, len(ranked))
    ranks: list[int | None] = []
    for item in gold:
        rank = next((i + 1 for i in range(limit) if ref_matches_gold(item, ranked[i])), None)
        ranks.append(rank)
    return ranks


def recall_at_k(question: Question, ranked: Sequence[ArticleRef], k: int) -> float | None:
    """Return recall@k of the gold articles: gold_any needs one, else the share found; None without gold."""
    if not question.gold:
        return None
    found = [rank is not None for rank in gold_ranks(question.gold, ranked, k)]
    if question.gold_any:
        return 1.0 if any(found) else 0.0
    return sum(found) / len(found)


def all_gold_at_k(question: Question, ranked: Sequence[ArticleRef], k: int) -> float | None:
    """Return 1.0 when every gold article (one of them for gold_any) is in the top k, else 0.0; None without gold.

    A question needing two regulations is only answered when both are found: mean recall@k gives half credit.
    """
    recall = recall_at_k(question, ranked, k)
    return None if recall is None else float(recall == 1.0)


def mrr_at_k(question: Question, ranked: Sequence[ArticleRef], k: int = 10) -> float | None:
    """Return the reciprocal rank of the first gold article in the top k (0 when absent); None without gold."""
    if not question.gold:
        return None
    ranks = [rank for rank in gold_ranks(question.gold, ranked, k) if rank is not None]
    return 1.0 / min(ranks) if ranks else 0.0


def ndcg_at_k(question: Question, ranked: Sequence[ArticleRef], k: int = 10) -> float | None:
    """Return binary-relevance nDCG@k; with gold_any only the best-placed gold counts and the ideal is one hit."""
    if not question.gold:
        return None
    ranks = sorted({rank for rank in gold_ranks(question.gold, ranked, k) if rank is not None})
    if question.gold_any:
        ranks, ideal_count = ranks[:1], 1
    else:
        ideal_count = min(len(question.gold), k)
    dcg = sum(1.0 / math.log2(rank + 1) for rank in ranks)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, ideal_count + 1))
    return dcg / ideal if ideal else 0.0


def citation_recall(question: Question, citations: Sequence[ArticleRef]) -> float | None:
    """Return the share of gold articles the answer cites (gold_any: 1 when any is cited); None without gold."""
    return recall_at_k(question, citations, len(citations)) if question.gold else None


def answer_sentences(answer: str) -> list[str]:
    """Return the sentences of an answer, split after Chinese and Western sentence ends."""
    return [part.strip() for part in _SENTENCE.findall(answer) if part.strip()]


def char_bigrams(text: str) -> set[str]:
    """Return the character bigrams of normalised text without spaces and citation markers."""
    text = compact(_MARKER.sub("", text))
    return {text[i : i + 2] for i in range(len(text) - 1)}


def support_overlap(sentence: str, article_text: str) -> float:
    """Return the share of the sentence's character bigrams that occur in the article text."""
    grams = char_bigrams(sentence)
    return len(grams & char_bigrams(article_text)) / len(grams) if grams else 0.0


def sentences_citing(answer: str, marker: int) -> list[str]:
    """Return the sentences carrying the marker [n]; all sentences when the answer has no markers at all."""
    sentences = answer_sentences(answer)
    if not _MARKER.search(answer):
        return sentences
    return [s for s in sentences if str(marker) in _MARKER.findall(s)]


def citation_precision(
    question: Question, citations: Sequence[ArticleRef], supported: Callable[[int, ArticleRef], bool] | None = None
) -> float | None:
    """Return the share of citations that are gold or (given a support check) support their sentence; None if none."""
    if not citations:
        return None
    good = 0
    for index, cited in enumerate(citations):
        if any(ref_matches_gold(gold, cited) for gold in question.gold):
            good += 1
        elif supported is not None and supported(index + 1, cited):
            good += 1
    return good / len(citations)


def citation_precision_gold(question: Question, citations: Sequence[ArticleRef]) -> float | None:
    """Return the share of citations that are gold articles (strict precision); None when nothing is cited."""
    return citation_precision(question, citations, None)


def citation_validity(citations: Sequence[ArticleRef], exists: ExistsCheck | None) -> float | None:
    """Return the share of citations naming an article that exists in the cited version; None without a catalog."""
    if not citations or exists is None:
        return None
    return sum(1 for cited in citations if exists(cited)) / len(citations)


def version_correct(question: Question, citations: Sequence[ArticleRef]) -> float | None:
    """Return 1.0 when a version question's citations include every gold article in the gold's version, else 0.0.

    Only questions of category "version" count (None otherwise): there the version is the point, so one gold
    article cited in the wrong version, or left out, fails the question.
    """
    if question.category != "version" or not question.gold:
        return None
    return float(all(any(ref_matches_gold(gold, cited) for cited in citations) for gold in question.gold))


def key_point_coverage(question: Question, answer: str) -> float | None:
    """Return the share of key points present in the answer; None when the question has none."""
    if not question.key_points:
        return None
    return sum(key_point_present(point, answer) for point in question.key_points) / len(question.key_points)


def missing_key_points(question: Question, answer: str) -> list[str]:
    """Return the key points the answer lacks."""
    return [point for point in question.key_points if not key_point_present(point, answer)]


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Return the linear-interpolated percentile (fraction in 0..1) of values; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mean(values: Iterable[float | None]) -> float | None:
    """Return the mean of the values that are not None; None when there are none."""
    present = [value for value in values if value is not None]
    return sum(present) / len(present) if present else None


@dataclass(frozen=True)
class QuestionScore:
    """Every metric of one question in one run; None where a metric does not apply."""

    question: Question
    result: Result | None  # None: the run has no line for this question
    recall: dict[int, float | None] = field(default_factory=dict)
    all_gold_5: float | None = None  # every gold article in the top 5
    mrr: float | None = None
    ndcg: float | None = None
    citation_recall: float | None = None
    citation_precision: float | None = None
    citation_precision_gold: float | None = None
    citation_validity: float | None = None
    version_correct: float | None = None
    key_points: float | None = None
    declined: bool = False
    decline_correct: float | None = None  # unanswerable: 1 when declined
    false_decline: float | None = None  # answerable: 1 when declined
    latency_ms: float | None = None
    first_gold_rank: int | None = None
    missing_points: tuple[str, ...] = ()
    error: str | None = None


def score_question(
    question: Question,
    result: Result | None,
    *,
    support: SupportCheck | None = None,
    exists: ExistsCheck | None = None,
) -> QuestionScore:
    """Return the scores of one result against its question (a missing result scores as a failure)."""
    if result is None:
        result = Result(question.id, "", False, (), (), 0.0, {"error": "no result line for this question"})
        latency = None
    else:
        latency = result.latency_ms
    ranked = result.retrieved
    retrieval_only = bool(result.extra.get("retrieval_only"))
    recall = {k: recall_at_k(question, ranked, k) for k in RECALL_KS}
    ranks = [r for r in gold_ranks(question.gold, ranked) if r is not None]
    answerable = question.answerable
    cited = result.citations

    def supported(marker: int, ref: ArticleRef) -> bool:
        if support is None:
            return False
        return any(support(ref, sentence) for sentence in sentences_citing(result.answer, marker))

    citing = answerable and not retrieval_only
    return QuestionScore(
        question=question,
        result=result,
        recall=recall,
        all_gold_5=all_gold_at_k(question, ranked, 5),
        mrr=mrr_at_k(question, ranked, 10),
        ndcg=ndcg_at_k(question, ranked, 10),
        citation_recall=citation_recall(question, cited) if citing else None,
        citation_precision=citation_precision(question, cited, supported if support else None)
        if not retrieval_only
        else None,
        citation_precision_gold=citation_precision_gold(question, cited) if citing else None,
        citation_validity=citation_validity(cited, exists) if not retrieval_only else None,
        version_correct=version_correct(question, cited) if citing else None,
        key_points=key_point_coverage(question, result.answer) if citing else None,
        declined=result.declined,
        decline_correct=None if answerable or retrieval_only else float(result.declined),
        false_decline=float(result.declined) if answerable and not retrieval_only else None,
        latency_ms=latency,
        first_gold_rank=min(ranks) if ranks else None,
        missing_points=tuple(missing_key_points(question, result.answer)) if citing else (),
        error=result.extra.get("error") if isinstance(result.extra.get("error"), str) else None,
    )


METRIC_LABELS = {
    "recall@1": "Recall@1",
    "recall@3": "Recall@3",
    "recall@5": "Recall@5",
    "recall@10": "Recall@10",
    "all_gold@5": "Every gold article in top 5",
    "mrr@10": "MRR@10",
    "ndcg@10": "nDCG@10",
    "citation_recall": "Citation recall",
    "citation_precision": "Citation precision (gold or supporting)",
    "citation_precision_gold": "Citation precision (gold only)",
    "citation_validity": "Citation validity",
    "version_correct": "Version-correct citations (version questions)",
    "key_points": "Key-point coverage",
    "decline_unanswerable": "Declined when unanswerable",
    "false_decline": "False declines (answerable)",
    "latency_p50_ms": "Latency median (ms)",
    "latency_p95_ms": "Latency p95 (ms)",
    "questions": "Questions",
}


def summarize(scores: Sequence[QuestionScore]) -> dict[str, float | None]:
    """Return the mean of every metric over the scores, plus latency median and p95 and the question count."""
    latencies = [s.latency_ms for s in scores if s.latency_ms is not None]
    summary: dict[str, float | None] = {f"recall@{k}": mean(s.recall.get(k) for s in scores) for k in RECALL_KS}
    summary.update(
        {
            "all_gold@5": mean(s.all_gold_5 for s in scores),
            "mrr@10": mean(s.mrr for s in scores),
            "ndcg@10": mean(s.ndcg for s in scores),
            "citation_recall": mean(s.citation_recall for s in scores),
            "citation_precision": mean(s.citation_precision for s in scores),
            "citation_precision_gold": mean(s.citation_precision_gold for s in scores),
            "citation_validity": mean(s.citation_validity for s in scores),
            "version_correct": mean(s.version_correct for s in scores),
            "key_points": mean(s.key_points for s in scores),
            "decline_unanswerable": mean(s.decline_correct for s in scores),
            "false_decline": mean(s.false_decline for s in scores),
            "latency_p50_ms": percentile(latencies, 0.5),
            "latency_p95_ms": percentile(latencies, 0.95),
            "questions": float(len(scores)),
        }
    )
    return summary


def summarize_by_category(scores: Sequence[QuestionScore]) -> dict[str, dict[str, float | None]]:
    """Return summarize() for each category, categories in alphabetical order."""
    categories = sorted({s.question.category for s in scores})
    return {name: summarize([s for s in scores if s.question.category == name]) for name in categories}


def recall_curve(scores: Sequence[QuestionScore], max_k: int = 10) -> list[float | None]:
    """Return mean recall@k for k = 1..max_k, computed from each question's retrieved list."""
    curve = []
    for k in range(1, max_k + 1):
        values = [recall_at_k(s.question, s.result.retrieved if s.result else (), k) for s in scores if s.question.gold]
        curve.append(mean(values))
    return curve


def failure_reasons(score: QuestionScore) -> list[str]:
    """Return the reasons a question failed in a run (empty when it passed)."""
    reasons = []
    if score.error:
        reasons.append(f"error: {score.error}")
    if score.question.answerable:
        if score.recall.get(10) is not None and score.recall[10] < 1.0:
            reasons.append("gold not in top 10" if not score.recall[10] else "some gold not in top 10")
        if score.false_decline:
            reasons.append("declined an answerable question")
        elif score.citation_recall is not None and score.citation_recall < 1.0:
            reasons.append("gold not cited" if not score.citation_recall else "some gold not cited")
        if score.missing_points and not score.false_decline:
            reasons.append("missing key points")
    elif score.decline_correct == 0.0:
        reasons.append("answered an unanswerable question")
    if score.citation_validity is not None and score.citation_validity < 1.0:
        reasons.append("cites an article that does not exist")
    return reasons


def decline_sweep(
    scores: Sequence[QuestionScore], thresholds: Sequence[float] | None = None
) -> list[tuple[float, float, float]]:
    """Return (threshold, share of unanswerable declined, share of answerable declined) if declining below each
    threshold of retrieval evidence; empty when the results carry no "evidence"."""
    pairs = []
    for s in scores:
        evidence = s.result.extra.get("evidence") if s.result else None
        if isinstance(evidence, (int, float)):
            pairs.append((float(evidence), s.question.answerable))
    unanswerable = [e for e, answerable in pairs if not answerable]
    answerable = [e for e, ok in pairs if ok]
    if not unanswerable or not answerable:
        return []
    steps = thresholds if thresholds is not None else [round(0.40 + 0.02 * i, 2) for i in range(31)]
    return [
        (t, sum(e < t for e in unanswerable) / len(unanswerable), sum(e < t for e in answerable) / len(answerable))
        for t in steps
    ]
