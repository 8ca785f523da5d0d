"""Chinese numerals and article labels: 第二百五十三条之一 <-> (253, 1)."""

from __future__ import annotations

import re

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 10_000}
# The one vocabulary of Chinese numerals; every pattern that reads a number in a text is built from these.
CN_NUMERAL = "零〇一二两三四五六七八九十百千"  # article, chapter and page numbers (第二百五十三条)
CN_NUMERAL_WITH_WAN = CN_NUMERAL + "万"  # amounts and counts too (五万元, 十万人)
CN_SMALL_NUMERAL = "一二三四五六七八九十"  # item markers （三）, 之一 suffixes, 等三部门, days of a month
CN_YEAR_DIGITS = "〇零○Ｏ一二三四五六七八九"  # digit by digit in a year (二〇二一年), 〇 often typed as ○ or Ｏ
NUMERAL_PATTERN = rf"[{CN_NUMERAL}]+|\d+"  # a number as printed in a reference: 二十一 or 21
ITEM_MARKER_PATTERN = rf"[（(][{CN_SMALL_NUMERAL}]+[)）]"  # （一） opening an item (项)
_CHINESE_NUMERAL = CN_NUMERAL_WITH_WAN

ARTICLE_LABEL_PATTERN = re.compile(
    rf"第\s*([{_CHINESE_NUMERAL}]+|\d+)\s*条(?:\s*之\s*([{_CHINESE_NUMERAL}]+|\d+))?"
)


def chinese_to_int(text: str) -> int:
    """Return the value of a Chinese (or Arabic) numeral such as 二百五十三 or 253."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CHINESE_NUMERAL for ch in text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    total, section, digit = 0, 0, 0
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            # 十 at the start means 一十 (十二 = 12)
            section += (digit or 1) * _UNITS[ch]
            digit = 0
        else:
            total += (section + digit) * _BIG_UNITS[ch]
            section, digit = 0, 0
    return total + section + digit


def int_to_chinese(number: int) -> str:
    """Return the Chinese numeral for 0 < number < 100000 as printed in statutes (二十一, 一百零三)."""
    if number <= 0 or number >= 100_000:
        raise ValueError(f"article numbers run from 1 to 99999, got {number}")
    digits = "零一二三四五六七八九"
    parts: list[str] = []
    units = [(10_000, "万"), (1000, "千"), (100, "百"), (10, "十"), (1, "")]
    pending_zero = False
    for value, unit in units:
        digit = (number // value) % 10
        if digit == 0:
            if parts:
                pending_zero = True
            continue
        if pending_zero:
            parts.append("零")
            pending_zero = False
        parts.append(digits[digit] + unit)
    text = "".join(parts)
    # Statutes write 十二, not 一十二, when the number is below twenty.
    return text[1:] if text.startswith("一十") else text


def parse_article_label(label: str) -> tuple[int, int]:
    """Return (number, suffix) for 第二十一条 (21, 0), 第21条 (21, 0) or 第二百五十三条之一 (253, 1)."""
    match = ARTICLE_LABEL_PATTERN.fullmatch(label.strip())
    if not match:
        raise ValueError(f"not an article label: {label!r}")
    number = chinese_to_int(match.group(1))
    suffix = chinese_to_int(match.group(2)) if match.group(2) else 0
    return number, suffix


def format_article_label(number: int, suffix: int = 0) -> str:
    """Return the printed label of an article: 第二十一条, 第二百五十三条之一."""
    label = f"第{int_to_chinese(number)}条"
    return label + (f"之{int_to_chinese(suffix)}" if suffix else "")
