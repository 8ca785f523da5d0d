"""Learned ordering of the fused candidates: a fitted model over everything the rankings know about an article.

Reciprocal-rank fusion (fusion.py) reads only ranks: an article second by vector similarity 0.91 and one second by
0.62 count the same, and neither the keyword score's size, the share of the question's words an article holds, nor
what the other candidates of its regulation say is seen. Without a cross-encoder that installs offline, the next
best thing is to learn how to weigh those signals from questions with known answers: eval/train_order.py fits
boosted trees, a listwise (softmax) linear model or a blend of both (order_models.py) on question sets written by
people who never saw the code, and writes the model to data/learned_order.json. At answer time the first DEPTH
candidates are re-scored, well under a millisecond of arithmetic; articles further down keep their fused order.

Every feature is a property of the rankings or of the article's text and place; the only word lists name forms
of asking (how long, who, what is) and the article forms that answer them (a time limit, a body, 是指), never a
subject, so the model is meant to carry to questions it was not fitted on. eval/README.md reports how far it does
on the held-out sets (further on the fresh set than on the sealed half).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.language.numerals import NUMERAL_PATTERN
from assistant.language.question import TIME_ASKED_WORDS
from assistant.language.textnorm import FORM_CHARACTERS, normalize_text
from assistant.language.verdict import asks_verdict
from assistant.records import StoredArticle
from assistant.retrieval.fusion import ArticleScore

if TYPE_CHECKING:
    from assistant.retrieval.order_models import FittedOrder

DEPTH = 30  # candidates re-scored: recall@30 is within a few points of recall@50 on every set
MODEL_FILE = Path(__file__).parent / "data" / "learned_order.json"
_RRF = 5  # the reciprocal-rank constant the features use (the fusion's default)
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
# Characters that carry a question's form; bigrams holding one say nothing of its subject.
_DEFINITION_ASKED = re.compile(r"什么是|是什么|指什么|什么叫|叫什么|含义|定义|哪些属于|属于什么|属于哪|算不算|包括哪些")
_DEFINES = re.compile(r"是指|所称|含义|包括")
_TIME_ASKED = re.compile(TIME_ASKED_WORDS + "|时间要求")
_STATES_TIME = re.compile(rf"(?:{NUMERAL_PATTERN})\s*(?:个)?(?:小时|工作日|日|天|周|个月|月|年)")
_WHO_ASKED = re.compile(r"谁|哪个部门|哪些部门|哪个单位|哪个机关|哪里|哪儿|向哪|找哪|报给|归谁|哪家|主管部门")
_NAMES_BODY = re.compile(r"部门|机关|机构|委员会|办公室")
# Whether something may be done (「能不能直接给他们？」, or as a verdict 「这么做合规吗？」, language/verdict.py) is
# answered by what the statutes forbid.
_MAY_ASKED = re.compile(r"能不能|可不可以|能否|可否|可以吗|是否可以|能直接|可以直接|允许|行不行")
_PROHIBITS = re.compile(r"不得|禁止|严禁")

FEATURES = (
    "fused",  # the fused score with every boost, as the hand-set order had it
    "position",  # 1 / log2(rank + 1) in that order
    "dense",  # best vector similarity among the article's units (0 when the vector search missed it)
    "dense_gap",  # that similarity minus the best candidate's
    "dense_missing",
    "dense_rrf",
    "lexical",  # BM25 score over the best candidate's
    "lexical_rrf",
    "coverage",  # share of the query's terms in the best keyword unit
    "expansion_rrf",  # summed reciprocal ranks in the concept searches
    "expansion_share",  # share of the concept searches that found it
    "turn_rrf",  # the follow-up's or asking sentence's own-words search
    "overlap",  # IDF-weighted share of the question's subject bigrams in the whole article
    "heading_overlap",  # the same over its chapter and section headings
    "named",  # its regulation is named in the question
    "penalty_match",  # a penalty question and a penalty article
    "penalty_mismatch",  # a penalty article for a question that asks no penalty
    "sanctions_found",  # a penalty article citing an obligation the question named or retrieval found (crossref.py)
    "definition_match",  # a definition question and an article that defines
    "time_match",  # a question asking how long or by when, and an article stating a time limit
    "who_match",  # a question asking who or to whom, and an article naming a department or body
    "prohibition_match",  # a question asking whether something may be done, and an article forbidding something
    "general_part",  # in 总则 or 附则
    "length",  # log of its characters
    "regulation_strength",  # its regulation's best fused score over the top candidate's
    "regulation_best",  # it is its regulation's first candidate
    "regulation_rank",  # 1 / rank of its regulation among the candidates' regulations
    "regulation_share",  # share of the first ten candidates from its regulation
)


@dataclass(frozen=True)
class QuestionFacts:
    """What the features need to know about the question, computed once per ranking."""

    text: str
    named_groups: frozenset[str]
    penalty: bool
    idf: Callable[[str], float]


def subject_bigrams(text: str) -> set[str]:
    """Return the character bigrams of a text's Han runs that hold no form character."""
    grams: set[str] = set()
    for run in _CJK_RUN.findall(normalize_text(text)):
        grams.update(run[i:i + 2] for i in range(len(run) - 1))
    return {g for g in grams if not (FORM_CHARACTERS & set(g))}


