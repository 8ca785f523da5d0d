"""Read-only views of the catalog under `assistant corpus`: list, show and compare (registered on the group)."""

from __future__ import annotations

import json
import unicodedata
from typing import TYPE_CHECKING

import click

from assistant.cli import AppContext, fail, pass_app
from assistant.cli.corpus import corpus, open_catalog
from assistant.corpus.library_listing import matches, source_gaps
from assistant.errors import AssistantError
from assistant.records import DocumentVersion

if TYPE_CHECKING:
    from assistant.corpus.catalog import Catalog



def _version_json(version: DocumentVersion) -> dict[str, object]:
    """Return the JSON object `corpus list --json` prints for one version."""
    meta = version.meta
    return {
        "id": version.version_id, "doc_id": version.doc_id, "title": meta.title, "type": meta.doc_type,
        "issuing_body": meta.issuing_body, "version": meta.version, "effective": meta.effective_date,
        "status": meta.status, "current": version.is_current, "articles": version.article_count,
        "warnings": list(version.warnings), "omitted": source_gaps(version) or None,
    }


def _width(text: str) -> int:
    """Return the terminal width of text (CJK characters take two columns)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _clip(text: str, width: int) -> str:
    """Return text cut to width terminal columns with an ellipsis (seven co-issuing bodies would widen every row)."""
    if _width(text) <= width:
        return text
    while _width(text) > width - 1:
        text = text[:-1]
    return text + "…"


def _table(rows: list[list[str]]) -> str:
    """Return rows as a left-aligned text table."""
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip() for row in rows
    )


@corpus.command(name="list")
@click.option("--all", "show_all", is_flag=True, help="Include earlier versions kept as history.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per document version.")
@click.option("--search", metavar="WORDS", default="",
              help="Only versions whose title, type, issuing body, dates or status contain every word.")
@pass_app
def list_(app: AppContext, show_all: bool, as_json: bool, search: str) -> None:
    """List the documents in the corpus, one line per version (the columns of the chat's 收录法规 tab).

    \b
    Examples:
        assistant corpus list
        assistant corpus list --all --search 网络安全法
        assistant corpus list --all --json
    """
    try:
        versions = [v for v in open_catalog(app.settings).versions(include_history=show_all) if matches(v, search)]
    except AssistantError as err:
        raise fail(err) from err
    if as_json:
        for version in versions:
            click.echo(json.dumps(_version_json(version), ensure_ascii=False))
        return
    if not versions:
        click.echo(f"No version matches {search!r}; try fewer words, or add --all for earlier versions." if search
                   else "The corpus is empty. Run `assistant corpus init` or `assistant corpus add FILE`.")
        return
    rows = [["ID", "TITLE", "TYPE", "ISSUING BODY", "VERSION", "EFFECTIVE", "STATUS", "CURRENT", "ARTICLES"]]
    for v in versions:
        rows.append([v.version_id, v.meta.title, v.meta.doc_type, _clip(v.meta.issuing_body or "-", 30),
                     v.meta.version or "-",
                     v.meta.effective_date or "-", v.meta.status, "*" if v.is_current else "", str(v.article_count)])
    click.echo(_table(rows))
    click.echo(f"{len({v.doc_id for v in versions})} document(s), {len(versions)} version(s).")


@corpus.command()
@click.argument("doc")
@pass_app
def show(app: AppContext, doc: str) -> None:
    """Show a document's metadata, its versions and parse warnings (DOC: id, title or part of a title).

    \b
    Examples:
        assistant corpus show 网络安全法
        assistant corpus show dfc93dcab1fd-20251028
    """
    try:
        catalog = open_catalog(app.settings)
        versions = catalog.resolve(doc)
        for version in versions:
            click.echo(_describe(version, catalog))
            click.echo("")
    except AssistantError as err:
        raise fail(err) from err


def _describe(version: DocumentVersion, catalog: Catalog) -> str:
    """Return the block `corpus show` prints for one version."""
    meta = version.meta
    fields = [
        ("Version id", version.version_id), ("Document id", version.doc_id), ("Title", meta.title),
        ("Type", meta.doc_type), ("Issuing body", meta.issuing_body), ("Document number", meta.doc_number),
        ("Promulgated", meta.promulgation_date), ("Effective", meta.effective_date), ("Version", meta.version),
        ("Amended", "、".join(meta.amendment_dates) or None), ("Standard", meta.standard_code),
        ("Status", meta.status + (" (current)" if version.is_current else "")),
        ("Superseded by", version.superseded_by), ("Structure", f"{version.structure}, {version.article_count} units"),
        ("Source", f"{version.source_name} (sha256 {version.sha256[:16]}...)"), ("Added", version.added_at),
    ]
    lines = [f"{name + ':':<17}{value}" for name, value in fields if value]
    headings = []
    for article in catalog.articles(version.version_id):
        for heading in article.article.headings[:1]:
            if heading not in headings:
                headings.append(heading)
    if headings:
        lines.append(f"{'Chapters:':<17}" + " / ".join(headings[:12]) + (" ..." if len(headings) > 12 else ""))
    lines += [f"{'Warning:':<17}{warning}" for warning in version.warnings]
    return "\n".join(lines)


@corpus.command()
@click.argument("title")
@click.option("--from", "from_version", metavar="VERSION", help="Older version: its id, date or year (2016).")
@click.option("--to", "to_version", metavar="VERSION", help="Newer version: its id, date or year (2025).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per article pair, then the summary.")
@pass_app
def compare(app: AppContext, title: str, from_version: str | None, to_version: str | None, as_json: bool) -> None:
    """Compare two versions of a document article by article (paired by text, not by number).

    Without --from/--to the two newest versions are compared. Each row pairs an old article with its
    counterpart: unchanged, amended, renumbered, added, deleted, split or merged (or a combination); a
    "part" row says a paragraph or item of the old article is now in the new one.

    \b
    Examples:
        assistant corpus compare 网络安全法
        assistant corpus compare 网络安全法 --from 2016 --to 2025 --json
    """
    from assistant.corpus.alignment_store import compare as compare_versions
    from assistant.corpus.alignment_store import version_date
    from assistant.corpus.versions import summary

    try:
        comparison = compare_versions(open_catalog(app.settings), title, from_version, to_version)
    except AssistantError as err:
        raise fail(err) from err
    counts = summary(comparison.pairs)
    if as_json:
        for pair in comparison.pairs:
            click.echo(json.dumps(pair.as_json(), ensure_ascii=False))
        click.echo(json.dumps({"summary": counts, "from": comparison.old.version_id, "to": comparison.new.version_id},
                              ensure_ascii=False))
        return
    old, new = comparison.old, comparison.new
    click.echo(f"《{new.meta.title}》 {version_date(old)} ({old.version_id}) -> {version_date(new)} ({new.version_id})")
    rows = [["OLD", "NEW", "STATUS", "SIMILARITY"]]
    rows += [[p.old_label or "-", p.new_label or "-", p.status, f"{p.similarity:.2f}"] for p in comparison.pairs]
    click.echo(_table(rows))
    click.echo("Summary: " + ", ".join(f"{status} {count}" for status, count in counts.items()) + ".")
