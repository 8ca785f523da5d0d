"""版本对照 as HTML: two versions side by side with insertions and deletions marked, and the sources-panel note.

Everything from a document is escaped (html.escape plus brackets as entities, as in the sources panel); the
only markup is ours: <ins>, <del>, the table and the link to the comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from assistant.corpus import alignment_store
from assistant.corpus.alignment_store import Comparison, version_date
from assistant.corpus.catalog import Catalog
from assistant.corpus.versions import AMENDED, PART, STATUSES, char_diff, comparable, moved_part, summary
from assistant.records import StoredArticle
from assistant.ui.sources import escape_text

STATUS_WORDS = {"unchanged": "未变", "amended": "有修改", "renumbered": "条号变化", "added": "新增",
                "deleted": "删除", "split": "拆分", "merged": "合并", "part": "部分内容移入"}
assert set(STATUS_WORDS) == set(STATUSES)
VersionNote = Callable[[StoredArticle], tuple[str, str] | None]


def status_words(status: str) -> str:
    """Return a pair's status in Chinese: renumbered+amended -> 条号变化、有修改."""
    return "、".join(STATUS_WORDS.get(part, part) for part in status.split("+"))


def _year(date: str | None) -> str:
    return f"{date[:4]}年文本" if date and date[:4].isdigit() else f"{date or '另一版本'}文本"


def comparison_href(doc_id: str, focus: str | None = None) -> str:
    """Return the page address that opens the 版本对照 view of a document (at one article)."""
    return "?" + urlencode({"compare": doc_id, **({"article": focus} if focus else {})})


def version_note(catalog: Catalog, article: StoredArticle) -> tuple[str, str] | None:
    """Return (note, comparison link) for an article with counterparts in other versions, else None.

    「2016年文本第二十一条，现为第二十三条（有修改）」 for the 2025 article; the 2016 article says where it went.
    """
    rows = alignment_store.counterparts(catalog, article.version_id, article.ordinal)
    if not rows:
        return None
    mine = article.version or article.effective_date
    notes = []
    for row in rows:
        other = version_date(row.version)
        change = "有修改" if AMENDED in row.status.split("+") else "内容未变"
        if row.status == PART:  # 2016 第六十九条第一项 went into 2025 第六十九条
            older = other < (mine or "")
            notes.append(f"{_year(other)}{row.label}的部分内容移入此条" if older
                         else f"部分内容现见{_year(other)}{row.label}")
            continue
        if other < (mine or ""):
            if row.label is None:
                notes.append(f"{_year(mine)}新增，{_year(other)}中没有对应条文")
            else:
                where = "现为" if article.is_current else f"在{_year(mine)}中为"
                notes.append(f"{_year(other)}{row.label}，{where}{article.article.label}（{change}）")
        elif row.label is None:
            notes.append(f"{_year(other)}中没有对应条文（已删除或并入其他条文）")
        else:
            now = "现行" if row.version.is_current else ""
            notes.append(f"{now}{_year(other)}中为{row.label}（{change}）")
    return "；".join(notes), comparison_href(article.doc_id, article.article.label)


def version_notes(catalog: object) -> VersionNote | None:
    """Return the note function for the sources panel, or None for a catalog that stores no alignments."""
    if not isinstance(catalog, Catalog):
        return None
    return lambda article: version_note(catalog, article)


def _cells(old: str, new: str) -> tuple[str, str]:
    """Return the two texts as HTML, deletions marked in the old one and insertions in the new one."""
    left, right = [], []
    for piece in char_diff(old, new):
        text = escape_text(piece.text).replace("\n", "<br>")
        if piece.kind == "same":
            left.append(text)
            right.append(text)
        elif piece.kind == "delete":
            left.append(f"<del>{text}</del>")
        else:
            right.append(f"<ins>{text}</ins>")
    return "".join(left), "".join(right)


