"""Pair result files with their question file and score every question."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.evaluation.corpus import ArticleIndex
from assistant.evaluation.formats import Question, Result
from assistant.evaluation.metrics import QuestionScore, score_question


def score_results(
    questions: Sequence[Question], results: Sequence[Result], index: ArticleIndex | None = None
) -> tuple[list[QuestionScore], list[str]]:
    """Return one score per question (a question without a result scores as a failure) and the unknown result ids.

    With an article index, citations are checked for existence and, when not gold, for support by their text.
    """
    by_id = {result.id: result for result in results}
    known = {question.id for question in questions}
    scores = [
        score_question(
            question,
            by_id.get(question.id),
            support=index.supports if index is not None else None,
            exists=index.exists if index is not None else None,
        )
        for question in questions
    ]
    return scores, [result.id for result in results if result.id not in known]


def limit_to_answered(questions: Sequence[Question], results: Sequence[Result]) -> list[Question]:
    """Return the questions that have a result, for scoring a run made with --limit."""
    answered = {result.id for result in results}
    return [question for question in questions if question.id in answered]
