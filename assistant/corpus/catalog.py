"""SQLite catalog of document versions and their articles: the source of truth the indexes follow.

One file (settings.catalog_path) in WAL mode, so a reader (the web chat) keeps answering while a writer
(CLI or maintainers' console) commits short transactions. Only versions in state 'ready' are visible
through the read API; 'indexing' and 'removing' rows exist only while a change is in flight, and
Library.reconcile() purges them after a crash.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from assistant.errors import CorpusError, DocumentNotFoundError
from assistant.language.textnorm import document_title_key, normalize_title
from assistant.records import (
    STATUS_AMENDED,
    STATUS_IN_FORCE,
    STATUS_NOT_YET,
    STATUS_REPEALED,
    Article,
    DocumentMeta,
    DocumentVersion,
    StoredArticle,
)

SCHEMA_VERSION = 1
# Version of the rule that maps titles to documents (textnorm.document_title_key); 2 keeps an amendment's year.
TITLE_KEYS_VERSION = 2
STATE_INDEXING = "indexing"
STATE_READY = "ready"
STATE_REMOVING = "removing"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS document_titles (
    norm_title TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS versions (
    version_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    title TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    issuing_body TEXT,
    doc_number TEXT,
    promulgation_date TEXT,
    effective_date TEXT,
    declared_status TEXT NOT NULL,
    status TEXT NOT NULL,
    version TEXT,
    amendment_dates TEXT NOT NULL DEFAULT '[]',
    standard_code TEXT,
    structure TEXT NOT NULL,
    preamble TEXT NOT NULL DEFAULT '',
    source_name TEXT NOT NULL,
    stored_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    article_count INTEGER NOT NULL,
    warnings TEXT NOT NULL DEFAULT '[]',
    state TEXT NOT NULL,
    is_current INTEGER NOT NULL DEFAULT 0,
    superseded_by TEXT,
    added_at TEXT NOT NULL,
    indexed_at TEXT
);
CREATE INDEX IF NOT EXISTS versions_doc ON versions(doc_id);
CREATE INDEX IF NOT EXISTS versions_sha ON versions(sha256);
CREATE TABLE IF NOT EXISTS articles (
    version_id TEXT NOT NULL REFERENCES versions(version_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    label TEXT NOT NULL,
    number INTEGER NOT NULL,
    suffix INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL,
    headings TEXT NOT NULL DEFAULT '[]',
    paragraphs TEXT NOT NULL DEFAULT '[]',
    page INTEGER,
    clause_title TEXT,
    PRIMARY KEY (version_id, ordinal)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS version_sources (
    version_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    source_name TEXT NOT NULL,
    stored_name TEXT NOT NULL,
    PRIMARY KEY (version_id, sha256)
);
CREATE INDEX IF NOT EXISTS version_sources_sha ON version_sources(sha256);
CREATE TABLE IF NOT EXISTS article_alignment (
    doc_id TEXT NOT NULL,
    old_version TEXT NOT NULL,
    new_version TEXT NOT NULL,
    row INTEGER NOT NULL,
    old_label TEXT,
    new_label TEXT,
    old_ordinal INTEGER,
    new_ordinal INTEGER,
    status TEXT NOT NULL,
    similarity REAL NOT NULL,
    PRIMARY KEY (old_version, new_version, row)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS article_alignment_new ON article_alignment(new_version);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    version_id TEXT,
    detail TEXT NOT NULL
);
"""

_VERSION_COLUMNS = (
    "version_id, doc_id, title, doc_type, issuing_body, doc_number, promulgation_date, effective_date, "
    "declared_status, status, version, amendment_dates, standard_code, structure, source_name, stored_name, "
    "sha256, article_count, warnings, state, is_current, superseded_by, added_at, indexed_at"
)
_ARTICLE_SELECT = (
    "SELECT a.version_id, a.ordinal, a.label, a.number, a.suffix, a.kind, a.headings, a.paragraphs, a.page, "
    "a.clause_title, v.doc_id, v.title, v.doc_type, v.status, v.version, v.effective_date, v.issuing_body, "
    "v.is_current FROM articles a JOIN versions v ON v.version_id = a.version_id"
)
_SAFE_ID = re.compile(r"[^0-9A-Za-z]+")


