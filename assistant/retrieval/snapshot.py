"""What retrieval keeps from the catalog between questions, and the user's scope filter over its versions."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.language.textnorm import normalize_text, normalize_title
from assistant.records import DocumentVersion, SearchFilters, StoredArticle
from assistant.retrieval.locality import PlaceNames, is_local
from assistant.retrieval.lookup import TitleIndex


@dataclass
class CatalogSnapshot:
    """What retrieval keeps from the catalog between questions; rebuilt when its generation moves."""

    generation: int
    versions: dict[str, DocumentVersion]
    titles: TitleIndex
    _articles: dict[str, list[StoredArticle]] = field(default_factory=dict)
    _links: dict[str, dict[str, list[str]]] = field(default_factory=dict)
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
