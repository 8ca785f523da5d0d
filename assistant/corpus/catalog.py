"""SQLite catalog of document versions and their articles: the source of truth the indexes follow.

One file (settings.catalog_path) in WAL mode, so a reader (the web chat) keeps answering while a writer
(CLI or maintainers' console) commits short transactions. Only versions in state 'ready' are visible
through the read API; 'indexing' and 'removing' rows exist only while a change is in flight, and
Library.reconcile() purges them after a crash.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from assistant.corpus.catalog_schema import (
    ARTICLE_SELECT,
    VERSION_COLUMNS,
    VersionRow,
    article_from_row,
    neg_order,
    open_schema,
    version_from_row,
)
from assistant.corpus.identity import (
    assign_currency,
)
from assistant.errors import DocumentNotFoundError
from assistant.language.textnorm import document_title_key, normalize_title
from assistant.records import (
    STATUS_IN_FORCE,
    STATUS_NOT_YET,
    DocumentVersion,
    StoredArticle,
)

STATE_INDEXING = "indexing"
STATE_READY = "ready"
STATE_REMOVING = "removing"


def now_iso() -> str:
    """Return the current UTC time as an ISO timestamp with seconds."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()



class Catalog:
    """The SQLite catalog: read API for retrieval and the UI, write methods for the ingest module."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection shared by threads (the web app), serialised by a lock; WAL lets other processes read.
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=60)
        self._lock = threading.RLock()
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        with self._lock:
            open_schema(self._conn, self.path)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block as one IMMEDIATE transaction that also bumps the generation counter (alignment_store too)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def touch(self) -> None:
        """Bump the generation with nothing else changed: the indexes changed under it (a reconcile re-indexed a
        version), and readers' copies of them must be read again."""
        with self.transaction():
            pass

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        """Return all rows of a read query."""
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    # ---- read API -------------------------------------------------------------------------------

    def generation(self) -> int:
        """Return a counter that grows with every committed change, so caches know when to refresh."""
        return int(self.query("SELECT value FROM meta WHERE key='generation'")[0][0])

    def versions(self, include_history: bool = True) -> list[DocumentVersion]:
        """Return ready versions, by document then newest first; without history only current and not-yet-in-force."""
        rows = self.query(
            f"SELECT {VERSION_COLUMNS} FROM versions WHERE state = ? "
            "ORDER BY (SELECT d.title FROM documents d WHERE d.doc_id = versions.doc_id), doc_id, "
            "COALESCE(version, promulgation_date, effective_date, '') DESC, added_at DESC",
            (STATE_READY,),
        )
        found = [version_from_row(row) for row in rows]
        if include_history:
            return found
        return [v for v in found if v.is_current or v.meta.status == STATUS_NOT_YET]

    def version(self, version_id: str) -> DocumentVersion:
        """Return one ready version.

        Raises:
            DocumentNotFoundError: no ready version has this id.
        """
        found = self._version_any(version_id)
        if found is None or found[1] != STATE_READY:
            raise DocumentNotFoundError(
                f"no document version {version_id!r} in the catalog. Run `assistant corpus list --all` to see the ids."
            )
        return found[0]

    def resolve(self, ref: str) -> list[DocumentVersion]:
        """Return the ready versions a reference names: a version id, a doc id, a title or a unique title part.

        Raises:
            DocumentNotFoundError: nothing matches, or a title part matches several documents.
        """
        ref = ref.strip()
        ready = self.versions()
        exact = [v for v in ready if v.version_id == ref]
        if exact:
            return exact
        doc_ids = {v.doc_id for v in ready if v.doc_id == ref or v.meta.title == ref}
        if not doc_ids and ref:
            # The title key table already maps every ingested title's key to its document.
            filed_under = self.doc_id_for_title(ref)
            doc_ids = {v.doc_id for v in ready if v.doc_id == filed_under}
        norm = normalize_title(ref) if ref else ""
        # Looser forms may name several documents (宪法修正案 names five amendments): refuse to guess.
        for loose in (lambda title: normalize_title(title) == norm, lambda title: norm in normalize_title(title)):
            if doc_ids or not norm:
                break
            doc_ids = {v.doc_id for v in ready if loose(v.meta.title)}
            if len(doc_ids) > 1:
                titles = sorted({v.meta.title for v in ready if v.doc_id in doc_ids and v.is_current} or
                                {v.meta.title for v in ready if v.doc_id in doc_ids})
                raise DocumentNotFoundError(
                    f"{ref!r} matches {len(doc_ids)} documents ({'、'.join(titles[:8])}). "
                    "Give the full title or a document id from `assistant corpus list`."
                )
        if not doc_ids:
            raise DocumentNotFoundError(
                f"no document matches {ref!r}. Run `assistant corpus list` to see titles and ids."
            )
        chosen = [v for v in ready if v.doc_id in doc_ids]
        return sorted(chosen, key=lambda v: (not v.is_current, neg_order(v)))

    def articles(self, version_id: str) -> list[StoredArticle]:
        """Return the articles of one ready version in document order."""
        self.version(version_id)
        return self._articles_of(version_id)

    def articles_by_keys(self, keys: Iterable[str]) -> dict[str, StoredArticle]:
        """Return the ready articles for keys {version_id}#{ordinal}; unknown keys are left out."""
        wanted: dict[str, set[int]] = {}
        for key in keys:
            version_id, _, ordinal = key.rpartition("#")
            if version_id and ordinal.isdigit():
                wanted.setdefault(version_id, set()).add(int(ordinal))
        found: dict[str, StoredArticle] = {}
        for version_id, ordinals in wanted.items():
            marks = ",".join("?" * len(ordinals))
            rows = self.query(
                f"{ARTICLE_SELECT} WHERE a.version_id = ? AND v.state = ? AND a.ordinal IN ({marks})",
                (version_id, STATE_READY, *sorted(ordinals)),
            )
            for row in rows:
                article = article_from_row(row)
                found[article.key] = article
        return found

    def iter_articles(self, version_ids: Iterable[str] | None = None) -> Iterator[StoredArticle]:
        """Yield the articles of the given ready versions (all ready versions by default), version by version."""
        ids = [v.version_id for v in self.versions()] if version_ids is None else list(version_ids)
        for version_id in ids:
            yield from self._articles_of(version_id)

    def _articles_of(self, version_id: str) -> list[StoredArticle]:
        """Return the articles of a ready version (empty when it is not ready)."""
        rows = self.query(
            f"{ARTICLE_SELECT} WHERE a.version_id = ? AND v.state = ? ORDER BY a.ordinal",
            (version_id, STATE_READY),
        )
        return [article_from_row(row) for row in rows]

    # ---- write methods used by assistant.corpus.library -------------------------------------------------

    def find_by_sha(self, sha256: str) -> DocumentVersion | None:
        """Return the ready version stored from (or partly from) a file with this SHA-256, if any."""
        rows = self.query(
            f"SELECT {VERSION_COLUMNS} FROM versions WHERE state = ? AND (sha256 = ? OR version_id IN "
            "(SELECT version_id FROM version_sources WHERE sha256 = ?))",
            (STATE_READY, sha256, sha256),
        )
        return version_from_row(rows[0]) if rows else None

    def known_shas(self) -> set[str]:
        """Return the SHA-256 of every file behind a ready version, for fast resumable bulk imports."""
        rows = self.query(
            "SELECT s.sha256 FROM version_sources s JOIN versions v ON v.version_id = s.version_id "
            "WHERE v.state = ? UNION SELECT sha256 FROM versions WHERE state = ?", (STATE_READY, STATE_READY))
        return {row[0] for row in rows}

    def version_sources(self, version_id: str) -> list[tuple[str, str, str]]:
        """Return (sha256, source_name, stored_name) of each file a version was built from, in order added."""
        return [tuple(row) for row in self.query(
            "SELECT sha256, source_name, stored_name FROM version_sources WHERE version_id = ? ORDER BY rowid",
            (version_id,))]

    def doc_id_for_title(self, title: str) -> str | None:
        """Return the doc id a (normalised) title already belongs to, if any."""
        rows = self.query("SELECT doc_id FROM document_titles WHERE norm_title = ?", (document_title_key(title),))
        return rows[0][0] if rows else None

    def version_state(self, version_id: str) -> str | None:
        """Return the state of a version in any state, or None when the id is unknown."""
        rows = self.query("SELECT state FROM versions WHERE version_id = ?", (version_id,))
        return rows[0][0] if rows else None

    def doc_versions(self, doc_id: str) -> list[DocumentVersion]:
        """Return every ready version of one document."""
        rows = self.query(f"SELECT {VERSION_COLUMNS} FROM versions WHERE doc_id = ? AND state = ?",
                           (doc_id, STATE_READY))
        return [version_from_row(row) for row in rows]

    def unfinished_versions(self) -> list[str]:
        """Return ids of versions left in 'indexing' or 'removing' (a change that did not finish)."""
        return [row[0] for row in self.query("SELECT version_id FROM versions WHERE state != ?", (STATE_READY,))]

    def ready_version_ids(self) -> list[str]:
        """Return the ids of all ready versions."""
        return [row[0] for row in self.query("SELECT version_id FROM versions WHERE state = ?", (STATE_READY,))]

    def doc_ids(self) -> list[str]:
        """Return every document id."""
        return [row[0] for row in self.query("SELECT doc_id FROM documents")]

    def begin_version(self, row: VersionRow) -> None:
        """Record a new version and its articles in state 'indexing', in one transaction."""
        meta = row.meta
        stamp = now_iso()
        with self.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO documents VALUES (?, ?, ?)", (row.doc_id, meta.title, stamp))
            conn.execute(
                "INSERT OR IGNORE INTO document_titles VALUES (?, ?)", (document_title_key(meta.title), row.doc_id)
            )
            conn.execute(
                f"INSERT INTO versions ({VERSION_COLUMNS}) VALUES ({','.join('?' * 24)})",
                (
                    row.version_id, row.doc_id, meta.title, meta.doc_type, meta.issuing_body, meta.doc_number,
                    meta.promulgation_date, meta.effective_date, meta.status, meta.status, meta.version,
                    json.dumps(list(meta.amendment_dates)), meta.standard_code, row.structure, row.source_name,
                    row.stored_name, row.sha256, len(row.articles), json.dumps(list(row.warnings), ensure_ascii=False),
                    STATE_INDEXING, 0, None, stamp, None,
                ),
            )
            conn.executemany(
                "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        row.version_id, ordinal, a.label, a.number, a.suffix, a.kind,
                        json.dumps(list(a.headings), ensure_ascii=False),
                        json.dumps(list(a.paragraphs), ensure_ascii=False), a.page, a.clause_title,
                    )
                    for ordinal, a in enumerate(row.articles)
                ],
            )
            conn.execute("UPDATE versions SET preamble = ? WHERE version_id = ?", (row.preamble, row.version_id))
            conn.executemany(
                "INSERT OR IGNORE INTO version_sources VALUES (?, ?, ?, ?)",
                [(row.version_id, *source)
                 for source in row.sources or ((row.sha256, row.source_name, row.stored_name),)],
            )

    def pending_articles(self, version_id: str, today: date) -> list[StoredArticle]:
        """Return a version's articles (any state) with the status and current flag it will have once ready."""
        found = self._version_any(version_id)
        if found is None:
            raise DocumentNotFoundError(f"no document version {version_id!r} in the catalog.")
        version = found[0]
        siblings = [v for v in self.doc_versions(version.doc_id) if v.version_id != version_id] + [version]
        standing = assign_currency(siblings, self._declared([v.version_id for v in siblings]), today)[version_id]
        rows = self.query(f"{ARTICLE_SELECT} WHERE a.version_id = ? ORDER BY a.ordinal", (version_id,))
        return [
            article_from_row(row, status=standing.status, is_current=standing.is_current) for row in rows
        ]

    def mark_ready(self, version_id: str, today: date, *, retire: Sequence[str] = ()) -> DocumentVersion:
        """Mark a version ready, hide the versions it substitutes, re-derive current flags: one transaction."""
        with self.transaction() as conn:
            conn.execute("UPDATE versions SET state = ?, indexed_at = ? WHERE version_id = ?",
                         (STATE_READY, now_iso(), version_id))
            for old in retire:
                conn.execute("UPDATE versions SET state = ?, is_current = 0 WHERE version_id = ?",
                             (STATE_REMOVING, old))
            doc_id = conn.execute("SELECT doc_id FROM versions WHERE version_id = ?", (version_id,)).fetchone()[0]
            self._apply_currency(conn, doc_id, today)
        return self.version(version_id)

    def mark_removing(self, version_ids: Sequence[str], today: date) -> None:
        """Hide versions from readers (state 'removing') and re-derive their documents' current flags."""
        with self.transaction() as conn:
            doc_ids = set()
            for version_id in version_ids:
                conn.execute("UPDATE versions SET state = ?, is_current = 0 WHERE version_id = ?",
                             (STATE_REMOVING, version_id))
                row = conn.execute("SELECT doc_id FROM versions WHERE version_id = ?", (version_id,)).fetchone()
                if row:
                    doc_ids.add(row[0])
            for doc_id in doc_ids:
                self._apply_currency(conn, doc_id, today)

    def delete_version(self, version_id: str, *, action: str, detail: str) -> None:
        """Delete a version and its articles, drop its document when no version is left, and log why."""
        with self.transaction() as conn:
            row = conn.execute("SELECT doc_id FROM versions WHERE version_id = ?", (version_id,)).fetchone()
            conn.execute("DELETE FROM articles WHERE version_id = ?", (version_id,))
            conn.execute("DELETE FROM version_sources WHERE version_id = ?", (version_id,))
            conn.execute("DELETE FROM article_alignment WHERE old_version = ? OR new_version = ?",
                         (version_id, version_id))
            conn.execute("DELETE FROM versions WHERE version_id = ?", (version_id,))
            conn.execute("UPDATE versions SET superseded_by = NULL WHERE superseded_by = ?", (version_id,))
            if row and not conn.execute("SELECT 1 FROM versions WHERE doc_id = ?", (row[0],)).fetchone():
                conn.execute("DELETE FROM document_titles WHERE doc_id = ?", (row[0],))
                conn.execute("DELETE FROM documents WHERE doc_id = ?", (row[0],))
            conn.execute("INSERT INTO events (at, action, version_id, detail) VALUES (?, ?, ?, ?)",
                         (now_iso(), action, version_id, detail))

    def log_event(self, action: str, version_id: str | None, detail: str) -> None:
        """Append an entry to the catalog's change log."""
        with self.transaction() as conn:
            conn.execute("INSERT INTO events (at, action, version_id, detail) VALUES (?, ?, ?, ?)",
                         (now_iso(), action, version_id, detail))

    def events(self, limit: int = 100) -> list[tuple[str, str, str | None, str]]:
        """Return the newest change-log entries as (at, action, version_id, detail)."""
        return [tuple(r) for r in self.query(
            "SELECT at, action, version_id, detail FROM events ORDER BY id DESC LIMIT ?", (limit,))]

    def refresh_currency(self, today: date) -> bool:
        """Re-derive current flags of every document (a pending version may have come into force); True if changed."""
        stale = [doc_id for doc_id in self.doc_ids() if self._currency_changes(doc_id, today)]
        if not stale:
            return False
        with self.transaction() as conn:
            for doc_id in stale:
                self._apply_currency(conn, doc_id, today)
        return True

    def _currency_changes(self, doc_id: str, today: date) -> bool:
        """Return True when a document's stored flags differ from the derived ones."""
        versions = self.doc_versions(doc_id)
        derived = assign_currency(versions, self._declared([v.version_id for v in versions]), today)
        return any(
            (v.is_current, v.meta.status, v.superseded_by) != (d.is_current, d.status, d.superseded_by)
            for v in versions
            for d in [derived[v.version_id]]
        )

    def _apply_currency(self, conn: sqlite3.Connection, doc_id: str, today: date) -> None:
        """Write derived current flags, statuses and successors for one document (inside a transaction)."""
        rows = conn.execute(f"SELECT {VERSION_COLUMNS} FROM versions WHERE doc_id = ? AND state = ?",
                            (doc_id, STATE_READY)).fetchall()
        versions = [version_from_row(row) for row in rows]
        declared = {row[0]: row[8] for row in rows}
        for vid, standing in assign_currency(versions, declared, today).items():
            conn.execute(
                "UPDATE versions SET is_current = ?, status = ?, superseded_by = ? WHERE version_id = ?",
                (int(standing.is_current), standing.status, standing.superseded_by, vid),
            )

    def _declared(self, version_ids: Sequence[str]) -> dict[str, str]:
        """Return the status each version was declared with (header, sidecar or command line)."""
        found: dict[str, str] = {}
        for vid in version_ids:
            rows = self.query("SELECT declared_status FROM versions WHERE version_id = ?", (vid,))
            found[vid] = rows[0][0] if rows else STATUS_IN_FORCE
        return found

    def _version_any(self, version_id: str) -> tuple[DocumentVersion, str] | None:
        """Return (version, state) for a version in any state, or None."""
        rows = self.query(f"SELECT {VERSION_COLUMNS} FROM versions WHERE version_id = ?", (version_id,))
        return (version_from_row(rows[0]), rows[0][19]) if rows else None
