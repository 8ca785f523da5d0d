"""A text's lines as the parser reads them: offsets, Markdown and 编/章/节 headings, where an article starts.

The recognisers every structure pass shares (parsing/structure.py assembles articles and annexes from them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.language.numerals import CN_NUMERAL_WITH_WAN, CN_SMALL_NUMERAL, chinese_to_int

_NUM = CN_NUMERAL_WITH_WAN
ARTICLE_START = re.compile(
    rf"^[^\S\n]*(?:\*\*)?第[ \t]*([{_NUM}]+|\d+)[ \t]*条(?:之([{_NUM}]+|\d+))?(?:\*\*)?(?=[^\S\n]|$)"
)
_HEADING_LABEL = re.compile(rf"^第[^\S\n]*([{_NUM}]+|\d+)[^\S\n]*(分编|编|章|节)(?=[^\S\n]|$)")
MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*)$")
ITEM_START = re.compile(rf"^(?:[（(][{CN_SMALL_NUMERAL}百]+[)）]|[（(]\d+[)）]|\d+[.．、](?!\d)|[a-z][)）])")
_LEVELS = {"编": 0, "分编": 1, "章": 2, "节": 3}
_OTHER_LEVEL = 4
_SENTENCE_PUNCT = re.compile(r"[。；;，,：:]")
_CJK_SPACE = re.compile(r"(?<=[\u4e00-\u9fff])[^\S\n]+(?=[\u4e00-\u9fff])")


@dataclass
class Line:
    offset: int
    text: str  # stripped


def blank_comments(text: str) -> str:
    """Return text with <!-- … --> comments replaced by spaces of the same length, so offsets still hold.

    Scanned with str.find, not a regex: a regex over many unclosed "<!--" takes quadratic time.
    """
    parts: list[str] = []
    position = 0
    while (start := text.find("<!--", position)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            break  # an unclosed comment is left as text
        end += 3
        parts.append(text[position:start])
        parts.append(re.sub(r"[^\n]", " ", text[start:end]))
        position = end
    parts.append(text[position:])
    return "".join(parts)


def normalize_heading(text: str) -> str:
    """Return a heading with its label and name separated by one space and the name's spacing removed."""
    text = re.sub(r"[^\S\n]+", " ", text.replace("*", "")).strip()
    match = _HEADING_LABEL.match(text)
    if not match:
        return _CJK_SPACE.sub("", text)
    label = text[: match.end()].replace(" ", "")
    name = _CJK_SPACE.sub("", text[match.end():].strip())
    return f"{label} {name}".strip()


def split_lines(text: str) -> list[Line]:
    """Return the non-empty lines of text with their offsets, stripped of surrounding whitespace."""
    lines = []
    offset = 0
    for raw in text.split("\n"):
        stripped = raw.strip().lstrip("\ufeff").strip()
        if stripped:
            lines.append(Line(offset + raw.find(stripped[0]), stripped))
        offset += len(raw) + 1
    return lines


def heading_of(line: str) -> tuple[int, str] | None:
    """Return (level, normalised heading) when a line is a 编/章/节 or Markdown heading, else None."""
    md = MD_HEADING.match(line)
    if md:
        text = normalize_heading(md.group(2).rstrip(" \t#"))
        label = _HEADING_LABEL.match(text)
        if label:
            return _LEVELS[label.group(2)], text
        return (0 if text == "附则" else _OTHER_LEVEL), text
    label = _HEADING_LABEL.match(line)
    # A plain-text heading is short and is not a sentence (「第二章规定的…」 would carry punctuation).
    if label and len(line) <= 40 and not _SENTENCE_PUNCT.search(line):
        return _LEVELS[label.group(2)], normalize_heading(line)
    if re.fullmatch(r"附[^\S\n]*则", line):
        # A bare 附则 (no 第X章) is a top-level part: in 刑法 it follows the 编, not a chapter.
        return 0, "附则"
    return None


def article_start(line: str) -> tuple[int, int, str, str] | None:
    """Return (number, suffix, printed label, rest of line) when a line starts an article."""
    match = ARTICLE_START.match(line)
    if not match:
        return None
    try:
        number = chinese_to_int(match.group(1))
        suffix = chinese_to_int(match.group(2)) if match.group(2) else 0
    except (ValueError, KeyError):
        return None
    if number <= 0 or number >= 100_000 or suffix >= 100:
        return None
    label = re.sub(r"[\s*]", "", match.group(0))
    return number, suffix, label, line[match.end():].strip()
