"""The sources panel beside an answer, its marker choices, and the Markdown export of an answer."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from assistant.records import (
    STATUS_AMENDED,
    STATUS_IN_FORCE,
    STATUS_NOT_YET,
    STATUS_REPEALED,
    Answer,
    Citation,
    StoredArticle,
)

ArticleResolver = Callable[[Iterable[str]], dict[str, StoredArticle]]
# (note, link) for an article with counterparts in other versions (assistant.ui.version_view.version_note).
VersionNote = Callable[[StoredArticle], "tuple[str, str] | None"]
_BADGE_CLASS = {
    STATUS_IN_FORCE: "badge-in-force",
    STATUS_AMENDED: "badge-amended",
    STATUS_REPEALED: "badge-repealed",
    STATUS_NOT_YET: "badge-not-yet",
}
_EMPTY = '<div class="sources-empty">提问后，这里会列出回答引用的每一条原文。</div>'


def escape_text(text: object) -> str:
    """Return text escaped for HTML, quotes included, brackets as entities.

    The panel is HTML, but document text must not carry Markdown link or image syntax (![x](http://...))
    either, in case any renderer on the way treats it as Markdown; entities look the same in the page.
    """
    return html.escape(str(text), quote=True).replace("[", "&#91;").replace("]", "&#93;")


def known_articles(answer: Answer, resolver: ArticleResolver | None = None) -> dict[str, StoredArticle]:
    """Return every article the answer's retrieval saw, keyed by version_id#ordinal, plus cited ones resolved."""
    found: dict[str, StoredArticle] = {}
    result = answer.retrieval
    if result is not None:
        for hit in (*result.hits, *result.linked):
            found.setdefault(hit.article.key, hit.article)
        for lookup in result.lookups:
            if lookup.article is not None:
                found.setdefault(lookup.article.key, lookup.article)
    missing = [f"{c.version_id}#{c.ordinal}" for c in answer.citations]
    missing = [key for key in missing if key not in found]
    if missing and resolver is not None:
        found.update(resolver(missing))
    return found


def status_badge(status: str) -> str:
    """Return the HTML badge of a version status (现行有效/已修改/已废止/尚未施行)."""
    return f'<span class="badge {_BADGE_CLASS.get(status, "badge-other")}">{escape_text(status)}</span>'


def _article_meta(article: StoredArticle | None, citation: Citation | None) -> str:
    """Return the line of chapter, issuing body, version and effective date."""
    parts = []
    if article is not None:
        parts += list(article.article.headings)
        if article.issuing_body:
            parts.append(f"发布机关：{article.issuing_body}")
    version = article.version if article else citation.version if citation else None
    effective = article.effective_date if article else citation.effective_date if citation else None
    parts.append(f"版本：{version or '未注明'}")
    parts.append(f"施行日期：{effective or '未注明'}")
    return " · ".join(escape_text(p) for p in parts)


def _article_body(article: StoredArticle | None, quote: str) -> str:
    """Return the article's paragraphs as HTML, the quoted part marked."""
    if article is None:
        return f"<p>{escape_text(quote) if quote else '（原文暂不可用）'}</p>"
    escaped_quote = escape_text(quote.strip()) if quote else ""
    paragraphs = []
    for paragraph in article.article.paragraphs:
        body = escape_text(paragraph).replace("\n", "<br>")
        if escaped_quote and escaped_quote in body:
            body = body.replace(escaped_quote, f"<mark>{escaped_quote}</mark>", 1)
        paragraphs.append(f"<p>{body}</p>")
    return "".join(paragraphs) or "<p>（本条无正文）</p>"


def _version_line(article: StoredArticle | None, versions: VersionNote | None) -> str:
    """Return the line saying where the article is in the document's other versions, with the comparison link."""
    found = versions(article) if versions is not None and article is not None else None
    if not found:
        return ""
    note, href = found
    return (f'<div class="version-note">{escape_text(note)} · '
            f'<a href="{html.escape(href, quote=True)}" target="_blank" rel="noopener">版本对照</a></div>')


def _source_card(anchor: str, heading: str, article: StoredArticle | None, citation: Citation | None,
                 *, is_open: bool, selected: bool, versions: VersionNote | None = None) -> str:
    """Return one collapsible card of the sources panel."""
    status = article.status if article else citation.status if citation else ""
    classes = "source selected" if selected else "source"
    return (
        f'<details class="{classes}" id="{anchor}"{" open" if is_open else ""}>'
        f"<summary>{heading} {status_badge(status)}</summary>"
        f'<div class="source-meta">{_article_meta(article, citation)}</div>'
        f"{_version_line(article, versions)}"
        f'<div class="source-text">{_article_body(article, citation.quote if citation else "")}</div>'
        "</details>"
    )


def render_sources(answer: Answer | None, selected: int | None = None,
                   resolver: ArticleResolver | None = None, versions: VersionNote | None = None) -> str:
    """Return the sources panel HTML: each cited article in full, then linked articles beneath.

    With versions, an article that has a counterpart in another version of its document says where.
    """
    if answer is None:
        return _EMPTY
    articles = known_articles(answer, resolver)
    cards = []
    for citation in answer.citations:
        key = f"{citation.version_id}#{citation.ordinal}"
        heading = f'<span class="marker">[{citation.marker}]</span> {escape_text(citation.label)}'
        is_open = selected == citation.marker if selected is not None else len(answer.citations) <= 3
        cards.append(_source_card(f"src-{citation.marker}", heading, articles.get(key), citation,
                                  is_open=is_open, selected=selected == citation.marker, versions=versions))
    if not cards:
        note = "本次回答未引用条文。" if answer.declined else "没有可显示的引用条文。"
        cards.append(f'<div class="sources-empty">{note}</div>')
    cited = {f"{c.version_id}#{c.ordinal}" for c in answer.citations}
    # A declined answer has nothing for linked articles to complete.
    linked_hits = answer.retrieval.linked if answer.retrieval and not answer.declined else ()
    linked = [h.article for h in linked_hits if h.article.key not in cited]
    if linked:
        cards.append('<h4 class="linked-title">相关条文（如罚则）</h4>')
        for index, article in enumerate(linked, 1):
            heading = f"{escape_text('《' + article.title + '》' + article.article.label)}"
            cards.append(_source_card(f"linked-{index}", heading, article, None, is_open=False, selected=False))
    return '<div class="sources">' + "".join(cards) + "</div>"


def marker_choices(answer: Answer | None) -> list[tuple[str, int]]:
    """Return (label, marker) pairs for choosing which cited article to open."""
    if answer is None:
        return []
    return [(f"[{c.marker}] {c.label}", c.marker) for c in answer.citations]


def answer_markdown(answer: Answer, shown_text: str | None = None,
                    resolver: ArticleResolver | None = None) -> str:
    """Return an answer with its question and the full text of every cited article, as Markdown."""
    articles = known_articles(answer, resolver)
    lines = ["# 问题", "", answer.question, "", "## 回答", "", shown_text or answer.text, ""]
    if answer.citations:
        lines += ["## 引用条文", ""]
    for c in answer.citations:
        article = articles.get(f"{c.version_id}#{c.ordinal}")
        lines.append(f"[{c.marker}] {c.label}（版本：{c.version or '未注明'}；施行日期："
                     f"{c.effective_date or '未注明'}；{c.status}）")
        body = article.article.paragraphs if article else ((c.quote,) if c.quote else ())
        lines += [f"> {p}" for p in body] + [""]
    for notice in answer.notices:
        lines.append(f"> 提示：{notice}")
    return "\n".join(lines).rstrip() + "\n"


def export_answer(answer: Answer, folder: Path, shown_text: str | None = None,
                  resolver: ArticleResolver | None = None) -> Path:
    """Write the Markdown export of answer into folder and return the file."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"回答-{datetime.now():%Y%m%d-%H%M%S-%f}.md"
    path.write_text(answer_markdown(answer, shown_text, resolver), encoding="utf-8")
    return path
