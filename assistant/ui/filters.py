"""The search scope a user picks in the chat (regulations, document types, current only) -> SearchFilters."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from assistant.records import DOCUMENT_TYPES, DocumentVersion, SearchFilters


def document_choices(versions: Iterable[DocumentVersion]) -> list[tuple[str, str]]:
    """Return (title, doc_id) for each document of the catalog, titled by its current version."""
    best: dict[str, DocumentVersion] = {}
    for version in versions:
        held = best.get(version.doc_id)
        if held is None or (version.is_current and not held.is_current):
            best[version.doc_id] = version
    return sorted(((v.meta.title, v.doc_id) for v in best.values()), key=lambda pair: pair[0])


def doc_type_choices(versions: Iterable[DocumentVersion]) -> list[str]:
    """Return the usual document types followed by any other type the catalog holds."""
    extra = sorted({v.meta.doc_type for v in versions} - set(DOCUMENT_TYPES))
    return [*DOCUMENT_TYPES, *extra]


def build_filters(documents: Sequence[str] | None, doc_types: Sequence[str] | None,
                  current_only: bool) -> SearchFilters | None:
    """Return the SearchFilters of the chosen scope, or None when nothing narrows the search."""
    filters = SearchFilters(
        documents=tuple(documents or ()), doc_types=tuple(doc_types or ()), current_only=bool(current_only)
    )
    return None if filters.is_empty else filters


def describe_filters(filters: SearchFilters | None) -> dict[str, object]:
    """Return the filters as a plain dict for the audit log."""
    if filters is None:
        return {}
    return {
        "documents": list(filters.documents),
        "doc_types": list(filters.doc_types),
        "current_only": filters.current_only,
    }
