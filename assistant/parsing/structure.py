"""SourceText -> ParsedDocument: 编/章/节 headings, 条 with their 款 and 项, annexes, header metadata (the
numbering and size checks are in parsing/checks.py; the line recognisers, headings and article starts, in
parsing/lines.py).

Conventions of the result:
- Article.label is the label as printed (第二十一条, 第二百五十三条之一); Article.paragraphs are the article's
  款 as printed, the first one WITHOUT the label prefix (the label lives in Article.label only).
- 项 and 目 lines (（一）…, 1. …) stay inside the paragraph they belong to, joined with "\\n".
- Article.headings is the path of 编/章/节 (and other) headings above the article, whitespace-normalised
  ("第一章 总则" even where printed "第一章　总  则").
- An article starts only where a line or paragraph starts with 第X条 followed by a space, a full-width space or
  the end of the line; 「依照本法第二十一条」 inside a sentence is a cross reference, never a heading.
- Text under a heading after the last article is an annex (kind="annex", labelled 附件：<heading>).
- A text without 条 but with numbered clauses (8.1.4.2 访问控制) is parsed as a standard (kind="clause");
  a text with neither is split into paragraphs (kind="paragraph", label 第N段) with a warning.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import CorpusError
from assistant.parsing import header as hdr
from assistant.parsing.checks import check_numbering, check_size
from assistant.parsing.clauses import looks_like_standard, parse_clauses, standard_meta
from assistant.parsing.lines import ITEM_START, MD_HEADING, Line, article_start, blank_comments, heading_of, split_lines
from assistant.records import Article, DocumentMeta, ParsedDocument, SourceText

logger = logging.getLogger(__name__)

_INFO_END = "<!-- INFO END -->"
_SENTENCE_END = re.compile(r"[。，；]")
# First lines that are not the title: 中华人民共和国主席令 / 第八十四号 / a standard's code, ICS or cover.
_COVER_LINE = re.compile(
    r"令$|^第\S{1,8}号$|^ICS\b|^[A-Z]{1,2}/?[A-Z]?\s*\d+(?:\.\d+)?\s*[—–-]+\s*\d{4}$|国家标准$|行业标准$|公告$"
)
_TITLE_LIKE = re.compile(
    r"(?:法|条例|规定|办法|细则|规则|决定|解释|意见|通知|标准|要求|指南|规范|准则|方案|批复|决议)"
    r"(?:[（(][^）)]{1,20}[）)])?$"
)
_ANNEX_NAMED = re.compile(r"^(?:附件|附录|附表)")
_TOC = re.compile(r"目[^\S\n]*录")


@dataclass
class _OpenArticle:
    number: int
    suffix: int
    label: str
    offset: int
    headings: tuple[str, ...]
    paragraphs: list[str] = field(default_factory=list)
    kind: str = "article"

    def add_line(self, text: str) -> None:
        """Add a line: a 项 or 目 (（一）…, 1. …) joins the paragraph it belongs to, anything else starts a 款."""
        if self.paragraphs and ITEM_START.match(text):
            self.paragraphs[-1] += "\n" + text
        else:
            self.paragraphs.append(text)


def _split_header(source: SourceText, lines: list[Line]) -> tuple[str | None, list[Line], list[Line]]:
    """Return (title, header lines, body lines): the title line, the 题注 block and everything after."""
    title = None
    rest = lines
    if rest and rest[0].text.startswith("# "):
        title = rest[0].text[2:].strip()
        rest = rest[1:]
    elif rest and _INFO_END not in source.text:
        index = _title_index(rest)
        if index is not None:
            title = clean_title(rest[index].text)
            # What precedes the title (a 主席令 or a standard's cover lines) is header: it holds 文号 and dates.
            cover, rest = rest[:index], rest[index + 1:]
            header, body = _header_lines(rest)
            return title, cover + header, body
    info_end = source.text.find(_INFO_END)
    if info_end >= 0:
        header = [line for line in rest if line.offset < info_end]
        return title, header, [line for line in rest if line.offset > info_end]
    header, body = _header_lines(rest)
    return title, header, body


def _header_lines(lines: list[Line]) -> tuple[list[Line], list[Line]]:
    """Return (题注 lines, the rest): the dated or bracketed lines right after the title."""
    header = []
    for line in lines[:8]:
        text = line.text
        is_note = text.startswith(("（", "(")) or text.endswith(("）", ")"))
        if article_start(text) or heading_of(text) or not (hdr.find_dates(text) or is_note):
            break
        header.append(line)
    return header, lines[len(header):]


def clean_title(text: str) -> str:
    """Return a printed title with letter-spacing removed (「数 据 安 全 法」) but word spaces kept."""
    parts = text.split()
    if len(parts) > 2 and sum(len(part) for part in parts) <= 2 * len(parts):
        return "".join(parts)
    return " ".join(parts)


def _could_be_title(text: str) -> bool:
    """Return True for a short line that is not an article, heading, date line or sentence."""
    return (
        len(text) <= 80
        and not article_start(text)
        and heading_of(text) is None
        and not hdr.find_dates(text)
        and not _SENTENCE_END.search(text)
    )


def _title_index(lines: list[Line]) -> int | None:
    """Return the index of the title line of a plain text, skipping a promulgation order or a standard's cover."""
    if not lines or not _could_be_title(lines[0].text):
        return None
    if not _COVER_LINE.search(lines[0].text):
        return 0
    for index, line in enumerate(lines[1:15], start=1):
        if article_start(line.text) or heading_of(line.text):
            break
        if _could_be_title(line.text) and _TITLE_LIKE.search(line.text) and not _COVER_LINE.search(line.text):
            return index
    return 0


