"""What retrieval keeps from the catalog between questions, and the user's scope filter over its versions."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

from assistant.language.negation import SPECIFIC_STATUS_CHARS
from assistant.language.textnorm import normalize_text, normalize_title
from assistant.protocols import CatalogReader
from assistant.records import DocumentVersion, Hit, SearchFilters, StoredArticle
from assistant.retrieval.crossref import is_general_penalty, is_penalty_article, is_state_organ_penalty, penalty_links
from assistant.retrieval.definitions import definition_index
from assistant.retrieval.expansion import definition_members
from assistant.retrieval.locality import PlaceNames, is_local
from assistant.retrieval.lookup import TitleIndex, blank_mentions
from assistant.retrieval.regulation_refs import regulation_links

logger = logging.getLogger(__name__)


@dataclass
class CatalogSnapshot:
    """What retrieval keeps from the catalog between questions; rebuilt when its generation moves.

    What is derived from the articles (penalty links, definitions, cross-regulation links) is built on first use.
    """

    generation: int
    versions: dict[str, DocumentVersion]
    titles: TitleIndex
    catalog: CatalogReader
    _articles: dict[str, list[StoredArticle]] = field(default_factory=dict)
    _links: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    _kinds: dict[Callable[[StoredArticle], bool], dict[str, list[str]]] = field(default_factory=dict)
    _definitions: dict[str, list[str]] | None = None
    _members: dict[str, set[str]] | None = None
    _regulation_links: dict[str, str] | None = None

    def __post_init__(self) -> None:
        self.groups = {v: normalize_title(d.meta.title) for v, d in self.versions.items()}
        self.local_versions = {v for v, d in self.versions.items() if is_local(d)}
        self.places = PlaceNames(self.versions.values())

    def group_of(self, version_id: str) -> str:
        """Return the short title grouping a version with its other versions."""
        return self.groups[version_id]

    def regulations_named(self, text: str) -> list[str]:
        """Return the short titles a text names exactly: a one-character slip (个人信息怎 read as 个人信息法) must
        not end a conversation's subject."""
        return [m.short_title for m in self.titles.mentions(normalize_text(text).lower()) if m.exact]

    def without_regulation_names(self, text: str) -> str:
        """Return the text with the names it gives as written each blanked by one space: how short the rest is tells
        a follow-up."""
        text = normalize_text(text)
        return blank_mentions(text, [m for m in self.titles.mentions(text.lower()) if m.exact], keep_positions=False)

    def articles_of(self, version_id: str) -> list[StoredArticle]:
        """Return a version's articles in document order."""
        if version_id not in self._articles:
            self._articles[version_id] = self.catalog.articles(version_id)
        return self._articles[version_id]

    def penalty_links_of(self, version_id: str) -> dict[str, list[str]]:
        """Return, within a version, the keys of the penalty articles citing each article."""
        if version_id not in self._links:
            self._links[version_id] = penalty_links(self.articles_of(version_id))
        return self._links[version_id]

    def penalties_citing(self, key: str) -> list[str]:
        """Return the keys of the penalty articles citing an article, within its version."""
        return self.penalty_links_of(key.rpartition("#")[0]).get(key, [])

    def linked_penalties(self, hits: Sequence[Hit]) -> tuple[Hit, ...]:
        """Return the penalty articles citing the obligations among the first three hits, but those shown in the
        first five."""
        keys: list[str] = []
        shown = {h.article.key for h in hits[:5]}
        for hit in hits[:3]:
            for key in self.penalties_citing(hit.article.key):
                if key not in keys and key not in shown:
                    keys.append(key)
        stored = self.catalog.articles_by_keys(keys)
        return tuple(Hit(stored[k], 0.0, via="linked") for k in keys if k in stored)

    def texts_made_for(self, statuses: Iterable[str], query: str) -> set[str]:
        """Return the versions of texts made for one of the statuses, by their title (关键信息基础设施 ->
        关键信息基础设施安全保护条例), but those of a text the query names; a short status (中央) leaves out none."""
        named = {m.short_title for m in self.titles.mentions(query.lower())}
        specific = [status for status in statuses if len(status) >= SPECIFIC_STATUS_CHARS]
        return {v for v, group in self.groups.items()
                if group not in named and any(status in group for status in specific)}

    def penalties_led_to(self, sources: Iterable[tuple[str, float]], referenced: Collection[str]) -> dict[str, float]:
        """Return penalty article key -> the best score among the source articles leading to it: the penalties citing
        each source; for an article the conversation names by number (referenced), those sanctioning it."""
        wanted: dict[str, float] = {}
        for key, score in sources:
            if key.rpartition("#")[0] not in self.versions:
                continue
            for target in self.penalties_sanctioning(key) if key in referenced else self.penalties_citing(key):
                wanted[target] = max(wanted.get(target, 0.0), score)
        return wanted

    def penalties_sanctioning(self, key: str) -> list[str]:
        """Return the keys of the penalty articles citing an article or, when none does and it is no penalty article
        itself, its text's penalties for breaching its provisions as a whole (crossref.is_general_penalty)."""
        citing = self.penalties_citing(key)
        version_id = key.rpartition("#")[0]
        general = self.general_penalties_of(version_id)
        if citing or key in general:
            return citing
        article = next((a for a in self.articles_of(version_id) if a.key == key), None)
        return [] if article is None or is_penalty_article(article) else general

    def general_penalties_of(self, version_id: str) -> list[str]:
        """Return the keys of a version's penalty articles for breaching its provisions as a whole."""
        return self._keys_where(is_general_penalty, version_id)

    def state_organ_penalties_of(self, version_id: str) -> list[str]:
        """Return the keys of a version's penalty articles for a state organ (国家机关不履行…的)."""
        return self._keys_where(is_state_organ_penalty, version_id)

    def _keys_where(self, test: Callable[[StoredArticle], bool], version_id: str) -> list[str]:
        """Return the keys of a version's articles passing test, read once per version and test."""
        found = self._kinds.setdefault(test, {})
        if version_id not in found:
            found[version_id] = [a.key for a in self.articles_of(version_id) if test(a)]
        return found[version_id]

    def regulation_links(self, idf: Callable[[str], float]) -> dict[str, str]:
        """Return the links from an article to the article of another regulation it refers to (current texts)."""
        if self._regulation_links is None:
            current = [v for v, d in self.versions.items() if d.is_current]
            self._regulation_links = regulation_links({v: self.articles_of(v) for v in current},
                                                      {v: self.group_of(v) for v in current}, idf,
                                                      is_penalty_article)
        return self._regulation_links

    def definitions(self) -> dict[str, list[str]]:
        """Return the defined terms and the keys of the articles defining them."""
        if self._definitions is None:
            # Built on the first definition question after a catalog change: one pass over all articles.
            self._definitions = definition_index(self.catalog.iter_articles(list(self.versions)))
            logger.info("definition index terms=%d", len(self._definitions))
        return self._definitions

    def members(self) -> dict[str, set[str]]:
        """Return the members each defined concept enumerates."""
        if self._members is None:
            self._members = definition_members(self.catalog.iter_articles(list(self.versions)))
        return self._members


def passes_filters(version: DocumentVersion, filters: SearchFilters | None, view: CatalogSnapshot) -> bool:
    """Return True when a version is inside the user's chosen scope."""
    if filters is None or filters.is_empty:
        return True
    meta = version.meta
    if filters.documents:
        names = {version.version_id, version.doc_id, normalize_title(meta.title)}
        wanted = {normalize_title(d) for d in filters.documents} | set(filters.documents)
        aliases = {view.titles.aliases.get(normalize_text(d).lower()) for d in filters.documents}
        if not (names & wanted or normalize_title(meta.title) in aliases):
            return False
    if filters.doc_types and meta.doc_type not in filters.doc_types:
        return False
    if filters.issuing_bodies and not any(b in (meta.issuing_body or "") for b in filters.issuing_bodies):
        return False
    if filters.statuses and not any(meta.status.startswith(s) for s in filters.statuses):
        return False
    return True
