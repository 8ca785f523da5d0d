"""Contract tests every implementation of a seam in assistant/protocols.py passes: subclass and provide the fixture.

Each seam has a real implementation and an in-memory one, and both run the same contract (test_embedding,
test_vectorstore, test_lexical, test_chat_models)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.protocols import ChatModel, Embedder, KeywordIndex, VectorStore

PASSAGES = [
    "网络运营者应当按照网络安全等级保护制度的要求，履行安全保护义务。",
    "开展数据处理活动应当依照法律、法规的规定，建立健全全流程数据安全管理制度。",
    "处理敏感个人信息应当取得个人的单独同意。",
]


class EmbedderContract:
    """An embedder returns unit-length float32 rows of its dimension, deterministically."""

    @pytest.fixture()
    def embedder(self) -> Embedder:
        raise NotImplementedError

    def test_documents_have_the_declared_shape_and_unit_length(self, embedder: Embedder) -> None:
        vectors = embedder.embed_documents(PASSAGES)
        assert vectors.shape == (3, embedder.dimension)
        assert vectors.dtype == np.float32
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)

    def test_query_is_one_vector_and_repeatable(self, embedder: Embedder) -> None:
        first, second = embedder.embed_query("等级保护"), embedder.embed_query("等级保护")
        assert first.shape == (embedder.dimension,)
        assert np.allclose(first, second, atol=1e-5)

    def test_empty_batch_gives_empty_matrix(self, embedder: Embedder) -> None:
        assert embedder.embed_documents([]).shape == (0, embedder.dimension)
        assert embedder.embed_queries([]).shape == (0, embedder.dimension)

    def test_questions_in_one_batch_are_the_questions_one_by_one(self, embedder: Embedder) -> None:
        questions = ["等级保护", "网络日志要保存多久？", "处理敏感个人信息应当取得个人的单独同意吗"]
        batch = embedder.embed_queries(questions)
        assert batch.shape == (3, embedder.dimension) and batch.dtype == np.float32
        for row, question in zip(batch, questions, strict=True):
            assert np.allclose(row, embedder.embed_query(question), atol=1e-5)

    def test_has_a_name_for_the_cache(self, embedder: Embedder) -> None:
        assert isinstance(embedder.name, str) and embedder.name


class VectorStoreContract:
    """A vector store upserts idempotently, filters by version, tracks complete versions and removes them."""

    @pytest.fixture()
    def store(self) -> VectorStore:
        raise NotImplementedError

    @staticmethod
    def _vectors() -> np.ndarray:
        rng = np.random.default_rng(7)
        vectors = rng.normal(size=(4, 8)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def _fill(self, store: VectorStore) -> np.ndarray:
        vectors = self._vectors()
        ids = ["a#0", "a#1", "b#0", "b#0/p1"]
        metas = [{"version_id": v, "article_key": i.split("/")[0]} for v, i in zip("aabb", ids, strict=True)]
        store.upsert(ids, vectors, metas, ["t0", "t1", "t2", "t3"])
        store.mark_version("a", 2)
        store.mark_version("b", 2)
        return vectors

    def test_nearest_unit_is_itself_with_similarity_one(self, store: VectorStore) -> None:
        vectors = self._fill(store)
        hits = store.query(vectors[2], 4)
        assert hits[0].unit_id == "b#0"
        assert hits[0].similarity == pytest.approx(1.0, abs=1e-4)
        assert hits[0].metadata == {}
        assert store.query(vectors[2], 1, with_metadata=True)[0].metadata["version_id"] == "b"
        assert [h.similarity for h in hits] == sorted((h.similarity for h in hits), reverse=True)

    def test_stored_dimension_is_none_until_vectors_arrive(self, store: VectorStore) -> None:
        assert store.stored_dimension() is None
        self._fill(store)
        assert store.stored_dimension() == 8  # what wiring compares with the embedder's before indexing

    def test_upsert_is_idempotent(self, store: VectorStore) -> None:
        self._fill(store)
        self._fill(store)
        assert store.count() == 4

    def test_query_restricted_to_versions(self, store: VectorStore) -> None:
        vectors = self._fill(store)
        assert {h.unit_id for h in store.query(vectors[2], 4, ["a"])} == {"a#0", "a#1"}
        assert store.query(vectors[2], 4, []) == []

    def test_exports_every_unit_with_its_vector_and_version(self, store: VectorStore) -> None:
        vectors = self._fill(store)
        ids, exported, versions = store.export_units()
        rows = {unit_id: (row, version) for unit_id, row, version in zip(ids, exported, versions, strict=True)}
        assert sorted(rows) == ["a#0", "a#1", "b#0", "b#0/p1"]
        assert rows["b#0"][1] == "b"
        assert np.allclose(rows["b#0"][0], vectors[2], atol=1e-6)

    def test_reopened_store_keeps_its_units(self, store: VectorStore) -> None:
        vectors = self._fill(store)
        store.reopen()
        assert store.version_ids() == {"a", "b"}
        assert store.query(vectors[1], 1)[0].unit_id == "a#1"

    def test_remove_version_drops_units_and_mark(self, store: VectorStore) -> None:
        vectors = self._fill(store)
        assert store.version_ids() == {"a", "b"}
        store.remove_version("b")
        assert store.version_ids() == {"a"}
        assert store.count() == 2
        assert {h.unit_id for h in store.query(vectors[2], 4)} == {"a#0", "a#1"}


KEYWORD_UNITS = {
    "a": [("a#0", "数据安全法 国家建立数据分类分级保护制度"),
          ("a#1", "数据安全法 开展数据处理活动应当建立数据安全管理制度")],
    "b": [("b#0", "网络安全法 网络运营者应当履行安全保护义务"),
          ("b#1", "网络安全法 网络运营者应当要求用户提供真实身份信息")],
}


class KeywordIndexContract:
    """A keyword index ranks by BM25, reports term coverage, filters by version and replaces versions whole."""

    @pytest.fixture()
    def index(self) -> KeywordIndex:
        raise NotImplementedError

    def _fill(self, index: KeywordIndex) -> None:
        for version_id, units in KEYWORD_UNITS.items():
            index.index_version(version_id, units)

    def test_best_unit_first_with_its_coverage(self, index: KeywordIndex) -> None:
        self._fill(index)
        hits = index.search("真实身份信息", 3)
        assert hits[0].unit_id == "b#1" and hits[0].coverage == pytest.approx(1.0)
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        assert all(0.0 < h.coverage <= 1.0 for h in hits)

    def test_search_restricted_to_versions(self, index: KeywordIndex) -> None:
        self._fill(index)
        assert {h.unit_id for h in index.search("数据安全 网络运营者", 10, ["a"])} <= {"a#0", "a#1"}
        assert index.search("网络运营者", 10, []) == []

    def test_reindexing_a_version_replaces_its_units(self, index: KeywordIndex) -> None:
        self._fill(index)
        index.index_version("b", [("b#0", "网络安全法 关键信息基础设施的运营者采购网络产品")])
        assert index.version_ids() == {"a", "b"} and index.unit_count() == 3
        assert index.search("真实身份", 5) == []
        assert index.search("关键信息基础设施", 1)[0].unit_id == "b#0"

    def test_removed_version_is_not_found(self, index: KeywordIndex) -> None:
        self._fill(index)
        index.remove_version("a")
        assert index.version_ids() == {"b"} and index.unit_count() == 2
        assert all(h.unit_id.startswith("b#") for h in index.search("数据安全 安全保护", 10))

    def test_question_words_alone_find_nothing(self, index: KeywordIndex) -> None:
        self._fill(index)
        assert index.search("什么", 5) == []

    def test_document_frequency_counts_units_and_follows_removal(self, index: KeywordIndex) -> None:
        self._fill(index)
        assert index.document_frequency("网络") == 2 and index.document_frequency("数据") == 2
        assert index.document_frequency("分级") == 1 and index.document_frequency("数剧") == 0
        index.index_version("c", [("c#0", "数据出境安全评估")])
        assert index.document_frequency("数据") == 3
        index.remove_version("a")
        index.index_version("a", [("a#0", "网络产品")])
        assert index.document_frequency("网络") == 3


SOURCES_PROMPT = (
    "法规条文：\n[1] 《中华人民共和国数据安全法》第二十一条（版本：2021；施行：2021-09-01；现行有效）\n"
    "国家建立数据分类分级保护制度，对数据实行分类分级保护。\n\n问题：数据要分类分级吗？"
)


class ChatModelContract:
    """A chat model streams text chunks through LangChain for the messages answering builds."""

    @pytest.fixture()
    def chat_model(self) -> ChatModel:
        raise NotImplementedError

    def test_streams_text_chunks(self, chat_model: ChatModel) -> None:
        from langchain_core.messages import HumanMessage

        chunks = list(chat_model.stream([HumanMessage(content=SOURCES_PROMPT)]))
        texts = [c.content for c in chunks]
        assert chunks and all(isinstance(t, str) for t in texts)
        assert "".join(texts).strip()

    def test_stream_reply_yields_the_deltas(self, chat_model: ChatModel) -> None:
        from assistant.answering.llm import build_messages, stream_reply
        from assistant.records import Citation

        citation = Citation(
            marker=1, document="中华人民共和国数据安全法", article="第二十一条", version="2021",
            effective_date="2021-09-01", status="现行有效", version_id="d-20210901", ordinal=21,
            quote="国家建立数据分类分级保护制度，对数据实行分类分级保护。",
        )
        deltas = list(stream_reply(chat_model, build_messages("数据要分类分级吗？", [], [citation]), 120.0))
        assert deltas and all(isinstance(d, str) and d for d in deltas)
