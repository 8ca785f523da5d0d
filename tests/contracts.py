"""Contract tests every implementation of a protocol passes: subclass and provide the fixture."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.indexing.embedding import Embedder
from assistant.indexing.vectorstore import ChromaVectorStore

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

    def test_has_a_name_for_the_cache(self, embedder: Embedder) -> None:
        assert isinstance(embedder.name, str) and embedder.name


class VectorStoreContract:
    """A vector store upserts idempotently, filters by version, tracks complete versions and removes them."""

    @pytest.fixture()
    def store(self) -> ChromaVectorStore:
        raise NotImplementedError

    @staticmethod
    def _vectors() -> np.ndarray:
        rng = np.random.default_rng(7)
        vectors = rng.normal(size=(4, 8)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def _fill(self, store: ChromaVectorStore) -> np.ndarray:
        vectors = self._vectors()
        ids = ["a#0", "a#1", "b#0", "b#0/p1"]
        metas = [{"version_id": v, "article_key": i.split("/")[0]} for v, i in zip("aabb", ids, strict=True)]
        store.upsert(ids, vectors, metas, ["t0", "t1", "t2", "t3"])
        store.mark_version("a", 2)
        store.mark_version("b", 2)
        return vectors

    def test_nearest_unit_is_itself_with_similarity_one(self, store: ChromaVectorStore) -> None:
        vectors = self._fill(store)
        hits = store.query(vectors[2], 4)
        assert hits[0].unit_id == "b#0"
        assert hits[0].similarity == pytest.approx(1.0, abs=1e-4)
        assert hits[0].metadata == {}
        assert store.query(vectors[2], 1, with_metadata=True)[0].metadata["version_id"] == "b"
        assert [h.similarity for h in hits] == sorted((h.similarity for h in hits), reverse=True)

    def test_upsert_is_idempotent(self, store: ChromaVectorStore) -> None:
        self._fill(store)
        self._fill(store)
        assert store.count() == 4

    def test_query_restricted_to_versions(self, store: ChromaVectorStore) -> None:
        vectors = self._fill(store)
        assert {h.unit_id for h in store.query(vectors[2], 4, ["a"])} == {"a#0", "a#1"}
        assert store.query(vectors[2], 4, []) == []

    def test_remove_version_drops_units_and_mark(self, store: ChromaVectorStore) -> None:
        vectors = self._fill(store)
        assert store.version_ids() == {"a", "b"}
        store.remove_version("b")
        assert store.version_ids() == {"a"}
        assert store.count() == 2
        assert {h.unit_id for h in store.query(vectors[2], 4)} == {"a#0", "a#1"}
