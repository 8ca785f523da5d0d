"""Evaluation for ../shared/docs/eval-format.md: read question and result files, run, score, report."""

from assistant.evaluation.formats import (
    ArticleRef,
    GoldRef,
    LineError,
    Question,
    Result,
    read_questions,
    read_results,
    write_results,
)
from assistant.evaluation.metrics import QuestionScore, score_question, summarize, summarize_by_category

__all__ = [
    "ArticleRef",
    "GoldRef",
    "LineError",
    "Question",
    "QuestionScore",
    "Result",
    "read_questions",
    "read_results",
    "score_question",
    "summarize",
    "summarize_by_category",
    "write_results",
]
