"""Indexer: StoredArticle -> embedded units in the vector store and the keyword index.

One article is the unit of citation. An article longer than settings.retrieval.paragraph_min_chars is also
indexed paragraph by paragraph (款), and a paragraph listing items (（一）…（五）, 项) item by item with the
paragraph's lead-in sentence, so a question about one duty in a long list (「日志留多久」 -> 「（三）…留存相关
的网络日志不少于六个月」) is not diluted by the rest; hits on these units roll up to their article.
Every unit's text carries the regulation's title (full and short) and its chapter headings, so
「数据安全法里…」 finds the right law.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.indexing.embedding import CachedEmbedder, compose_vector
from assistant.language.numerals import ITEM_MARKER_PATTERN
from assistant.language.textnorm import normalize_text, normalize_title
from assistant.language.vocabulary import load_abbreviations
from assistant.protocols import KeywordIndex, VectorStore
from assistant.records import KeywordHit, StoredArticle, VectorHit
from assistant.settings import Settings

logger = logging.getLogger(__name__)

PARAGRAPH_SEPARATOR = "/p"  # unit id of paragraph i of article key: f"{key}/p{i}"; item j of it: f"{key}/p{i}.{j}"
_ITEM_START = re.compile(rf"^\s*{ITEM_MARKER_PATTERN}")


@dataclass(frozen=True)
class Unit:
    """One indexed piece: a whole article (paragraph None) or one of its paragraphs."""

    unit_id: str
    article_key: str
    paragraph: int | None
    text: str


@functools.lru_cache(maxsize=1 << 16)  # a question parses some 900 unit ids, mostly the same ones again
def parse_unit_id(unit_id: str) -> tuple[str, int | None]:
    """Return (article key, paragraph index or None) of a unit id."""
    key, sep, paragraph = unit_id.rpartition(PARAGRAPH_SEPARATOR)
    paragraph = paragraph.partition(".")[0]
    if sep and paragraph.isdigit():
        return key, int(paragraph)
    return unit_id, None


def unit_header(stored: StoredArticle) -> str:
    """Return the line every unit of an article starts with: titles, chapter headings and label."""
    short = normalize_title(stored.title)
    aliases = [a for a, target in load_abbreviations().items() if target == short and a != short.lower()][:2]
    names = [stored.title] + ([short] if short != stored.title else []) + aliases
    parts = ["《" + "》《".join(names) + "》", *stored.article.headings, stored.article.label]
    if stored.article.clause_title:
        parts.append(stored.article.clause_title)
    return " ".join(parts)


def article_units(stored: StoredArticle, paragraph_min_chars: int) -> list[Unit]:
    """Return the units of one article: the article itself, plus each paragraph when it is long."""
    header = unit_header(stored)
    article = stored.article
    units = [Unit(stored.key, stored.key, None, normalize_text(f"{header}\n{article.text}"))]
    if len(article.text) <= paragraph_min_chars:
        return units
    if len(article.paragraphs) > 1:
        for i, paragraph in enumerate(article.paragraphs):
            units.append(
                Unit(f"{stored.key}{PARAGRAPH_SEPARATOR}{i}", stored.key, i, normalize_text(f"{header}\n{paragraph}"))
            )
    for i, paragraph in enumerate(article.paragraphs):
        lines = paragraph.split("\n")
        items = [j for j, line in enumerate(lines) if _ITEM_START.match(line)]
        if len(items) < 2:
            continue
        lead = "\n".join(lines[: items[0]])
        for n, j in enumerate(items):
            text = normalize_text(f"{header}\n{lead}\n{lines[j]}")
            units.append(Unit(f"{stored.key}{PARAGRAPH_SEPARATOR}{i}.{n}", stored.key, i, text))
    return units


def unit_metadata(stored: StoredArticle, unit: Unit) -> dict[str, str | int]:
    """Return what the vector store keeps beside a unit (Chroma accepts no None values)."""
    return {
        "version_id": stored.version_id,
        "doc_id": stored.doc_id,
        "article_key": stored.key,
        "ordinal": stored.ordinal,
        "paragraph": -1 if unit.paragraph is None else unit.paragraph,
        "doc_type": stored.doc_type,
        "status": stored.status,
        "issuing_body": stored.issuing_body or "",
    }


class Indexer:
    """Keeps the vector store and the keyword index in step, version by version (idempotent), and searches
    them for retrieval (protocols.IndexWriter and protocols.SearchIndex); wiring.build_indexer builds one."""

    def __init__(
        self, settings: Settings, embedder: CachedEmbedder, vectors: VectorStore, lexical: KeywordIndex
    ) -> None:
        self.settings, self.embedder, self.vectors, self.lexical = settings, embedder, vectors, lexical

    def search_dense(self, query: str, n: int, version_ids: Sequence[str] | None = None) -> list[VectorHit]:
        """Return up to n units nearest the question's vector, optionally only from the given versions."""
        return self.vectors.query(self.embedder.embed_query(query), n, version_ids)

    def prepare_dense(self, queries: Sequence[str]) -> None:
        """Embed together the questions about to be searched one by one (see CachedEmbedder.prepare_queries)."""
        self.embedder.prepare_queries(queries)

    def search_dense_with_terms(
        self, query: str, terms: Sequence[str], n: int, version_ids: Sequence[str] | None = None
    ) -> list[VectorHit]:
        """Return up to n units nearest the question restated with terms (its vector composed with theirs)."""
        vector = compose_vector(query, self.embedder.embed_query(query), terms, self.embedder.embed_terms(terms))
        return self.vectors.query(vector, n, version_ids)

    def search_keywords(self, query: str, n: int, version_ids: Iterable[str] | None = None) -> list[KeywordHit]:
        """Return up to n units scoring highest on the question's keywords, optionally within versions."""
        return self.lexical.search(query, n, version_ids)

    def document_frequency(self, term: str) -> int:
        """Return how many indexed units contain a keyword term (a character bigram, a word)."""
        return self.lexical.document_frequency(term)

    def index_version(
        self, articles: Sequence[StoredArticle], progress: Callable[[int, int], None] | None = None
    ) -> None:
        """Embed and store every unit of one version's articles, replacing any earlier copy."""
        if not articles:
            return
        version_ids = {a.version_id for a in articles}
        if len(version_ids) != 1:
            raise ValueError(f"index_version takes the articles of one version, got {sorted(version_ids)}")
        version_id = version_ids.pop()
        pairs = [(a, u) for a in articles for u in article_units(a, self.settings.retrieval.paragraph_min_chars)]
        texts = [u.text for _, u in pairs]
        vectors = self.embedder.embed_documents(texts, progress=progress)
        # Drop the mark first: a crash between the two leaves the version visibly unindexed, never half-done.
        self.vectors.remove_version(version_id)
        self.vectors.upsert(
            [u.unit_id for _, u in pairs], vectors, [unit_metadata(a, u) for a, u in pairs], texts
        )
        self.lexical.index_version(version_id, [(u.unit_id, u.text) for _, u in pairs])
        self.vectors.mark_version(version_id, len(pairs))
        logger.info("indexed version=%s articles=%d units=%d", version_id, len(articles), len(pairs))

    def index_keywords(self, articles: Sequence[StoredArticle]) -> None:
        """Rebuild only one version's keyword units (after a tokenizer change; its vectors stay as they are)."""
        if not articles:
            return
        units = [u for a in articles for u in article_units(a, self.settings.retrieval.paragraph_min_chars)]
        self.lexical.index_version(articles[0].version_id, [(u.unit_id, u.text) for u in units])

    def keyword_only_gaps(self) -> set[str]:
        """Return the versions whose vectors are stored but whose keyword units are missing or stale."""
        return self.vectors.version_ids() - self.lexical.version_ids()

    def remove_version(self, version_id: str) -> None:
        """Remove a version's units from both stores."""
        self.vectors.remove_version(version_id)
        self.lexical.remove_version(version_id)
        logger.info("removed version=%s from the indexes", version_id)

    def seed_vectors(self, path: Path) -> int:
        """Copy shipped vectors of this embedder's model into its cache, so their texts are not embedded again."""
        from assistant.indexing.shipped_vectors import seed_cache

        if self.embedder.cache is None:
            return 0
        return seed_cache(self.embedder.cache, self.embedder.name, path)

    def indexed_versions(self) -> set[str]:
        """Return the versions present in both stores."""
        return self.vectors.version_ids() & self.lexical.version_ids()
