"""Small protocols for the seams between stages, so callers depend on a shape, not on a module."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from assistant.records import RetrievalResult, SearchFilters


class RetrieverLike(Protocol):
    """What answering and evaluation need from retrieval (assistant.retrieval.retriever.Retriever has this shape)."""

    def retrieve(
        self,
        question: str,
        history: Sequence[str] = (),
        filters: SearchFilters | None = None,
        top_k: int | None = None,
    ) -> RetrievalResult: ...
