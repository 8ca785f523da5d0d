"""Questions about an amendment as a whole: 「新网安法新增了哪些内容？」「网安法2025年修改了几条？」 name no article
and no subject, only what the amendment did. They are answered from the stored alignment of the two texts (the
comparison `assistant corpus compare` prints): the articles added, those deleted and those whose wording changed,
each carried as a pair of the two versions, so that the answer cites the articles themselves, not whichever ones a
search on the words 新增 and 内容 would find.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.corpus import alignment_store
from assistant.corpus.catalog import Catalog
from assistant.corpus.versions import ADDED, AMENDED, DELETED, PART
from assistant.language.textnorm import normalize_text
from assistant.language.version_cues import AMENDMENT_HEAD_FILLER, AMENDMENT_OVERVIEW
from assistant.records import DocumentVersion, Hit, VersionLink
from assistant.retrieval.version_follow import asks_for_list

MAX_HITS = 20  # added and deleted articles first, then the amended ones, as far as this
VIA = "version"  # how the hits of an overview were found (Hit.via): the answer stage recognises an overview by it


def asks_for_overview(query: str, named_spans: Sequence[tuple[int, int]]) -> bool:
    """Return True when a normalised, lower-cased question asks what an amendment changed, saying nothing else.

    named_spans are the places of the regulations the question names; with them and the words dating the texts
    taken away, nothing may be left before the change asked about (「等级保护的要求有什么变化」 asks about a subject).
    """
    match = AMENDMENT_OVERVIEW.match(query)
    if match is None:
        return False
    head = list(match.group("head"))
    for start, end in named_spans:
        for i in range(max(start, 0), min(end, len(head))):
            head[i] = " "
    return not AMENDMENT_HEAD_FILLER.sub("", "".join(head)).strip()


def overview(
    catalog: Catalog, query: str, amended: dict[str, list[DocumentVersion]], mentioned: set[str],
    named_spans: Sequence[tuple[int, int]],
) -> tuple[tuple[Hit, ...], tuple[VersionLink, ...]] | None:
    """Return the hits and version pairs that answer an overview question, or None when it is not one.

    The document is the amended one the question names, or, when it names none, the library's only amended
    document; a question naming a regulation the library holds in one version (「数据安全法修改了几条？」) is not
    answered with another law's amendment.
    """
    text = normalize_text(query).lower()
    if not asks_for_overview(text, named_spans):
        return None
    meant = [doc for doc in amended if doc in mentioned] if mentioned else list(amended)
    if len(meant) != 1:
        return None
    comparison = alignment_store.compare(catalog, meant[0])
    old_id, new_id = comparison.old.version_id, comparison.new.version_id
    olds = {a.ordinal: a for a in catalog.articles(old_id)}
    news = {a.ordinal: a for a in catalog.articles(new_id)}
    old_date, new_date = alignment_store.version_date(comparison.old), alignment_store.version_date(comparison.new)
    links: list[VersionLink] = []
    # What the question asks about first (「删除了哪些条文」: the deleted ones); part pairs (a paragraph of a deleted
    # article now in another one) go last: they say where deleted text went.
    first = (DELETED, ADDED) if asks_for_list(text) == DELETED else (ADDED, DELETED)
    for wanted in (*first, AMENDED, PART):
        for pair in comparison.pairs:
            if wanted not in pair.status.split("+"):
                continue
            new = news.get(pair.new_ordinal) if pair.new_ordinal is not None else None
            old = olds.get(pair.old_ordinal) if pair.old_ordinal is not None else None
            if new is not None:
                links.append(VersionLink(new, old, old_id, old_date, pair.status, pair.similarity))
            elif old is not None:
                links.append(VersionLink(old, None, new_id, new_date, pair.status, pair.similarity))
    whole = [link for link in links if PART not in link.status.split("+")]
    hits = tuple(Hit(link.article, 1.0, via=VIA) for link in whole[:MAX_HITS])
    return hits, tuple(links)
