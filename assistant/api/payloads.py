"""Records turned into the JSON every API speaks (REST, OpenAI-compatible, MCP), and the article lookup."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.errors import DocumentNotFoundError
from assistant.language.numerals import parse_article_label
from assistant.protocols import CatalogReader
from assistant.records import Answer, Citation, DocumentVersion, Hit, RetrievalResult, SearchFilters, StoredArticle


class ArticleNotFoundError(DocumentNotFoundError):
    """The document exists but has no article with the label asked for."""


def citation_payload(citation: Citation, article: StoredArticle | None) -> dict[str, object]:
    """Return one citation: marker, document, article, version, effective date, status, quote and full text."""
    return {
        "marker": citation.marker,
        "document": citation.document,
        "article": citation.article,
        "version": citation.version,
        "effective_date": citation.effective_date,
        "status": citation.status,
        "version_id": citation.version_id,
        "quote": citation.quote,
        "text": article.article.text if article else citation.quote,
    }


def article_payload(stored: StoredArticle) -> dict[str, object]:
    """Return one stored article with what a citation of it needs."""
    return {
        "document": stored.title,
        "article": stored.article.label,
        "version": stored.version,
        "version_id": stored.version_id,
        "effective_date": stored.effective_date,
        "status": stored.status,
        "is_current": stored.is_current,
        "doc_type": stored.doc_type,
        "issuing_body": stored.issuing_body,
        "headings": list(stored.article.headings),
        "text": stored.article.text,
    }


def hit_payload(hit: Hit) -> dict[str, object]:
    """Return one retrieved article: the article's fields, its score and how it was found."""
    return {**article_payload(hit.article), "score": hit.score, "via": hit.via}


def retrieval_payload(result: RetrievalResult | None) -> list[dict[str, object]]:
    """Return the retrieved articles of a retrieval, in rank order."""
    return [hit_payload(hit) for hit in (result.hits if result else ())]


def answer_payload(answer: Answer, catalog: CatalogReader) -> dict[str, object]:
    """Return a whole answer: text with [n] markers, declined, citations with full texts, retrieved list."""
    texts = catalog.articles_by_keys([f"{c.version_id}#{c.ordinal}" for c in answer.citations])
    return {
        "question": answer.question,
        "answer": answer.text,
        "declined": answer.declined,
        "mode": answer.mode,
        "notices": list(answer.notices),
        "citations": [citation_payload(c, texts.get(f"{c.version_id}#{c.ordinal}")) for c in answer.citations],
        "retrieved": retrieval_payload(answer.retrieval),
        "latency_ms": round(answer.latency_ms, 1),
    }


def regulation_payload(version: DocumentVersion) -> dict[str, object]:
    """Return one catalog entry: the version's identity, metadata and size."""
    meta = version.meta
    return {
        "document": meta.title,
        "doc_id": version.doc_id,
        "version_id": version.version_id,
        "version": meta.version,
        "doc_type": meta.doc_type,
        "issuing_body": meta.issuing_body,
        "doc_number": meta.doc_number,
        "promulgation_date": meta.promulgation_date,
        "effective_date": meta.effective_date,
        "status": meta.status,
        "is_current": version.is_current,
        "articles": version.article_count,
    }


def list_regulations(catalog: CatalogReader, include_history: bool = False) -> list[dict[str, object]]:
    """Return the catalog's versions (current ones only unless include_history), sorted by title."""
    versions = [v for v in catalog.versions(include_history=True) if include_history or v.is_current]
    return [regulation_payload(v) for v in sorted(versions, key=lambda v: (v.meta.title, v.version_id))]


def _matches(stored: StoredArticle, wanted: str) -> bool:
    """Return True when an article is the one named: 第二十一条, 第21条, 21, 第二百五十三条之一 or a clause label."""
    label = stored.article.label
    if wanted == label:
        return True
    if stored.article.kind != "article":
        return False
    try:
        number = (int(wanted), 0) if wanted.isdigit() else parse_article_label(wanted)
    except ValueError:
        return False
    return (stored.article.number, stored.article.suffix) == number


def find_article(catalog: CatalogReader, document: str, article: str, version: str | None = None) -> StoredArticle:
    """Return the article of a document (its current version unless a version id or date is given).

    Raises:
        DocumentNotFoundError: no document, or no such version, matches.
        ArticleNotFoundError: the document has no article with that label.
    """
    versions: Sequence[DocumentVersion] = catalog.resolve(document)
    if version:
        versions = [v for v in versions if version in (v.version_id, v.meta.version, v.meta.effective_date)]
        if not versions:
            raise DocumentNotFoundError(
                f"《{document}》没有版本 {version!r}；可用 GET /api/v1/regulations?history=true 查看各版本。")
    chosen = versions[0]
    wanted = article.strip()
    for stored in catalog.articles(chosen.version_id):
        if _matches(stored, wanted):
            return stored
    raise ArticleNotFoundError(f"《{chosen.meta.title}》（{chosen.meta.version or chosen.version_id}）没有 {wanted!r}；"
                               f"该版本共 {chosen.article_count} 条。请写作“第二十一条”或“21”。")


def search_filters(documents: Sequence[str] = (), doc_types: Sequence[str] = (), statuses: Sequence[str] = (),
                   current_only: bool = False) -> SearchFilters | None:
    """Return the SearchFilters of an API request, or None when nothing narrows the search."""
    filters = SearchFilters(documents=tuple(documents), doc_types=tuple(doc_types), statuses=tuple(statuses),
                            current_only=current_only)
    return None if filters.is_empty else filters
