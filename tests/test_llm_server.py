"""Model mode against a real OpenAI-compatible server (llama.cpp + SmolLM2 on loopback): streamed, checked, cited."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from assistant.answering.assistant import NOTICE_MODEL_FAILED, NOTICE_MODEL_STOPPED, NOTICE_MODEL_UNCITED, Assistant
from assistant.answering.citations import parse_markers, split_sentences, strip_markers, support
from assistant.answering.llm import build_openai_chat_model
from assistant.records import Answer, RetrievalResult
from assistant.settings import Settings
from assistant.ui.model_status import ModelEndpointStatus
from assistant.wiring import build_chat_model
from tests.check_llama_build import enabled_features, system_info, unportable_features
from tests.llm_server import (  # noqa: F401  (the fixtures: one server per module, checked alive around each test)
    LlamaServer,
    LlamaServerError,
    llama_process,
    llama_server,
    require_model,
)
from tests.test_answering import CannedRetriever
from tests.test_composer import corpus_articles, retrieval_of

pytestmark = pytest.mark.llm


@pytest.fixture()
def breach(shared_corpus: Path) -> RetrievalResult:
    pipl = corpus_articles(shared_corpus, "个人信息保护法.md")
    question = "发生个人信息泄露后，处理者应当怎么做？"
    return retrieval_of(question, [pipl["第五十七条"], pipl["第五十一条"]])


def model_settings(settings: Settings, server: LlamaServer, **llm: object) -> Settings:
    """Return the test settings switched to model mode against the server.

    timeout_s is generous: on a 2-core machine shared with builds (load 12) one cold 1,500-token prompt and 64
    tokens took over 120 s; the tests check behaviour, not speed (benchmarks/llm_generation_bench.py does that).
    """
    values = {"backend": "openai", "base_url": server.base_url, "model": "smollm2", "max_tokens": 200,
              "timeout_s": 300.0, "temperature": 0.0, **llm}
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


def started_server(tmp_path: Path) -> LlamaServer:
    """Return a server of the test's own (it will be killed), started and proven by one chat completion."""
    server = LlamaServer(require_model(), tmp_path / "server.log")
    server.start()
    return server


def kill_hard(server: LlamaServer) -> None:
    """kill -9 the server process, as a crash would end it, and wait until it is gone."""
    assert server.process is not None
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=30)


def test_a_server_killed_mid_answer_is_reported_as_stopped(
    settings: Settings, breach: RetrievalResult, tmp_path: Path
) -> None:
    server = started_server(tmp_path)
    try:
        configured = model_settings(settings, server)
        # One source instead of two: half the prompt, which a loaded 2-core machine evaluates for a minute.
        configured = configured.model_copy(update={"answer": configured.answer.model_copy(update={"max_citations": 1})})
        endpoint = ModelEndpointStatus(configured.llm, ttl_s=0.0)  # what /health reports, without its cache
        assert endpoint.report()["reachable"] is True
        # A grammar makes the server repeat one sentence until max_tokens, so the kill lands mid-answer.
        endless = 'root ::= ("处理者应当立即采取补救措施。")+'
        chat = build_openai_chat_model(configured.llm).bind(extra_body={"grammar": endless})
        parts = Assistant(configured, CannedRetriever(breach), chat_model=chat).stream(breach.query)
        first = next(parts)
        kill_hard(server)
        rest = list(parts)
    finally:
        server.stop()
    answer = rest[-1]
    assert isinstance(first, str) and first and isinstance(answer, Answer)
    assert answer.mode == "composer" and answer.notices == (NOTICE_MODEL_STOPPED,)
    shown = first + "".join(p for p in rest[:-1] if isinstance(p, str))
    assert shown.startswith(answer.extra["model_text"]) and NOTICE_MODEL_STOPPED in shown  # the break is visible
    assert answer.citations[0].label == "《中华人民共和国个人信息保护法》第五十七条"
    health = endpoint.report()
    assert health["reachable"] is False and "ConnectionRefusedError" in str(health["error"])


def test_a_killed_server_fails_the_fixture_with_its_signal_and_log(tmp_path: Path) -> None:
    server = started_server(tmp_path)
    kill_hard(server)
    with pytest.raises(LlamaServerError) as caught:
        server.check_alive()
    last_line = (tmp_path / "server.log").read_text(encoding="utf-8", errors="replace").splitlines()[-1]
    assert "the process killed by signal SIGKILL (9)" in str(caught.value)
    assert last_line in str(caught.value)  # the log tail comes with it


def test_a_server_dying_at_start_fails_with_its_exit_code_and_log(tmp_path: Path) -> None:
    require_model()
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a gguf file")
    server = LlamaServer(broken, tmp_path / "server.log")
    with pytest.raises(LlamaServerError) as caught:
        server.start()
    message = str(caught.value)
    assert "did not come up" in message and "the process exited with code" in message
    assert "broken.gguf" in message  # llama.cpp's own complaint about the file, from the log tail


def test_the_installed_llama_cpp_build_is_portable() -> None:
    require_model()
    native_like = "CPU : SSE3 = 1 | AVX2 = 1 | AVX512 = 1 | AVX512_VNNI = 1 | AMX_INT8 = 1 | OPENMP = 1 |"
    assert unportable_features(native_like) == ["AVX512", "AVX512_VNNI", "AMX_INT8"]  # what the check catches
    info = system_info()
    assert unportable_features(info) == [] and "AVX2" in enabled_features(info), info
