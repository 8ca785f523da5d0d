"""Word automatic numbering -> printed labels: 「第%1条」 with chineseCounting becomes 第一条, 第二条 …

python-docx gives a paragraph's typed text only; internal rules and many ministry drafts number their articles
and items with Word lists, so without this the labels (and the whole article structure) would be lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.language.numerals import int_to_chinese

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_PLACEHOLDER = re.compile(r"%([1-9])")


@dataclass(frozen=True)
class _Level:
    start: int
    fmt: str
    text: str


@dataclass
class NumberingState:
    """Counters of every Word list in one document, advanced paragraph by paragraph in reading order."""

    levels: dict[str, dict[int, _Level]]  # numId -> ilvl -> level definition
    counters: dict[str, dict[int, int]] = field(default_factory=dict)

    def label_for(self, paragraph_element) -> str:  # type: ignore[no-untyped-def]
        """Return the number Word would print before this paragraph ("第三条", "（二）"), or ""."""
        num_pr = paragraph_element.find(f"{_W}pPr/{_W}numPr")
        if num_pr is None:
            return ""
        num_id = _val(num_pr.find(f"{_W}numId"))
        ilvl = int(_val(num_pr.find(f"{_W}ilvl")) or 0)
        levels = self.levels.get(num_id or "")
        if not levels or ilvl not in levels:
            return ""
        counters = self.counters.setdefault(num_id or "", {})
        counters[ilvl] = counters.get(ilvl, levels[ilvl].start - 1) + 1
        for deeper in [level for level in counters if level > ilvl]:
            del counters[deeper]  # a new item restarts the numbering of the levels below it
        level = levels[ilvl]
        if level.fmt == "bullet":
            return ""

        def fill(match: re.Match[str]) -> str:
            index = int(match.group(1)) - 1
            value = counters.get(index, levels[index].start if index in levels else 1)
            return format_number(value, levels[index].fmt if index in levels else "decimal")

        return _PLACEHOLDER.sub(fill, level.text)


def _val(element) -> str | None:  # type: ignore[no-untyped-def]
    """Return an element's w:val attribute, or None."""
    return None if element is None else element.get(f"{_W}val")


def format_number(value: int, fmt: str) -> str:
    """Return value in a Word number format: decimal 3, chineseCounting 三, lowerLetter c, upperRoman III."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "taiwaneseCounting",
               "ideographDigital") and 0 < value < 100_000:
        return int_to_chinese(value)
    if fmt in ("lowerLetter", "upperLetter") and value > 0:
        letter = chr(ord("a") + (value - 1) % 26) * ((value - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman") and 0 < value < 4000:
        roman = _roman(value)
        return roman if fmt == "upperRoman" else roman.lower()
    return str(value)


def _roman(value: int) -> str:
    """Return value in upper-case Roman numerals."""
    digits = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
              (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = []
    for amount, letters in digits:
        count, value = divmod(value, amount)
        out.append(letters * count)
    return "".join(out)


def numbering_state(document) -> NumberingState:  # type: ignore[no-untyped-def]
    """Return the list definitions of a python-docx Document (empty when it has no numbering part)."""
    try:
        root = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return NumberingState(levels={})
    abstract: dict[str, dict[int, _Level]] = {}
    for definition in root.findall(f"{_W}abstractNum"):
        levels = {}
        for lvl in definition.findall(f"{_W}lvl"):
            start = _val(lvl.find(f"{_W}start"))
            levels[int(lvl.get(f"{_W}ilvl") or 0)] = _Level(
                start=int(start) if start and start.isdigit() else 1,
                fmt=_val(lvl.find(f"{_W}numFmt")) or "decimal",
                text=_val(lvl.find(f"{_W}lvlText")) or "",
            )
        abstract[definition.get(f"{_W}abstractNumId") or ""] = levels
    levels_by_num = {}
    for num in root.findall(f"{_W}num"):
        levels = dict(abstract.get(_val(num.find(f"{_W}abstractNumId")) or "", {}))
        for override in num.findall(f"{_W}lvlOverride"):
            start = _val(override.find(f"{_W}startOverride"))
            ilvl = int(override.get(f"{_W}ilvl") or 0)
            if start and start.isdigit() and ilvl in levels:
                old = levels[ilvl]
                levels[ilvl] = _Level(int(start), old.fmt, old.text)
        levels_by_num[num.get(f"{_W}numId") or ""] = levels
    return NumberingState(levels=levels_by_num)