def _parse_articles(body: list[Line]) -> tuple[list[_OpenArticle], list[str]]:
    """Return the articles found in body lines and the preamble lines before the first one.

    Text under a heading after the last article is an annex (附件《网络安全事件分级指南》): it becomes a unit of its
    own, labelled by its heading, so that a citation of the last article (本办法自…起施行) does not stand for it.
    Text under a heading that a later article follows (a note between chapters) stays with the article before.
    """
    articles: list[_OpenArticle] = []
    preamble: list[str] = []
    stack: list[tuple[int, str]] = []
    current: _OpenArticle | None = None
    pending: list[tuple[int, str, int]] = []  # (heading depth or 0 for text, text, offset) after the last article
    for line in body:
        heading = heading_of(line.text)
        if heading is not None:
            level, text = heading
            stack = [entry for entry in stack if entry[0] < level] + [heading]
            current = None
            if articles:
                pending.append((_depth(line.text, level), text, line.offset))
            continue
        start = article_start(line.text)
        if start is not None:
            if pending:
                articles[-1].paragraphs.extend(text for level, text, _ in pending if not level)
                pending = []
            number, suffix, label, rest = start
            current = _OpenArticle(number, suffix, label, line.offset, tuple(text for _, text in stack))
            if rest:
                current.paragraphs.append(rest)
            articles.append(current)
            continue
        text = re.sub(r"^>\s*", "", line.text)
        if current is None and articles:
            pending.append((0, text, line.offset))
        elif current is None:
            if not _TOC.fullmatch(text):
                preamble.append(text)
        else:
            current.add_line(text)
    articles += _annexes(pending)
    return articles, preamble


def _depth(line: str, level: int) -> int:
    """Return how deep a heading is among the headings after the last article: its count of # in Markdown (an annex's
    sections are all of one level to heading_of), else its level; never 0, which marks text."""
    md = MD_HEADING.match(line)
    return len(md.group(1)) if md else level + 1


def _annexes(pending: list[tuple[int, str, int]]) -> list[_OpenArticle]:
    """Return the text after the last article as annex units, one per heading of the first one's level (刑法's
    附件一, 附件二), each labelled by its heading (附件：网络安全事件分级指南); lower headings (一、特别重大网络安全
    事件) stay in the text, where they say what the lines under them are about."""
    top = next((level for level, _, _ in pending if level), 0)
    annexes: list[_OpenArticle] = []
    for level, text, offset in pending:  # the first entry is a heading: text after the last article follows one
        if level and level <= top:
            label = text if _ANNEX_NAMED.match(text) else f"附件：{text}"
            annexes.append(_OpenArticle(0, 0, label, offset, (text,), kind="annex"))
        elif annexes:
            annexes[-1].add_line(text)  # items join their lead-in, as in an article
    return [annex for annex in annexes if annex.paragraphs]


def _is_quotation_only(opened: list[_OpenArticle], preamble_lines: list[str]) -> bool:
    """Return True when 第X条 lines are quotations in a text that is mostly something else (a case report)."""
    if (opened[0].number, opened[0].suffix) == (1, 0):
        return False
    article_chars = sum(len(paragraph) for item in opened for paragraph in item.paragraphs)
    return sum(len(line) for line in preamble_lines) > article_chars


def _paragraph_articles(body: list[Line], source: SourceText) -> list[Article]:
    """Return each paragraph of a text without 条 as an Article of kind "paragraph", labelled 第N段."""
    articles = []
    stack: list[tuple[int, str]] = []
    for line in body:
        heading = heading_of(line.text)
        if heading is not None:
            stack = [entry for entry in stack if entry[0] < heading[0]] + [heading]
            continue
        number = len(articles) + 1
        articles.append(
            Article(
                label=f"第{number}段",
                number=number,
                kind="paragraph",
                headings=tuple(text for _, text in stack),
                paragraphs=(line.text,),
                page=source.page_at(line.offset),
            )
        )
    return articles