def now_iso() -> str:
    """Return the current UTC time as an ISO timestamp with seconds."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def make_doc_id(title: str) -> str:
    """Return the stable ASCII id of a document: a hash of its title key (version notes dropped)."""
    norm = document_title_key(title)
    if not norm:
        raise CorpusError(f"cannot derive a document id from the empty title {title!r}. Give the document a title.")
    return "d" + hashlib.sha256(norm.encode("utf-8")).hexdigest()[:11]


def version_key(meta: DocumentMeta, sha256: str) -> str:
    """Return the part of a version id after the doc id: the text's version date, else a content hash prefix."""
    when = meta.version or meta.promulgation_date
    if when and re.fullmatch(r"\d{4}-\d{2}-\d{2}", when):
        return when.replace("-", "")
    return "h" + sha256[:10]


def is_same_version(meta: DocumentMeta, sha256: str, other: DocumentMeta, other_sha256: str) -> bool:
    """Return True when two texts of one document are the same version (same date, or undated but same effect)."""
    if version_key(meta, sha256) == version_key(other, other_sha256):
        return True
    # A PDF often lacks the header dates; the same effective date then identifies the same version.
    undated = not (meta.version or meta.promulgation_date) or not (other.version or other.promulgation_date)
    return undated and meta.effective_date is not None and meta.effective_date == other.effective_date


def make_version_id(doc_id: str, meta: DocumentMeta, sha256: str) -> str:
    """Return the version id {doc_id}-{YYYYMMDD or hash prefix}; short, ASCII, safe as a Chroma id."""
    return _SAFE_ID.sub("", doc_id) + "-" + version_key(meta, sha256)


@dataclass(frozen=True)
class VersionRow:
    """What the ingest module hands the catalog to record a new version."""

    version_id: str
    doc_id: str
    meta: DocumentMeta
    structure: str
    preamble: str
    source_name: str
    stored_name: str  # file name under settings.sources_dir
    sha256: str
    warnings: tuple[str, ...]
    articles: tuple[Article, ...]
    # (sha256, source_name, stored_name) of every file the version was built from; () means just this one.
    sources: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class Currency:
    """Derived standing of one version within its document."""

    is_current: bool
    status: str
    superseded_by: str | None


def _order_key(meta: DocumentMeta, added_at: str) -> tuple[str, str]:
    """Return the sort key putting a document's versions oldest first."""
    return (meta.version or meta.promulgation_date or meta.effective_date or "", added_at)