def _part_cells(old: str, new: str, old_kept: list[str], new_kept: list[str]) -> tuple[str, str]:
    """Return the two texts of a part pair as HTML, the paragraph or item that moved marked in the one holding it.

    The two articles are different provisions sharing one piece: a character diff of the whole would mark nearly
    everything, so the texts are shown whole and the piece they share is marked. old_kept and new_kept are the
    texts of each article's own counterparts (what stayed is not what moved).
    """
    found = moved_part(old, new, old_kept=old_kept, new_kept=new_kept)
    cells = []
    for side, text in (("old", old), ("new", new)):
        escaped = escape_text(text)
        if found and found[0] == side:
            piece = next((line for line in text.split("\n") if comparable(line) == found[1]), None)
            if piece:
                escaped = escaped.replace(escape_text(piece), f"<mark>{escape_text(piece)}</mark>", 1)
        cells.append(escaped.replace("\n", "<br>"))
    return cells[0], cells[1]


def render_comparison(catalog: Catalog, comparison: Comparison, *, changed_only: bool = False,
                      focus: str | None = None) -> str:
    """Return the 版本对照 HTML: a summary, then one row per article pair, old text left and new text right."""
    old, new = comparison.old, comparison.new
    old_texts = {a.ordinal: a.article.text for a in catalog.articles(old.version_id)}
    new_texts = {a.ordinal: a.article.text for a in catalog.articles(new.version_id)}
    counts = "，".join(f"{STATUS_WORDS[s]} {n}" for s, n in summary(comparison.pairs).items())
    in_force = version_date(new) if new.is_current else version_date(old) if old.is_current else "均非现行"
    head = (f'<div class="compare-summary">《{escape_text(new.meta.title)}》 {escape_text(version_date(old))} 文本 → '
            f"{escape_text(version_date(new))} 文本：{escape_text(counts)}。现行有效：{escape_text(in_force)}</div>")
    # The articles' own pairs: what a part row's articles kept, as against the piece that moved.
    own = [p for p in comparison.pairs if p.status != PART and p.old_ordinal is not None and p.new_ordinal is not None]
    rows = []
    for pair in comparison.pairs:
        if changed_only and pair.status in ("unchanged", "renumbered"):
            continue
        before = old_texts.get(pair.old_ordinal, "") if pair.old_ordinal is not None else ""
        after = new_texts.get(pair.new_ordinal, "") if pair.new_ordinal is not None else ""
        if pair.status == PART:
            left, right = _part_cells(
                before, after, [new_texts[p.new_ordinal] for p in own if p.old_ordinal == pair.old_ordinal],
                [old_texts[p.old_ordinal] for p in own if p.new_ordinal == pair.new_ordinal])
        else:
            left, right = _cells(before, after)
        chosen = focus is not None and focus in (pair.old_label, pair.new_label)
        rows.append(
            f'<tr class="{"focus" if chosen else ""}">'
            f'<td class="label">{escape_text(pair.old_label or "—")}</td><td class="text">{left}</td>'
            f'<td class="label">{escape_text(pair.new_label or "—")}</td><td class="text">{right}</td>'
            f'<td class="status">{escape_text(status_words(pair.status))}<br>{pair.similarity:.2f}</td></tr>'
        )
    if focus is not None:
        rows.sort(key=lambda row: not row.startswith('<tr class="focus"'))  # the article asked about first
    table = (f'<table class="compare"><thead><tr><th colspan="2">{escape_text(version_date(old))} 文本</th>'
             f'<th colspan="2">{escape_text(version_date(new))} 文本</th><th>变化 / 相似度</th></tr></thead>'
             f"<tbody>{''.join(rows)}</tbody></table>")
    return f'<div class="version-compare">{head}{table}</div>'


def multi_version_documents(catalog: Catalog) -> list[tuple[str, str]]:
    """Return (title, doc id) of every document with two or more versions, for the view's choice."""
    by_doc: dict[str, list] = {}
    for version in catalog.versions(include_history=True):
        by_doc.setdefault(version.doc_id, []).append(version)
    return [(versions[0].meta.title, doc_id) for doc_id, versions in by_doc.items() if len(versions) > 1]