def question_weights(facts: QuestionFacts) -> dict[str, float]:
    """Return the question's subject bigrams with their IDF weights, in a fixed order: a set's order follows the
    per-process string hash, and float sums taken in another order differ in their last bits, enough to flip the
    order of two candidates the model scores alike (the same question answered differently by two processes)."""
    return {gram: facts.idf(gram) for gram in sorted(subject_bigrams(facts.text))}


def _weighted_share(weights: dict[str, float], text: str) -> float:
    total = sum(weights.values())
    return sum(w for g, w in weights.items() if g in text) / total if total else 0.0


def candidate_features(
    facts: QuestionFacts, ranked: Sequence[ArticleScore], articles: dict[str, StoredArticle],
    group_of: Callable[[str], str], is_penalty: Callable[[StoredArticle], bool],
) -> np.ndarray:
    """Return one row of FEATURES per candidate in ranked (all of them present in articles)."""
    top_fused = ranked[0].fused or 1.0
    top_dense = max((e.dense for e in ranked if e.dense is not None), default=0.0)
    top_lexical = max((e.lexical for e in ranked if e.lexical is not None), default=0.0) or 1.0
    searches = max((len(e.expansion_ranks) for e in ranked), default=0) or 1
    groups = [group_of(e.key.rpartition("#")[0]) for e in ranked]
    best_of: dict[str, float] = {}
    for group, entry in zip(groups, ranked, strict=True):
        best_of.setdefault(group, entry.fused)
    order_of = {group: i for i, group in enumerate(best_of)}
    first_ten = groups[:10]
    weights = question_weights(facts)  # once per question, not per article
    asks_definition, asks_time, asks_who, asks_may = (
        bool(p.search(facts.text)) for p in (_DEFINITION_ASKED, _TIME_ASKED, _WHO_ASKED, _MAY_ASKED))
    asks_may = asks_may or asks_verdict(facts.text)
    rows = []
    seen: set[str] = set()
    for rank, (group, entry) in enumerate(zip(groups, ranked, strict=True), start=1):
        article = articles[entry.key]
        body = article.article.text
        headings = " ".join(article.article.headings)
        penalty_article = is_penalty(article)
        rows.append((
            entry.fused / top_fused,
            1.0 / math.log2(rank + 1),
            entry.dense or 0.0,
            (entry.dense - top_dense) if entry.dense is not None else -1.0,
            float(entry.dense is None),
            1.0 / (_RRF + entry.dense_rank) if entry.dense_rank else 0.0,
            (entry.lexical or 0.0) / top_lexical,
            1.0 / (_RRF + entry.lexical_rank) if entry.lexical_rank else 0.0,
            entry.coverage,
            sum(1.0 / (_RRF + r) for r in entry.expansion_ranks),
            len(entry.expansion_ranks) / searches,
            sum(1.0 / (_RRF + r) for r in entry.turn_ranks),
            _weighted_share(weights, body),
            _weighted_share(weights, headings),
            float(group in facts.named_groups),
            float(facts.penalty and penalty_article),
            float(not facts.penalty and penalty_article),
            float(entry.sanctions_found),
            float(asks_definition and bool(_DEFINES.search(body))),
            float(asks_time and bool(_STATES_TIME.search(body))),
            float(asks_who and bool(_NAMES_BODY.search(body))),
            float(asks_may and bool(_PROHIBITS.search(body))),
            float("总则" in headings or "附则" in headings),
            math.log1p(len(body)),
            best_of[group] / top_fused,
            float(group not in seen),
            1.0 / (1 + order_of[group]),
            first_ten.count(group) / len(first_ten),
        ))
        seen.add(group)
    return np.asarray(rows, dtype=np.float64)


Observer = Callable[[str, Sequence[ArticleScore], np.ndarray], None]


def reorder(
    model: FittedOrder | None, facts: QuestionFacts, ranked: list[ArticleScore],
    fetch: Callable[[list[str]], dict[str, StoredArticle]], group_of: Callable[[str], str],
    is_penalty: Callable[[StoredArticle], bool], observe: Observer | None = None,
) -> list[ArticleScore]:
    """Return ranked with its first candidates in the model's order (unchanged without a model or an observer).

    observe, when given, receives the question, the candidates and their features (eval/train_order.py).
    """
    if (model is None and observe is None) or not ranked:
        return ranked
    depth = model.depth if model is not None else DEPTH
    stored = fetch([e.key for e in ranked[:depth]])
    head = [e for e in ranked[:depth] if e.key in stored]
    if not head:
        return ranked
    rows = candidate_features(facts, head, stored, group_of, is_penalty)
    if observe is not None:
        observe(facts.text, head, rows)
    if model is None:
        return ranked
    taken = {e.key for e in head}
    return model.order(head, rows) + [e for e in ranked if e.key not in taken]
