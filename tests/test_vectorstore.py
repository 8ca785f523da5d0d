"""Vector stores: one contract for Chroma on disk, a real Chroma server and the in-memory store."""

from __future__ import annotations

import socket
import uuid

import numpy as np
import pytest

from assistant.errors import ConfigError
from assistant.indexing.memory import MemoryVectorStore
from assistant.indexing.vectorstore import SEARCH_EF, ChromaVectorStore
from assistant.settings import Settings
from assistant.wiring import build_vector_store
from tests.contracts import VectorStoreContract


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TestPersistentStore(VectorStoreContract):
    @pytest.fixture()
    def store(self, settings: Settings) -> ChromaVectorStore:
        return build_vector_store(settings)

    def test_reopened_store_keeps_units(self, settings: Settings) -> None:
        vectors = self._fill(build_vector_store(settings))
        reopened = build_vector_store(settings)
        assert reopened.version_ids() == {"a", "b"}
        assert reopened.query(vectors[0], 1)[0].unit_id == "a#0"
        assert (settings.chroma_path / "chroma.sqlite3").is_file()


    def test_a_new_store_builds_a_dense_graph_and_searches_it_wide(self, settings: Settings) -> None:
        store = build_vector_store(settings)
        hnsw = store._units.configuration["hnsw"]
        assert (hnsw["max_neighbors"], hnsw["ef_construction"], hnsw["ef_search"]) == (32, 400, SEARCH_EF)

    def test_a_store_built_with_chromas_defaults_is_searched_wide_when_opened(self, settings: Settings) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        client = chromadb.PersistentClient(path=str(settings.chroma_path),
                                           settings=ChromaSettings(anonymized_telemetry=False))
        old = client.get_or_create_collection(settings.vectorstore.collection, embedding_function=None,
                                              metadata={"hnsw:space": "cosine"})
        assert old.configuration["hnsw"]["ef_search"] < SEARCH_EF  # as homes built before this change
        del client, old
        reopened = build_vector_store(settings)
        hnsw = reopened._units.configuration["hnsw"]
        assert hnsw["ef_search"] == SEARCH_EF and hnsw["max_neighbors"] == 16  # the graph stays as it was built

    def test_search_finds_the_exact_nearest_units(self, settings: Settings) -> None:
        # 3,000 random unit vectors: the 30 nearest by cosine, computed exactly, are the 30 the store returns.
        rng = np.random.default_rng(7)
        vectors = rng.normal(size=(3000, 48)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        store = build_vector_store(settings)
        ids = [f"v{i // 100}#{i % 100}" for i in range(len(vectors))]
        store.upsert(ids, vectors, [{"version_id": f"v{i // 100}"} for i in range(len(vectors))], [""] * len(ids))
        misses = 0
        for query in vectors[:40] + rng.normal(scale=0.3, size=(40, 48)).astype(np.float32):
            exact = {ids[i] for i in np.argsort(-(vectors @ (query / np.linalg.norm(query))))[:30]}
            misses += len(exact - {h.unit_id for h in store.query(query, 30)})
        assert misses == 0


class TestHttpStore(VectorStoreContract):
    @pytest.fixture()
    def store(self, settings: Settings, chroma_server: int) -> ChromaVectorStore:
        # A fresh collection per test: the server is shared by the module.
        http = settings.model_copy(update={"vectorstore": settings.vectorstore.model_copy(update={
            "backend": "http", "port": chroma_server, "collection": f"t{uuid.uuid4().hex[:10]}"})})
        return build_vector_store(http)


class TestMemoryStore(VectorStoreContract):
    @pytest.fixture()
    def store(self) -> MemoryVectorStore:
        return MemoryVectorStore()

    def test_ties_are_ordered_by_unit_id_whatever_the_insertion_order(self) -> None:
        store = MemoryVectorStore()
        same = np.ones((3, 4), dtype=np.float32) / 2.0
        store.upsert(["c#0", "a#0", "b#0"], same, [{"version_id": v} for v in "cab"], ["", "", ""])
        assert [h.unit_id for h in store.query(same[0], 3)] == ["a#0", "b#0", "c#0"]


def test_unreachable_server_names_host_port_and_fix(settings: Settings) -> None:
    http = settings.model_copy(update={"vectorstore": settings.vectorstore.model_copy(
        update={"backend": "http", "port": _free_port()})})
    with pytest.raises(ConfigError, match=r"Chroma server at 127\.0\.0\.1:\d+.*chroma run"):
        build_vector_store(http)