def assign_currency(versions: Sequence[DocumentVersion], declared: dict[str, str], today: date) -> dict[str, Currency]:
    """Return each version's current flag, status and successor: the newest version in force is current.

    A version whose effective date lies after today is 尚未施行 and never current; an older version in force
    is 已修改 and superseded by the next newer version in force; a version declared 已废止 stays repealed.
    """
    iso_today = today.isoformat()
    ordered = sorted(versions, key=lambda v: _order_key(v.meta, v.added_at))
    in_force = [
        v for v in ordered
        if declared[v.version_id] != STATUS_REPEALED
        and (v.meta.effective_date or "") <= iso_today
        and not (declared[v.version_id] == STATUS_NOT_YET and not v.meta.effective_date)
    ]
    current = in_force[-1].version_id if in_force else None
    result: dict[str, Currency] = {}
    for version in ordered:
        vid, said = version.version_id, declared[version.version_id]
        if said == STATUS_REPEALED:
            result[vid] = Currency(False, STATUS_REPEALED, None)
        elif version not in in_force:
            result[vid] = Currency(False, STATUS_NOT_YET, None)
        elif vid == current:
            result[vid] = Currency(True, STATUS_IN_FORCE if said == STATUS_NOT_YET else said, None)
        else:
            successor = in_force[in_force.index(version) + 1].version_id
            result[vid] = Currency(False, STATUS_AMENDED, successor)
    return result


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
        self._create_schema()

    def _create_schema(self) -> None:
        """Create the tables on first use and check the schema version of an existing file."""
        with self._lock:
            exists = self._conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'version_sources'").fetchone()
            if not exists:  # readers opening an existing catalog never take the write lock
                self._conn.execute("BEGIN IMMEDIATE")
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self._conn.execute(statement)
                self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
                self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('generation', 0)")
                self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('title_keys', ?)", (TITLE_KEYS_VERSION,))
                self._conn.execute("COMMIT")
            found = self._conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()[0]
        if found != SCHEMA_VERSION:
            raise CorpusError(
                f"{self.path}: catalog schema {found} is not the supported {SCHEMA_VERSION}. "
                "Rebuild the corpus into a fresh home folder (assistant --home NEW corpus init)."
            )
        self._upgrade_title_keys()
        self._upgrade_alignment_table()

    def _upgrade_title_keys(self) -> None:
        """Point the current rule's title keys at the documents an older rule filed the titles under.

        Without this, a catalog built when 宪法修正案（1988年） and （2018年） shared one key would file the next
        copy of either under a new document id, duplicating it. Existing documents keep their ids (splitting
        them takes a re-import); the older keys stay too. Runs once per catalog.
        """
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key='title_keys'").fetchone()
            if row is not None and row[0] >= TITLE_KEYS_VERSION:
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                titles = self._conn.execute("SELECT DISTINCT title, doc_id FROM versions").fetchall()
                self._conn.executemany(
                    "INSERT OR IGNORE INTO document_titles VALUES (?, ?)",
                    [(document_title_key(title), doc_id) for title, doc_id in titles],
                )
                self._conn.execute("INSERT OR REPLACE INTO meta VALUES ('title_keys', ?)", (TITLE_KEYS_VERSION,))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def _upgrade_alignment_table(self) -> None:
        """Add the article_alignment table to a catalog made before versions were compared (no rebuild needed).

        The table starts empty; Library.reconcile() fills it for documents with several versions.
        """
        with self._lock:
            if self._conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'article_alignment'").fetchone():
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _SCHEMA.split(";"):
                    if "article_alignment" in statement:
                        self._conn.execute(statement)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """Run a block as one IMMEDIATE transaction that also bumps the generation counter."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        """Return all rows of a read query."""
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    # ---- read API -------------------------------------------------------------------------------

    def generation(self) -> int:
        """Return a counter that grows with every committed change, so caches know when to refresh."""
        return int(self._query("SELECT value FROM meta WHERE key='generation'")[0][0])

    def versions(self, include_history: bool = True) -> list[DocumentVersion]:
        """Return ready versions, by document then newest first; without history only current and not-yet-in-force."""
        rows = self._query(
            f"SELECT {_VERSION_COLUMNS} FROM versions WHERE state = ? "
            "ORDER BY (SELECT d.title FROM documents d WHERE d.doc_id = versions.doc_id), doc_id, "
            "COALESCE(version, promulgation_date, effective_date, '') DESC, added_at DESC",
            (STATE_READY,),
        )
        found = [_version_from_row(row) for row in rows]
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
        return sorted(chosen, key=lambda v: (not v.is_current, _neg_order(v)))

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
            rows = self._query(
                f"{_ARTICLE_SELECT} WHERE a.version_id = ? AND v.state = ? AND a.ordinal IN ({marks})",
                (version_id, STATE_READY, *sorted(ordinals)),
            )
            for row in rows:
                article = _article_from_row(row)
                found[article.key] = article
        return found

    def iter_articles(self, version_ids: Iterable[str] | None = None) -> Iterator[StoredArticle]:
        """Yield the articles of the given ready versions (all ready versions by default), version by version."""
        ids = [v.version_id for v in self.versions()] if version_ids is None else list(version_ids)
        for version_id in ids:
            yield from self._articles_of(version_id)

    def _articles_of(self, version_id: str) -> list[StoredArticle]:
        """Return the articles of a ready version (empty when it is not ready)."""
        rows = self._query(
            f"{_ARTICLE_SELECT} WHERE a.version_id = ? AND v.state = ? ORDER BY a.ordinal",
            (version_id, STATE_READY),
        )
        return [_article_from_row(row) for row in rows]

    # ---- write methods used by assistant.corpus.library -------------------------------------------------

    def find_by_sha(self, sha256: str) -> DocumentVersion | None:
        """Return the ready version stored from (or partly from) a file with this SHA-256, if any."""
        rows = self._query(
            f"SELECT {_VERSION_COLUMNS} FROM versions WHERE state = ? AND (sha256 = ? OR version_id IN "
            "(SELECT version_id FROM version_sources WHERE sha256 = ?))",
            (STATE_READY, sha256, sha256),
        )
        return _version_from_row(rows[0]) if rows else None

    def known_shas(self) -> set[str]:
        """Return the SHA-256 of every file behind a ready version, for fast resumable bulk imports."""
        rows = self._query(
            "SELECT s.sha256 FROM version_sources s JOIN versions v ON v.version_id = s.version_id "
            "WHERE v.state = ? UNION SELECT sha256 FROM versions WHERE state = ?", (STATE_READY, STATE_READY))
        return {row[0] for row in rows}

    def version_sources(self, version_id: str) -> list[tuple[str, str, str]]:
        """Return (sha256, source_name, stored_name) of each file a version was built from, in order added."""
        return [tuple(row) for row in self._query(
            "SELECT sha256, source_name, stored_name FROM version_sources WHERE version_id = ? ORDER BY rowid",
            (version_id,))]

    def doc_id_for_title(self, title: str) -> str | None:
        """Return the doc id a (normalised) title already belongs to, if any."""
        rows = self._query("SELECT doc_id FROM document_titles WHERE norm_title = ?", (document_title_key(title),))
        return rows[0][0] if rows else None

    def version_state(self, version_id: str) -> str | None:
        """Return the state of a version in any state, or None when the id is unknown."""
        rows = self._query("SELECT state FROM versions WHERE version_id = ?", (version_id,))
        return rows[0][0] if rows else None

    def doc_versions(self, doc_id: str) -> list[DocumentVersion]:
        """Return every ready version of one document."""
        rows = self._query(f"SELECT {_VERSION_COLUMNS} FROM versions WHERE doc_id = ? AND state = ?",
                           (doc_id, STATE_READY))
        return [_version_from_row(row) for row in rows]

    def unfinished_versions(self) -> list[str]:
        """Return ids of versions left in 'indexing' or 'removing' (a change that did not finish)."""
        return [row[0] for row in self._query("SELECT version_id FROM versions WHERE state != ?", (STATE_READY,))]

    def ready_version_ids(self) -> list[str]:
        """Return the ids of all ready versions."""
        return [row[0] for row in self._query("SELECT version_id FROM versions WHERE state = ?", (STATE_READY,))]

    def doc_ids(self) -> list[str]:
        """Return every document id."""
        return [row[0] for row in self._query("SELECT doc_id FROM documents")]

    def begin_version(self, row: VersionRow) -> None:
        """Record a new version and its articles in state 'indexing', in one transaction."""
        meta = row.meta
        stamp = now_iso()
        with self._write() as conn:
            conn.execute("INSERT OR IGNORE INTO documents VALUES (?, ?, ?)", (row.doc_id, meta.title, stamp))
            conn.execute(
                "INSERT OR IGNORE INTO document_titles VALUES (?, ?)", (document_title_key(meta.title), row.doc_id)
            )
            conn.execute(
                f"INSERT INTO versions ({_VERSION_COLUMNS}) VALUES ({','.join('?' * 24)})",
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
        rows = self._query(f"{_ARTICLE_SELECT} WHERE a.version_id = ? ORDER BY a.ordinal", (version_id,))
        return [
            _article_from_row(row, status=standing.status, is_current=standing.is_current) for row in rows
        ]

    def mark_ready(self, version_id: str, today: date, *, retire: Sequence[str] = ()) -> DocumentVersion:
        """Mark a version ready, hide the versions it substitutes, re-derive current flags: one transaction."""
        with self._write() as conn:
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
        with self._write() as conn:
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
        with self._write() as conn:
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
        with self._write() as conn:
            conn.execute("INSERT INTO events (at, action, version_id, detail) VALUES (?, ?, ?, ?)",
                         (now_iso(), action, version_id, detail))

    def events(self, limit: int = 100) -> list[tuple[str, str, str | None, str]]:
        """Return the newest change-log entries as (at, action, version_id, detail)."""
        return [tuple(r) for r in self._query(
            "SELECT at, action, version_id, detail FROM events ORDER BY id DESC LIMIT ?", (limit,))]

    def refresh_currency(self, today: date) -> bool:
        """Re-derive current flags of every document (a pending version may have come into force); True if changed."""
        stale = [doc_id for doc_id in self.doc_ids() if self._currency_changes(doc_id, today)]
        if not stale:
            return False
        with self._write() as conn:
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
        rows = conn.execute(f"SELECT {_VERSION_COLUMNS} FROM versions WHERE doc_id = ? AND state = ?",
                            (doc_id, STATE_READY)).fetchall()
        versions = [_version_from_row(row) for row in rows]
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
            rows = self._query("SELECT declared_status FROM versions WHERE version_id = ?", (vid,))
            found[vid] = rows[0][0] if rows else STATUS_IN_FORCE
        return found

    def _version_any(self, version_id: str) -> tuple[DocumentVersion, str] | None:
        """Return (version, state) for a version in any state, or None."""
        rows = self._query(f"SELECT {_VERSION_COLUMNS} FROM versions WHERE version_id = ?", (version_id,))
        return (_version_from_row(rows[0]), rows[0][19]) if rows else None


def _neg_order(version: DocumentVersion) -> tuple[str, str]:
    """Return a key sorting newest versions first when used ascending."""
    key = _order_key(version.meta, version.added_at)
    return tuple("".join(chr(0x10FFFF - ord(ch)) for ch in part) for part in key)  # type: ignore[return-value]


def _version_from_row(row: Sequence) -> DocumentVersion:
    """Return a DocumentVersion from a row selected with _VERSION_COLUMNS."""
    (version_id, doc_id, title, doc_type, issuing_body, doc_number, promulgation_date, effective_date,
     _declared, status, version, amendment_dates, standard_code, structure, source_name, _stored, sha256,
     article_count, warnings, _state, is_current, superseded_by, added_at, _indexed_at) = row
    meta = DocumentMeta(
        title=title, doc_type=doc_type, issuing_body=issuing_body, doc_number=doc_number,
        promulgation_date=promulgation_date, effective_date=effective_date, status=status, version=version,
        amendment_dates=tuple(json.loads(amendment_dates)), standard_code=standard_code,
    )
    return DocumentVersion(
        version_id=version_id, doc_id=doc_id, meta=meta, source_name=source_name, sha256=sha256,
        article_count=article_count, warnings=tuple(json.loads(warnings)), is_current=bool(is_current),
        added_at=added_at, structure=structure, superseded_by=superseded_by,
    )


def _article_from_row(row: Sequence, *, status: str | None = None, is_current: bool | None = None) -> StoredArticle:
    """Return a StoredArticle from a row selected with _ARTICLE_SELECT."""
    (version_id, ordinal, label, number, suffix, kind, headings, paragraphs, page, clause_title, doc_id, title,
     doc_type, row_status, version, effective_date, issuing_body, row_current) = row
    article = Article(
        label=label, number=number, suffix=suffix, kind=kind, headings=tuple(json.loads(headings)),
        paragraphs=tuple(json.loads(paragraphs)), page=page, clause_title=clause_title,
    )
    return StoredArticle(
        version_id=version_id, doc_id=doc_id, ordinal=ordinal, article=article, title=title, doc_type=doc_type,
        status=row_status if status is None else status, version=version, effective_date=effective_date,
        issuing_body=issuing_body, is_current=bool(row_current) if is_current is None else is_current,
    )