def _build_meta(
    title: str, header_text: str, articles: list[Article], preamble: str, today: dt.date | None
) -> tuple[DocumentMeta, list[str]]:
    """Return the document's metadata from its header, preamble and final articles, plus warnings."""
    warnings: list[str] = []
    events = hdr.header_events(header_text)
    version = hdr.version_date(events)
    promulgated = [event.date for event in events if event.kind == "promulgated"]
    promulgation = version or (max(promulgated) if promulgated else None)
    # 「自公布之日起施行」 speaks of the first promulgation, not of a later revision.
    first = min((event.date for event in events if event.kind in ("adopted", "promulgated")), default=promulgation)
    header_effective = [event.date for event in events if event.kind == "effective"]
    tail = [article.text for article in reversed(articles[-6:])]
    effective = max(header_effective) if header_effective else hdr.effective_date_in(tail, first)
    if effective and version and effective < version and not header_effective:
        warnings.append(
            f"正文所载施行日期{effective}早于最新修改日期{version}，是原文本的施行日期；本版本的施行日期未在文本中载明，"
            "请在导入时补充（printed effective date predates the latest amendment）"
        )
        effective = None
    amendments = tuple(sorted({event.date for event in events if event.kind == "amended"}))
    body, doc_type = hdr.guess_issuer(title, header_text + "\n" + preamble[:500])
    meta = DocumentMeta(
        title=title,
        doc_type=doc_type,
        issuing_body=body,
        doc_number=hdr.find_doc_number(header_text + "\n" + preamble[:500]),
        promulgation_date=promulgation,
        effective_date=effective,
        status=hdr.status_for(effective, today),
        version=version,
        amendment_dates=amendments,
    )
    return meta, warnings


def parse_document(
    source: SourceText, *, title_hint: str | None = None, today: dt.date | None = None
) -> ParsedDocument:
    """Return the document split into articles (or clauses, or paragraphs) with its header metadata.

    title_hint, when given, is used as the title (a maintainer's or catalog's title beats the printed one);
    otherwise the title is the Markdown `# ` line, or the first short line of other text, or the file name.
    today only fixes "now" for the 尚未施行 status in tests.
    """
    text = blank_comments(source.text)
    lines = split_lines(text)
    printed_title, header_lines, body = _split_header(source, lines)
    title = title_hint or printed_title or Path(source.path).stem
    header_text = "\n".join(line.text for line in header_lines)
    opened, preamble_lines = _parse_articles(body)
    warnings: list[str] = []
    if opened and _is_quotation_only(opened, preamble_lines):
        warnings.append(
            f"只有{len(opened)}处以第X条开头的行且正文大多在其之前，视为引用而非条文"
            "（the few 第X条 lines look like quotations, not the document's own articles）"
        )
        opened = []
    if opened:
        structure = "articles"
        articles = [
            Article(
                label=item.label,
                number=item.number,
                suffix=item.suffix,
                headings=item.headings,
                paragraphs=tuple(item.paragraphs),
                page=source.page_at(item.offset),
                kind=item.kind,
            )
            for item in opened
        ]
        warnings += check_numbering([article for article in articles if article.kind == "article"])
        empty = [article.label for article in articles if not article.paragraphs]
        if empty:
            warnings.append(f"以下条文没有正文（articles without text）：{'、'.join(empty[:10])}")
    elif looks_like_standard(body):
        structure = "clauses"
        articles, clause_warnings = parse_clauses(body, source)
        warnings += clause_warnings
        preamble_lines = []
    else:
        structure = "paragraphs"
        articles = _paragraph_articles(body, source)
        warnings.append(
            f"未识别到条文结构（第X条），已按段落切分为{len(articles)}段"
            "（no 第X条 structure found; the text was split into paragraphs）"
        )
    warnings += check_size(articles, source.path)
    preamble = "\n".join(preamble_lines)
    meta, meta_warnings = _build_meta(title, header_text, articles, preamble, today)
    warnings += meta_warnings
    if structure == "clauses":
        meta = standard_meta(meta, header_text + "\n" + text[:3000], today)
    if not articles:
        raise CorpusError(
            f"{source.path}: no text to cite was found after the title and header (the file holds no articles "
            "or paragraphs). Check that the file is the complete document and add it again."
        )
    logger.debug("parsed path=%s structure=%s units=%d warnings=%d", source.path, structure, len(articles),
                 len(warnings))
    return ParsedDocument(meta=meta, articles=tuple(articles), structure=structure, warnings=tuple(warnings),
                          preamble=preamble)

