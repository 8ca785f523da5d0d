"""What every API channel does for a caller: ask (audited like the chat), stream, search, look up, list."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

from assistant.api.payloads import answer_payload, find_article, list_regulations
from assistant.api.security import ApiGuard, Caller
from assistant.protocols import CatalogReader
from assistant.records import Answer, RetrievalResult, SearchFilters, StoredArticle
from assistant.ui.audit import question_record
from assistant.ui.context import UiContext

logger = logging.getLogger(__name__)

MAX_HISTORY_TURNS = 6  # as the chat: older turns rarely help a follow-up and slow retrieval


class ApiService:
    """The assistant, catalog and audit log behind the REST, OpenAI-compatible and MCP endpoints."""

    def __init__(self, ctx: UiContext, guard: ApiGuard) -> None:
        self.ctx, self.guard = ctx, guard

    @property
    def catalog(self) -> CatalogReader:
        """Return the catalog the answers cite."""
        return self.ctx.catalog  # type: ignore[return-value]

    def stream(self, caller: Caller, channel: str, question: str, history: Sequence[str] = (),
               filters: SearchFilters | None = None) -> Iterator[str | Answer]:
        """Yield the answer's text deltas, then the Answer, written to the audit log as the chat's are."""
        for part in self.ctx.assistant.stream(question, tuple(history)[-MAX_HISTORY_TURNS:], filters):
            if isinstance(part, Answer):
                record = question_record(caller.name, part, filters=_filter_record(filters))
                self.ctx.audit.append({**record, "channel": channel})
            yield part

    def ask(self, caller: Caller, channel: str, question: str, history: Sequence[str] = (),
            filters: SearchFilters | None = None) -> Answer:
        """Return the complete (audited) answer to a question."""
        final = None
        for part in self.stream(caller, channel, question, history, filters):
            if isinstance(part, Answer):
                final = part
        assert final is not None  # Assistant.stream always ends with the Answer
        return final

    def ask_payload(self, caller: Caller, channel: str, question: str, history: Sequence[str] = (),
                    filters: SearchFilters | None = None) -> dict[str, object]:
        """Return the JSON of an audited answer."""
        return answer_payload(self.ask(caller, channel, question, history, filters), self.catalog)

    def search(self, query: str, filters: SearchFilters | None = None, top_k: int | None = None) -> RetrievalResult:
        """Return the ranked articles for a query, without composing an answer."""
        retriever: Any = self.ctx.assistant.retriever
        return retriever.retrieve(query, (), filters, top_k=top_k)

    def article(self, document: str, article: str, version: str | None = None) -> StoredArticle:
        """Return one article of a document (current version unless version is given)."""
        return find_article(self.catalog, document, article, version)

    def regulations(self, include_history: bool = False) -> list[dict[str, object]]:
        """Return the catalog entries."""
        return list_regulations(self.catalog, include_history)


def _filter_record(filters: SearchFilters | None) -> dict[str, object]:
    """Return the filters of a question as the audit log records them."""
    if filters is None:
        return {}
    return {"documents": list(filters.documents), "doc_types": list(filters.doc_types),
            "statuses": list(filters.statuses), "current_only": filters.current_only}

