"""Run question files through the assistant (or retrieval alone) and turn what comes back into result records."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence

from assistant.evaluation.formats import ArticleRef, Question, Result
from assistant.protocols import AssistantLike, RetrieverLike
from assistant.records import Answer, Hit, RetrievalResult

logger = logging.getLogger(__name__)
MIN_RETRIEVED = 10  # the result format asks for at least the top 10 articles


def retrieved_refs(hits: Iterable[Hit]) -> tuple[ArticleRef, ...]:
    """Return the ranked articles of retrieval hits, each article once, in rank order."""
    seen: set[tuple[str, str, str | None]] = set()
    refs = []
    for hit in hits:
        stored = hit.article
        key = (stored.title, stored.article.label, stored.version)
        if key in seen:
            continue
        seen.add(key)
        refs.append(ArticleRef(stored.title, stored.article.label, stored.version, round(float(hit.score), 6)))
    return tuple(refs)


def result_from_answer(question_id: str, answer: Answer, latency_ms: float) -> Result:
    """Return the result record of an answer: its text, decline flag, citations in order and retrieval."""
    seen: set[tuple[str, str, str | None]] = set()
    citations = []
    for citation in sorted(answer.citations, key=lambda c: c.marker):
        key = (citation.document, citation.article, citation.version)
        if key not in seen:
            seen.add(key)
            citations.append(ArticleRef(*key))
    retrieval = answer.retrieval
    extra: dict[str, object] = {"mode": answer.mode}
    if retrieval is not None:
        extra["evidence"] = round(retrieval.evidence, 4)  # lets the report sweep decline thresholds
        if retrieval.standalone_query != retrieval.query:
            extra["standalone_query"] = retrieval.standalone_query
    return Result(
        id=question_id,
        answer=answer.text,
        declined=answer.declined,
        citations=tuple(citations),
        retrieved=retrieved_refs(retrieval.hits if retrieval else ()),
        latency_ms=latency_ms,
        extra=extra,
    )


def result_from_retrieval(question_id: str, retrieval: RetrievalResult, latency_ms: float) -> Result:
    """Return the result record of a retrieval-only run (no answer, nothing cited, marked retrieval_only)."""
    extra: dict[str, object] = {"retrieval_only": True, "evidence": round(retrieval.evidence, 4)}
    if retrieval.standalone_query != retrieval.query:
        extra["standalone_query"] = retrieval.standalone_query
    return Result(question_id, "", False, (), retrieved_refs(retrieval.hits), latency_ms, extra)


def run_question(
    question: Question,
    *,
    assistant: AssistantLike | None = None,
    retriever: RetrieverLike | None = None,
    top_k: int = MIN_RETRIEVED,
) -> Result:
    """Return the result of one question: answered by the assistant, or only retrieved when given a retriever.

    A failure inside the pipeline becomes a result with an "error" field, so one bad question never ends a run.
    """
    if (assistant is None) == (retriever is None):
        raise ValueError("run_question needs exactly one of assistant or retriever")
    start = time.perf_counter()
    try:
        if retriever is not None:
            retrieval = retriever.retrieve(question.question, question.history, None, max(top_k, MIN_RETRIEVED))
            return result_from_retrieval(question.id, retrieval, _elapsed_ms(start))
        answer = assistant.answer(question.question, question.history)  # type: ignore[union-attr]
        return result_from_answer(question.id, answer, _elapsed_ms(start))
    except Exception as err:  # noqa: BLE001 - a pipeline bug must show up as a failed question, not end the run
        logger.exception("evaluation question=%s failed", question.id)
        return Result(question.id, "", False, (), (), _elapsed_ms(start), {"error": f"{type(err).__name__}: {err}"})


def run_questions(
    questions: Sequence[Question],
    *,
    assistant: AssistantLike | None = None,
    retriever: RetrieverLike | None = None,
    top_k: int = MIN_RETRIEVED,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[Result]:
    """Yield one result per question, in order, reporting (done, total) after each."""
    total = len(questions)
    for done, question in enumerate(questions, start=1):
        result = run_question(question, assistant=assistant, retriever=retriever, top_k=top_k)
        logger.info(
            "evaluation question=%s latency_ms=%.0f declined=%s", question.id, result.latency_ms, result.declined
        )
        yield result
        if progress:
            progress(done, total)


def _elapsed_ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0
