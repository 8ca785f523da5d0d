"""Assistant: retrieve -> decline or compose / generate -> check citations -> one Answer for chat, CLI and eval."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterator, Sequence

from assistant.answering.amendment_answer import compose_overview, is_overview
from assistant.answering.answer_types import unmet_reason
from assistant.answering.citations import check_text
from assistant.answering.composer import Composition, compose, decline_answer
from assistant.answering.decline import CorpusVocabulary, Decision, Thresholds, decide
from assistant.answering.facts_answer import compose_facts, is_facts
from assistant.answering.llm import build_messages, stream_reply
from assistant.answering.outline_answer import compose_outline, is_outline
from assistant.answering.version_answer import answers_despite_decline, compose_version
from assistant.errors import ModelError, ModelStoppedError
from assistant.language.question import clean_question
from assistant.protocols import CatalogReader, ChatModel, RetrieverLike
from assistant.records import Answer, RetrievalResult, SearchFilters
from assistant.settings import Settings

logger = logging.getLogger(__name__)

MODEL_KINDS = ("answer", "list", "penalty", "definition")  # lookups, corrections and declines stay with the composer
NOTICE_MODEL_FAILED = "语言模型服务暂不可用，以下为系统直接依据条文整理的答案。"
NOTICE_MODEL_STOPPED = "语言模型服务在回答途中无响应（连接已中断），以下改为系统直接依据条文整理的答案。"
NOTICE_MODEL_UNCITED = "语言模型的回答大多无法与所给条文核对，以下为系统直接依据条文整理的答案。"
NOTICE_QUESTION_CUT = "问题过长，仅按前{limit}字检索。"


class Assistant:
    """Answers questions from the retrieved articles, with the composer or a checked language model."""

    def __init__(
        self,
        settings: Settings,
        retriever: RetrieverLike,
        chat_model: ChatModel | None = None,
        *,
        catalog: CatalogReader | None = None,
    ):
        """chat_model None means the deterministic composer; wiring.build_chat_model builds the configured one.
        With the catalog, the decline decision also asks whether the question's words occur in the corpus."""
        self.settings = settings
        self.retriever = retriever
        self.vocabulary = CorpusVocabulary(catalog) if catalog is not None else None
        self.chat_model = chat_model

    def answer(self, question: str, history: Sequence[str] = (), filters: SearchFilters | None = None) -> Answer:
        """Return the complete answer to a question."""
        final: Answer | None = None
        for part in self.stream(question, history, filters):
            if isinstance(part, Answer):
                final = part
        assert final is not None  # stream always ends with the Answer
        return final

    def stream(
        self, question: str, history: Sequence[str] = (), filters: SearchFilters | None = None
    ) -> Iterator[str | Answer]:
        """Yield text deltas as they are produced, then the final Answer (whose text is authoritative)."""
        limit = self.settings.answer.max_question_chars
        question, was_cut = clean_question(question, limit)
        history = tuple(clean_question(turn, limit)[0] for turn in history)
        if was_cut:
            logger.info("question cut to %d characters", limit)
        for part in self._stream(question, history, filters):
            if was_cut and isinstance(part, Answer):
                part = dataclasses.replace(part, notices=(NOTICE_QUESTION_CUT.format(limit=limit), *part.notices))
            yield part

    def _stream(
        self, question: str, history: Sequence[str], filters: SearchFilters | None
    ) -> Iterator[str | Answer]:
        """Yield the deltas and the Answer of a cleaned question."""
        start = time.perf_counter()
        retrieval = self.retriever.retrieve(question, history, filters)
        config = self.settings.answer
        limits = Thresholds(config.decline_threshold, config.situation_decline_threshold, config.situation_min_chars)
        decision = decide(question, retrieval, limits, self.vocabulary, follow_up=bool(history))
        if decision.decline and not (answers_despite_decline(question, retrieval) or is_overview(retrieval)
                                     or is_outline(retrieval) or is_facts(retrieval)):
            composed = decline_answer(question, retrieval, decision.missing_regulations,
                                      unmet_reason(decision.unmet_answer))
        else:
            # A structural question is answered from the text's divisions; a question about versions from both
            # texts, with what changed between them.
            composed = (compose_outline(question, retrieval) or compose_facts(question, retrieval)
                        or compose_overview(question, retrieval)
                        or compose_version(question, retrieval)
                        or compose(question, retrieval, max_citations=self.settings.answer.max_citations))
        logger.info("answer kind=%s decision=%s", composed.kind, decision.reason)
        if self.chat_model is None or composed.declined or composed.kind not in MODEL_KINDS:
            yield composed.text
            yield _answer(question, composed, retrieval, decision, start)
            return
        yield from self._generate(question, history, composed, retrieval, decision, start)

    def _generate(
        self,
        question: str,
        history: Sequence[str],
        composed: Composition,
        retrieval: RetrievalResult,
        decision: Decision,
        start: float,
    ) -> Iterator[str | Answer]:
        """Yield the model's deltas, then its checked Answer; fall back to the composed one on failure."""
        assert self.chat_model is not None
        messages = build_messages(retrieval.standalone_query or question, history, composed.citations)
        pieces: list[str] = []
        try:
            for delta in stream_reply(self.chat_model, messages, self.settings.llm.timeout_s):
                pieces.append(delta)
                yield delta
        except ModelError as err:
            logger.warning("falling back to the composer: %s", err)
            # A crashed server must not look like a wrong answer: say that it stopped, not just "unavailable".
            notice = NOTICE_MODEL_STOPPED if isinstance(err, ModelStoppedError) else NOTICE_MODEL_FAILED
            yield from _fallback(composed, retrieval, decision, start, question, pieces, notice)
            return
        raw = "".join(pieces).strip()
        sources = {c.marker: c.quote for c in composed.citations}
        checked = check_text(raw, sources, self.settings.answer.support_threshold)
        # Mostly unverifiable text is worse than the composed quotes: officials act on these answers.
        if not checked.markers or checked.flagged > checked.supported:
            yield from _fallback(composed, retrieval, decision, start, question, pieces, NOTICE_MODEL_UNCITED)
            return
        by_marker = {c.marker: c for c in composed.citations}
        citations = tuple(
            dataclasses.replace(by_marker[old], marker=new) for new, old in enumerate(checked.markers, start=1)
        )
        yield Answer(
            question=question,
            text=checked.text,
            declined=False,
            citations=citations,
            retrieval=retrieval,
            notices=(*retrieval.notices, *checked.notices),
            mode="model",
            latency_ms=_elapsed_ms(start),
            extra={"kind": composed.kind, "decision": decision.score, "model_text": raw},
        )


