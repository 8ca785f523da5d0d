"""The /health endpoint: is the catalog readable, how much does it hold, and does the model endpoint answer."""

from __future__ import annotations

import logging
import sqlite3

from assistant.errors import AssistantError
from assistant.protocols import CatalogReader

logger = logging.getLogger(__name__)


def health_payload(catalog: CatalogReader, llm: dict[str, object]) -> tuple[int, dict[str, object]]:
    """Return (HTTP status, JSON body) describing the catalog behind the chat and the model endpoint's state.

    An unreachable model endpoint leaves the status "ok": answers then come from the composer, and "llm" says why.
    """
    try:
        versions = catalog.versions(include_history=True)
    except (AssistantError, sqlite3.Error) as err:
        logger.error("health check failed: %s", err)
        return 503, {"status": "error", "error": str(err), "llm": llm}
    current = [v for v in versions if v.is_current]
    return 200, {
        "status": "ok",
        "documents": len({v.doc_id for v in versions}),
        "versions": len(versions),
        "articles": sum(v.article_count for v in current),
        "llm": llm,
    }
