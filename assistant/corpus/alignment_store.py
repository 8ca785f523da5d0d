"""Stored alignments of consecutive versions: computed when a version becomes ready, read by questions for free.

The rows live in the catalog's article_alignment table (one row per Pair of assistant.corpus.versions).
Only consecutive versions (by version date) are stored; a comparison across several versions is computed
from the two texts directly, and counterparts() composes the stored hops along the chain.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.corpus.catalog import Catalog
from assistant.corpus.identity import order_key
from assistant.corpus.versions import METHOD, PART, Pair, Unit, align
from assistant.errors import DocumentNotFoundError
from assistant.records import DocumentVersion, StoredArticle

logger = logging.getLogger(__name__)


def ordered_versions(catalog: Catalog, doc_id: str) -> list[DocumentVersion]:
    """Return a document's ready versions oldest first (the order amendments were made in)."""
    return sorted(catalog.doc_versions(doc_id), key=lambda v: order_key(v.meta, v.added_at))


def units_of(articles: Sequence[StoredArticle]) -> list[Unit]:
    """Return the aligner's view of a version's articles."""
    return [Unit(a.article.label, a.ordinal, a.article.text) for a in articles]


def compute(catalog: Catalog, old_version: str, new_version: str) -> list[Pair]:
    """Return the alignment of two ready versions computed from their stored texts."""
    return align(units_of(catalog.articles(old_version)), units_of(catalog.articles(new_version)))


def _stored_hops(catalog: Catalog, doc_id: str) -> set[tuple[str, str]]:
    """Return the (old, new) version pairs of a document that have stored rows."""
    rows = catalog.query(  # the alignment table is part of the catalog: same connection, same lock
        "SELECT DISTINCT old_version, new_version FROM article_alignment WHERE doc_id = ?", (doc_id,))
    return {(old, new) for old, new in rows}


def refresh(catalog: Catalog, doc_id: str) -> int:
    """Store the alignment of every consecutive version pair of a document that lacks one; return how many.

    Rows of pairs that are no longer consecutive (a version was added between them, or removed) are dropped.
    """
    versions = ordered_versions(catalog, doc_id)
    wanted = {(a.version_id, b.version_id) for a, b in zip(versions, versions[1:], strict=False)}
    stored = _stored_hops(catalog, doc_id)
    missing = sorted(wanted - stored)
    computed = {hop: compute(catalog, *hop) for hop in missing}
    if not computed and not stored - wanted:
        return 0
    with catalog.transaction() as conn:
        for old, new in stored - wanted:
            conn.execute("DELETE FROM article_alignment WHERE old_version = ? AND new_version = ?", (old, new))
        for (old, new), pairs in computed.items():
            conn.executemany(
                "INSERT OR REPLACE INTO article_alignment VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(doc_id, old, new, row, p.old_label, p.new_label, p.old_ordinal, p.new_ordinal, p.status,
                  p.similarity) for row, p in enumerate(pairs)],
            )
    for old, new in computed:
        logger.info("aligned doc=%s old=%s new=%s pairs=%d", doc_id, old, new, len(computed[(old, new)]))
    return len(computed)


def refresh_all(catalog: Catalog) -> int:
    """Align every document with several versions that lacks a stored alignment (existing homes, on open).

    Alignments stored by an older method (before part pairs were found) are dropped first and computed anew.
    """
    _drop_older_method(catalog)
    multi = catalog.query(
        "SELECT doc_id FROM versions WHERE state = 'ready' GROUP BY doc_id HAVING COUNT(*) > 1")
    return sum(refresh(catalog, doc_id) for (doc_id,) in multi)


def _stored_method(catalog: Catalog) -> int:
    """Return the alignment method the stored rows were computed by (1: before it was recorded)."""
    row = catalog.query("SELECT value FROM meta WHERE key = 'alignment_method'")
    return int(row[0][0]) if row else 1


def _drop_older_method(catalog: Catalog) -> None:
    """Delete the stored alignments when versions.METHOD is newer than the method that computed them."""
    if _stored_method(catalog) >= METHOD:
        return
    with catalog.transaction() as conn:
        dropped = conn.execute("DELETE FROM article_alignment").rowcount
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('alignment_method', ?)", (METHOD,))
    if dropped:
        logger.info("alignments of an older method dropped rows=%d method=%d", dropped, METHOD)


def stored(catalog: Catalog, old_version: str, new_version: str) -> list[Pair] | None:
    """Return the stored alignment of two consecutive versions, or None when none is stored or an older method
    stored it (a home no Library has opened since: its rows lack the part pairs)."""
    if _stored_method(catalog) < METHOD:
        return None
    rows = catalog.query(
        "SELECT old_label, new_label, status, similarity, old_ordinal, new_ordinal FROM article_alignment "
        "WHERE old_version = ? AND new_version = ? ORDER BY row", (old_version, new_version))
    return [Pair(*row) for row in rows] if rows else None