def _fallback(
    composed: Composition,
    retrieval: RetrievalResult,
    decision: Decision,
    start: float,
    question: str,
    streamed: Sequence[str],
    notice: str,
) -> Iterator[str | Answer]:
    """Yield the composed text (after a break if model text was already shown) and its Answer with a notice."""
    yield ("\n\n" + notice + "\n\n" if streamed else "") + composed.text
    answer = _answer(question, composed, retrieval, decision, start)
    extra = {**answer.extra, "model_text": "".join(streamed)}
    yield dataclasses.replace(answer, notices=(notice, *answer.notices), extra=extra)


def _answer(
    question: str, composed: Composition, retrieval: RetrievalResult, decision: Decision, start: float
) -> Answer:
    """Return the Answer of a composed text."""
    return Answer(
        question=question,
        text=composed.text,
        declined=composed.declined,
        citations=composed.citations,
        retrieval=retrieval,
        notices=retrieval.notices,
        mode="composer",
        latency_ms=_elapsed_ms(start),
        extra={
            "kind": composed.kind,
            "decision": decision.score,
            "coverage": decision.coverage,
            "known_words": decision.known_words,
        },
    )


def _elapsed_ms(start: float) -> float:
    """Return milliseconds since start."""
    return (time.perf_counter() - start) * 1000.0


def answer_record(answer: Answer, question_id: str = "") -> dict[str, object]:
    """Return the answer in the evaluation result format (../shared/docs/eval-format.md)."""
    retrieval = answer.retrieval
    retrieved = [
        {
            "document": hit.article.title,
            "article": hit.article.article.label,
            "version": hit.article.version,
            "score": hit.score,
        }
        for hit in (retrieval.hits if retrieval else ())
    ]
    return {
        "id": question_id,
        "answer": answer.text,
        "declined": answer.declined,
        "citations": [
            {"document": c.document, "article": c.article, "version": c.version} for c in answer.citations
        ],
        "retrieved": retrieved,
        "latency_ms": round(answer.latency_ms, 1),
    }
