"""The catalog's SQLite schema, its upgrades in place for older files, and rows read back into records."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.corpus.identity import order_key
from assistant.corpus.versions import METHOD as ALIGNMENT_METHOD
from assistant.errors import CorpusError
from assistant.language.textnorm import document_title_key
from assistant.records import Article, DocumentMeta, DocumentVersion, StoredArticle

SCHEMA_VERSION = 1
# Version of the rule that maps titles to documents (textnorm.document_title_key); 2 keeps an amendment's year.
TITLE_KEYS_VERSION = 2

SCHEMA = """
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

VERSION_COLUMNS = (
    "version_id, doc_id, title, doc_type, issuing_body, doc_number, promulgation_date, effective_date, "
    "declared_status, status, version, amendment_dates, standard_code, structure, source_name, stored_name, "
    "sha256, article_count, warnings, state, is_current, superseded_by, added_at, indexed_at"
)
ARTICLE_SELECT = (
    "SELECT a.version_id, a.ordinal, a.label, a.number, a.suffix, a.kind, a.headings, a.paragraphs, a.page, "
    "a.clause_title, v.doc_id, v.title, v.doc_type, v.status, v.version, v.effective_date, v.issuing_body, "
    "v.is_current FROM articles a JOIN versions v ON v.version_id = a.version_id"
)


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


def open_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Create the tables on first use and check the schema version of an existing file."""
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'version_sources'").fetchone()
    if not exists:  # readers opening an existing catalog never take the write lock
        conn.execute("BEGIN IMMEDIATE")
        for statement in SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        conn.execute("INSERT OR IGNORE INTO meta VALUES ('generation', 0)")
        conn.execute("INSERT OR IGNORE INTO meta VALUES ('title_keys', ?)", (TITLE_KEYS_VERSION,))
        conn.execute("INSERT OR IGNORE INTO meta VALUES ('alignment_method', ?)", (ALIGNMENT_METHOD,))
        conn.execute("COMMIT")
    found = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()[0]
    if found != SCHEMA_VERSION:
        raise CorpusError(
            f"{path}: catalog schema {found} is not the supported {SCHEMA_VERSION}. "
            "Rebuild the corpus into a fresh home folder (assistant --home NEW corpus init)."
        )
    upgrade_title_keys(conn)
    upgrade_alignment_table(conn)


def upgrade_title_keys(conn: sqlite3.Connection) -> None:
    """Point the current rule's title keys at the documents an older rule filed the titles under.

    Without this, a catalog built when 宪法修正案（1988年） and （2018年） shared one key would file the next
    copy of either under a new document id, duplicating it. Existing documents keep their ids (splitting
    them takes a re-import); the older keys stay too. Runs once per catalog.
    """
    row = conn.execute("SELECT value FROM meta WHERE key='title_keys'").fetchone()
    if row is not None and row[0] >= TITLE_KEYS_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        titles = conn.execute("SELECT DISTINCT title, doc_id FROM versions").fetchall()
        conn.executemany(
            "INSERT OR IGNORE INTO document_titles VALUES (?, ?)",
            [(document_title_key(title), doc_id) for title, doc_id in titles],
        )
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('title_keys', ?)", (TITLE_KEYS_VERSION,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def upgrade_alignment_table(conn: sqlite3.Connection) -> None:
    """Add the article_alignment table to a catalog made before versions were compared (no rebuild needed).

    The table starts empty; Library.reconcile() fills it for documents with several versions.
    """
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'article_alignment'").fetchone():
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in SCHEMA.split(";"):
            if "article_alignment" in statement:
                conn.execute(statement)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def neg_order(version: DocumentVersion) -> tuple[str, str]:
    """Return a key sorting newest versions first when used ascending."""
    key = order_key(version.meta, version.added_at)
    return tuple("".join(chr(0x10FFFF - ord(ch)) for ch in part) for part in key)  # type: ignore[return-value]


def version_from_row(row: Sequence) -> DocumentVersion:
    """Return a DocumentVersion from a row selected with VERSION_COLUMNS."""
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


def article_from_row(row: Sequence, *, status: str | None = None, is_current: bool | None = None) -> StoredArticle:
    """Return a StoredArticle from a row selected with ARTICLE_SELECT."""
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
