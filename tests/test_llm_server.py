"""Model mode against a real OpenAI-compatible server (llama.cpp + SmolLM2 on loopback): streamed, checked, cited."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.assistant import NOTICE_MODEL_FAILED, NOTICE_MODEL_UNCITED, Assistant
from assistant.answering.citations import parse_markers, split_sentences, strip_markers, support
from assistant.answering.llm import build_openai_chat_model
from assistant.records import Answer, RetrievalResult
from assistant.settings import Settings
from assistant.wiring import build_chat_model
from tests.llm_server import LlamaServer, llama_server  # noqa: F401  (module-scoped server fixture)
from tests.test_answering import CannedRetriever
from tests.test_composer import corpus_articles, retrieval_of

pytestmark = pytest.mark.llm


@pytest.fixture()
def breach(shared_corpus: Path) -> RetrievalResult:
    pipl = corpus_articles(shared_corpus, "个人信息保护法.md")
    question = "发生个人信息泄露后，处理者应当怎么做？"
    return retrieval_of(question, [pipl["第五十七条"], pipl["第五十一条"]])


def model_settings(settings: Settings, server: LlamaServer, **llm: object) -> Settings:
    """Return the test settings switched to model mode against the server."""
    values = {"backend": "openai", "base_url": server.base_url, "model": "smollm2", "max_tokens": 200,
              "timeout_s": 120.0, "temperature": 0.0, **llm}
    return settings.model_copy(update={"llm": settings.llm.model_copy(update=values),
                                       "answer": settings.answer.model_copy(update={"max_citations": 2})})


def model_assistant(settings: Settings, retrieval: RetrievalResult) -> Assistant:
    """Return an Assistant over a canned retrieval with the chat model the settings choose."""
    return Assistant(settings, CannedRetriever(retrieval), build_chat_model(settings))


def stream_parts(assistant: Assistant, question: str) -> tuple[list[str], Answer]:
    """Return the streamed text deltas and the final Answer."""
    parts = list(assistant.stream(question))
    assert isinstance(parts[-1], Answer)
    assert all(isinstance(p, str) for p in parts[:-1])
    return [p for p in parts[:-1] if isinstance(p, str)], parts[-1]


def test_free_generation_is_streamed_and_every_remaining_marker_is_supported(
    settings: Settings, llama_server: LlamaServer, breach: RetrievalResult  # noqa: F811
) -> None:
    configured = model_settings(settings, llama_server, max_tokens=64)
    deltas, answer = stream_parts(model_assistant(configured, breach), breach.query)
    assert len(deltas) > 1  # tokens arrived one by one, not as one block
    allowed = {("《中华人民共和国个人信息保护法》" + label) for label in ("第五十七条", "第五十一条")}
    assert {c.label for c in answer.citations} <= allowed and answer.citations
    assert set(parse_markers(answer.text)) == {c.marker for c in answer.citations}
    if answer.mode == "model":
        quotes = {c.marker: c.quote for c in answer.citations}
        for sentence in split_sentences(answer.text):
            for marker in parse_markers(sentence):
                threshold = configured.answer.support_threshold
                assert support(strip_markers(sentence), quotes[marker]) >= threshold, sentence
    else:  # a 135M model rarely writes usable Chinese; then the composed answer must stand in, saying so
        assert answer.notices[0] == NOTICE_MODEL_UNCITED


def test_wrong_and_unknown_markers_from_the_server_are_corrected(
    settings: Settings, llama_server: LlamaServer, breach: RetrievalResult  # noqa: F811
) -> None:
    configured = model_settings(settings, llama_server)
    reply = "处理者应当立即采取补救措施，并通知履行个人信息保护职责的部门和个人[2]。通知应当包括处理者的联系方式[7]。"
    # A grammar makes the real server emit exactly this reply, so the correction is deterministic.
    grammar = 'root ::= "' + reply + '"'
    chat = build_openai_chat_model(configured.llm).bind(extra_body={"grammar": grammar})
    deltas, answer = stream_parts(Assistant(configured, CannedRetriever(breach), chat_model=chat), breach.query)
    assert "".join(deltas) == reply
    assert answer.mode == "model"
    assert answer.text == reply.replace("[2]", "[1]").replace("[7]", "[1]")
    assert [c.label for c in answer.citations] == ["《中华人民共和国个人信息保护法》第五十七条"]
    assert any("[7]" in n for n in answer.notices) and any("已改标为[1]" in n for n in answer.notices)


def test_timeout_and_stopped_server_fall_back_to_the_composed_answer(
    settings: Settings, llama_server: LlamaServer, breach: RetrievalResult  # noqa: F811
) -> None:
    hurried = model_settings(settings, llama_server, timeout_s=0.001)
    answer = model_assistant(hurried, breach).answer(breach.query)
    assert answer.mode == "composer" and answer.notices == (NOTICE_MODEL_FAILED,)
    configured = model_settings(settings, llama_server)
    llama_server.stop()
    try:
        deltas, answer = stream_parts(model_assistant(configured, breach), breach.query)
    finally:
        llama_server.start()
    assert answer.mode == "composer" and answer.notices == (NOTICE_MODEL_FAILED,)
    assert "".join(deltas) == answer.text
    assert answer.citations[0].label == "《中华人民共和国个人信息保护法》第五十七条"
