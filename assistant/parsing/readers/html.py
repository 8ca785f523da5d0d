"""HTML pages of government sites -> the regulation's main text only (no menus, headers, footers, scripts)."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.errors import CorpusError
from assistant.language.numerals import CN_NUMERAL
from assistant.parsing.readers.text import decode_bytes
from assistant.records import SourceText

MAX_TAGS = 200_000
_DROP_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "button",
              "select", "svg", "template")
# Class/id words that mark site chrome on gov.cn-style pages.
_CHROME = re.compile(r"(?:^|[-_\s])(nav|menu|footer|header|breadcrumb|crumb|share|sidebar|toolbar|copyright|"
                     r"related|login|search|banner|topbar|bottom)(?:$|[-_\s\d])", re.IGNORECASE)
_BLOCK_TAGS = ("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "table",
               "blockquote", "pre", "dd", "dt", "ul", "ol", "main", "td")
_CANDIDATE_TAGS = ("div", "article", "section", "main", "td", "body")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_TITLE_LIKE = re.compile(
    r"(?:法|条例|规定|办法|细则|规则|决定|解释|意见|通知|标准|要求|指南|规范|准则|方案|批复|决议)"
    r"(?:[（(][^）)]{1,20}[）)])?$"
)
_ARTICLE_LINE = re.compile(rf"\n\s*第[{CN_NUMERAL}\d]+条")
_NODE_ARTICLE = re.compile(rf"\s*第[{CN_NUMERAL}\d]+条")


def _decode_html(path: Path, content: bytes) -> tuple[str, str]:
    """Return (text, encoding), trusting the page's declared charset when it decodes strictly."""
    declared = _META_CHARSET.search(content[:4096])
    if declared and not content.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        name = declared.group(1).decode("ascii").lower()
        # Pages labelled gb2312 routinely use GBK characters; GB18030 is the strict superset of both.
        encoding = "gb18030" if name in ("gb2312", "gbk", "gb18030", "x-gbk") else name
        try:
            return content.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            pass
    return decode_bytes(content, path)


def _is_chrome(tag) -> bool:  # type: ignore[no-untyped-def]
    """Return True for elements whose class or id names site chrome (menus, footers, share bars)."""
    attrs = getattr(tag, "attrs", None) or {}
    words = " ".join([*attrs.get("class", []), str(attrs.get("id", ""))])
    return bool(words.strip()) and bool(_CHROME.search(words))


def _page_title(soup) -> str | None:  # type: ignore[no-untyped-def]
    """Return the regulation's title from <h1>/<h2>/<title>, skipping site names (a logo in <h1>)."""
    candidates = [tag.get_text(" ") for tag in soup.find_all(("h1", "h2", "title"))]
    for raw in candidates:
        # <title> is usually 「示例办法_政策文件_某某网站」: the regulation comes first.
        for part in re.split(r"[_|｜]| - | — ", re.sub(r"\s+", " ", raw).strip()):
            part = part.strip()
            if part and len(part) <= 60 and _TITLE_LIKE.search(part):
                return part
    return None


def _score(text: str) -> float:
    """Return how much a text looks like the regulation: Chinese characters plus a bonus per article line."""
    return len(_CJK.findall(text)) + 200 * len(_ARTICLE_LINE.findall(text))


def _is_text(node) -> bool:  # type: ignore[no-untyped-def]
    """Return True for a text node that is shown on the page (not a comment, doctype or CDATA)."""
    from bs4.element import NavigableString, PreformattedString

    return isinstance(node, NavigableString) and not isinstance(node, PreformattedString)


def _block_text(tag) -> str:  # type: ignore[no-untyped-def]
    """Return an element's text with one line per block element and inline runs kept together."""
    parts: list[str] = []
    # An explicit stack, not recursion: hostile pages nest thousands of elements deep.
    stack: list[object] = [tag]
    while stack:
        node = stack.pop()
        if isinstance(node, str) and not hasattr(node, "parent"):
            parts.append(node)  # a marker pushed below
        elif _is_text(node):
            parts.append(str(node))
        elif getattr(node, "name", None) == "br":
            parts.append("\n")
        elif hasattr(node, "contents"):
            is_block = node.name in _BLOCK_TAGS
            if is_block:
                parts.append("\n")
                stack.append("\n")
            stack.extend(reversed(node.contents))
    text = "".join(parts)
    lines = (re.sub(r"[ \t\u00a0\u3000]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def extract_main_text(html: str) -> tuple[str, str | None]:
    """Return (main text, page title) of an HTML page: the block with the most regulation-like text."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    title = _page_title(soup)
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(_is_chrome):
        if tag.name not in ("body", "html"):
            tag.decompose()
    stats = _block_stats(soup)
    if not stats:
        return _block_text(soup), title
    best_score = max(score for score, _, _ in stats.values())
    # The smallest block that still holds nearly all of the best score is the article body, not the page.
    good = [(size, tag) for score, size, tag in stats.values() if score >= 0.85 * best_score]
    chosen = min(good, key=lambda item: item[0])[1]
    return _block_text(chosen), title


def _block_stats(soup) -> dict[int, tuple[float, int, object]]:  # type: ignore[no-untyped-def]
    """Return {id: (score, characters, tag)} for every candidate block, summed once from its text nodes."""
    totals: dict[int, list] = {}
    for node in soup.find_all(string=True):
        if not _is_text(node):
            continue
        text = str(node)
        size = len(text.strip())
        if not size:
            continue
        # Summing per text node keeps this linear in the page size; get_text() per block would be quadratic.
        score = _score(text) + (200 if _NODE_ARTICLE.match(text) else 0)
        for parent in node.parents:
            if parent.name in _CANDIDATE_TAGS:
                entry = totals.setdefault(id(parent), [0.0, 0, parent])
                entry[0] += score
                entry[1] += size
    return {key: (value[0], value[1], value[2]) for key, value in totals.items()}


def read_html(path: Path, content: bytes) -> SourceText:
    """Return the main text of an HTML page, its title first when the text block does not start with it."""
    html, encoding = _decode_html(path, content)
    tags = html.count("<")
    if tags > MAX_TAGS:
        raise CorpusError(
            f"{path}: the HTML page has about {tags} tags, far more than a regulation page (a few thousand); "
            "it would take minutes to analyse. Save the regulation's text as .txt or print the page to PDF."
        )
    text, title = extract_main_text(html)
    if not _CJK.search(text) and not text.strip():
        raise CorpusError(
            f"{path}: no main text was found in this HTML page. Save the page's article text (or print it to PDF) "
            "and add that instead."
        )
    if title and title not in text[:200]:
        text = title + "\n" + text
    return SourceText(path=str(path), text=text, media_type="html", encoding=encoding)