@dataclass(frozen=True)
class Comparison:
    """Two versions of one document and the alignment of their articles."""

    old: DocumentVersion
    new: DocumentVersion
    pairs: list[Pair]


def compare(catalog: Catalog, doc_ref: str, from_version: str | None = None,
            to_version: str | None = None) -> Comparison:
    """Return the comparison of two versions of a document: the two newest unless named.

    A version is named by its id or by its date or year as printed (2016, 2016-11-07, 20161107).

    Raises:
        DocumentNotFoundError: the document or a named version is unknown, or it has a single version.
    """
    found = catalog.resolve(doc_ref)
    versions = ordered_versions(catalog, found[0].doc_id)
    title = found[0].meta.title
    if len(versions) < 2:
        raise DocumentNotFoundError(
            f"《{title}》 has only one version in the catalog ({versions[0].version_id}); nothing to compare. "
            "Add another version with `assistant corpus replace`.")
    old = _pick(versions, from_version, title) if from_version else versions[-2]
    new = _pick(versions, to_version, title) if to_version else versions[-1]
    if old.version_id == new.version_id:
        raise DocumentNotFoundError(f"--from and --to name the same version {old.version_id}; name two versions.")
    if order_key(old.meta, old.added_at) > order_key(new.meta, new.added_at):
        old, new = new, old
    pairs = stored(catalog, old.version_id, new.version_id) or compute(catalog, old.version_id, new.version_id)
    return Comparison(old, new, pairs)


def version_date(version: DocumentVersion) -> str:
    """Return the date a version is known by (its amendment or promulgation date), or its id."""
    return version.meta.version or version.meta.promulgation_date or version.meta.effective_date or version.version_id


def _pick(versions: Sequence[DocumentVersion], ref: str, title: str) -> DocumentVersion:
    """Return the version a --from/--to value names: an id, a date, or a unique year."""
    ref = ref.strip()
    digits = ref.replace("-", "")
    matches = [v for v in versions if v.version_id == ref or version_date(v).replace("-", "").startswith(digits)]
    if len(matches) != 1:
        known = "、".join(f"{version_date(v)} ({v.version_id})" for v in versions)
        problem = "matches no version" if not matches else "matches several versions"
        raise DocumentNotFoundError(f"{ref!r} {problem} of 《{title}》. Its versions: {known}.")
    return matches[0]


@dataclass(frozen=True)
class Counterpart:
    """The article another version has in place of a given one."""

    version: DocumentVersion
    ordinal: int | None  # None: the other version has no counterpart (added / deleted)
    label: str | None
    status: str
    similarity: float


# Alignments computed for a home whose catalog has none stored yet (it was made before versions were compared
# and no Library has opened it since): versions never change under one id, so the result stays valid.
_COMPUTED: dict[tuple[str, str, str], list[Pair]] = {}


def hop(catalog: Catalog, old_version: str, new_version: str) -> list[Pair]:
    """Return the alignment of two consecutive versions: stored, else computed once and kept in memory."""
    found = stored(catalog, old_version, new_version)
    if found is not None:
        return found
    key = (str(catalog.path), old_version, new_version)
    if key not in _COMPUTED:
        _COMPUTED[key] = compute(catalog, old_version, new_version)
    return _COMPUTED[key]


def counterparts(catalog: Catalog, version_id: str, ordinal: int) -> list[Counterpart]:
    """Return an article's counterparts in the other versions of its document, nearest versions first.

    Consecutive alignments compose along the chain: from a 2016 article one hop leads to 2021, the next to
    2025. A hop that finds no counterpart yields a row saying so (ordinal None) and ends that direction; a part
    pair (status "part") follows the article's own counterpart.
    """
    versions = ordered_versions(catalog, catalog.version(version_id).doc_id)
    ids = [v.version_id for v in versions]
    found: list[Counterpart] = []
    for step in (1, -1):  # newer versions, then older ones
        at, index = [ordinal], ids.index(version_id)
        while at and 0 <= index + step < len(ids):
            other = versions[index + step]
            old, new = (ids[index], other.version_id) if step == 1 else (other.version_id, ids[index])
            mine, theirs = ("old_ordinal", "new_ordinal") if step == 1 else ("new_ordinal", "old_ordinal")
            # An article's own counterpart first, then where a paragraph or item of it went (part pairs).
            rows = sorted((p for p in hop(catalog, old, new) if getattr(p, mine) in at),
                          key=lambda p: p.status == PART)
            labels = {"new_ordinal": "new_label", "old_ordinal": "old_label"}
            found += [Counterpart(other, getattr(p, theirs), getattr(p, labels[theirs]), p.status, p.similarity)
                      for p in rows]
            at = [getattr(p, theirs) for p in rows if getattr(p, theirs) is not None]
            index += step
    return found
