"""Chat models: one contract for the deterministic stand-in (llm.backend = "fake") and ChatOpenAI against a real
OpenAI-compatible server (llama.cpp on loopback); the stand-in's answers pass the citation check."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.assistant import Assistant
from assistant.answering.fake_llm import FakeChatModel, fake_reply
from assistant.answering.llm import build_openai_chat_model
from assistant.records import RetrievalResult
from assistant.settings import Settings
from assistant.wiring import build_chat_model
from tests.contracts import SOURCES_PROMPT, ChatModelContract
from tests.llm_server import LlamaServer, llama_process, llama_server  # noqa: F401  (the server fixtures)
from tests.openai_stub import REPLY, openai_stub  # noqa: F401  (module-scoped endpoint fixture)
from tests.test_answering import CannedRetriever
from tests.test_composer import corpus_articles, retrieval_of


class TestFakeChatModel(ChatModelContract):
    @pytest.fixture()
    def chat_model(self) -> FakeChatModel:
        return FakeChatModel()

    def test_quotes_each_source_with_its_marker(self) -> None:
        assert fake_reply(SOURCES_PROMPT) == "依据所给条文：国家建立数据分类分级保护制度，对数据实行分类分级保护[1]。"

    def test_a_rewrite_prompt_gets_the_question_back(self) -> None:
        assert fake_reply("此前的问题：\n- 甲\n最后一个问题：那罚款多少？") == "那罚款多少？"


class TestOpenAIChatModelOnLoopback(ChatModelContract):
    """ChatOpenAI, as wiring builds it for llm.backend = "openai", against a stub endpoint on loopback."""

    @pytest.fixture()
    def chat_model(self, settings: Settings, openai_stub: str):  # type: ignore[no-untyped-def]  # noqa: F811
        openai = settings.model_copy(update={"llm": settings.llm.model_copy(
            update={"backend": "openai", "base_url": openai_stub, "model": "stub"})})
        return build_chat_model(openai)

    def test_reply_arrives_in_the_endpoint_chunks(self, chat_model) -> None:  # type: ignore[no-untyped-def]
        from langchain_core.messages import HumanMessage

        assert "".join(c.content for c in chat_model.stream([HumanMessage(content=SOURCES_PROMPT)])) == REPLY


@pytest.mark.llm
class TestOpenAIChatModel(ChatModelContract):
    @pytest.fixture()
    def chat_model(self, settings: Settings, llama_server: LlamaServer):  # type: ignore[no-untyped-def]  # noqa: F811
        llm = settings.llm.model_copy(update={"backend": "openai", "base_url": llama_server.base_url,
                                             "model": "smollm2", "max_tokens": 32})
        return build_openai_chat_model(llm)


def test_fake_backend_answers_in_model_mode_with_checked_citations(settings: Settings, shared_corpus: Path) -> None:
    pipl = corpus_articles(shared_corpus, "个人信息保护法.md")
    question = "发生个人信息泄露后，处理者应当怎么做？"
    breach: RetrievalResult = retrieval_of(question, [pipl["第五十七条"], pipl["第五十一条"]])
    fake = settings.model_copy(update={"llm": settings.llm.model_copy(update={"backend": "fake"})})
    chat_model = build_chat_model(fake)
    assert isinstance(chat_model, FakeChatModel)
    answer = Assistant(fake, CannedRetriever(breach), chat_model).answer(breach.query)
    assert answer.mode == "model", answer.notices
    assert answer.citations and answer.citations[0].label == "《中华人民共和国个人信息保护法》第五十七条"
    assert "[1]" in answer.text and not answer.notices
