"""Checks of a parsed document's articles: numbering gaps, duplicates and order (warnings for the maintainer),
and sizes no regulation has (refused with a CorpusError naming the file and the fix)."""

from __future__ import annotations

from assistant.errors import CorpusError
from assistant.language.numerals import format_article_label
from assistant.records import Article

MAX_NUMBERING_WARNINGS = 20
# Size limits of a regulation. In the 3,522 lawbook and corpus files the most units one document has is 708
# and the longest unit 5,332 characters. A document past the hard limits is not a regulation (a 200,000 x
# 第二条 bait, a 49 MB line) and would take minutes to index and fill the sources panel, so it is refused.
MAX_UNITS = 20_000
LONG_UNIT_CHARS = 20_000
MAX_UNIT_CHARS = 200_000


def check_numbering(articles: list[Article]) -> list[str]:
    """Return warnings for gaps, duplicates and out-of-order article numbers."""
    warnings: list[str] = []
    seen: set[tuple[int, int]] = set()
    if articles and (articles[0].number, articles[0].suffix) != (1, 0):
        warnings.append(f"条文编号从{articles[0].label}开始，而不是第一条（numbering starts at {articles[0].label}）")
    previous: Article | None = None
    for article in articles:
        key = (article.number, article.suffix)
        if key in seen:
            warnings.append(f"{article.label}重复出现（duplicate article {article.label}）")
        elif previous is not None:
            prev_key = (previous.number, previous.suffix)
            if key < prev_key:
                warnings.append(
                    f"{article.label}出现在{previous.label}之后，顺序颠倒"
                    f"（article out of order after {previous.label}）"
                )
            elif article.number > previous.number + 1:
                first, last = previous.number + 1, article.number - 1
                missing = format_article_label(first) + (f"至{format_article_label(last)}" if last > first else "")
                warnings.append(f"缺少{missing}（{previous.label}之后是{article.label}；gap in article numbering）")
        seen.add(key)
        previous = article
    if len(warnings) > MAX_NUMBERING_WARNINGS:
        extra = len(warnings) - MAX_NUMBERING_WARNINGS
        more = f"另有{extra}处编号问题未列出（{extra} more numbering problems）"
        warnings = warnings[:MAX_NUMBERING_WARNINGS] + [more]
    return warnings


def check_size(articles: list[Article], path: str) -> list[str]:
    """Return a warning for very long units; raise a CorpusError for sizes no regulation has.

    Raises:
        CorpusError: more than MAX_UNITS units, or a unit longer than MAX_UNIT_CHARS characters.
    """
    if len(articles) > MAX_UNITS:
        raise CorpusError(
            f"{path}: the text splits into {len(articles):,} articles or paragraphs, far more than any regulation "
            f"has (at most a few thousand; the limit is {MAX_UNITS:,}); it is not a regulation or holds many "
            "documents. Check that it is the right file, or split it into one file per document, and add it again."
        )
    sizes = [(sum(len(p) for p in article.paragraphs), article.label) for article in articles]
    longest, label = max(sizes, default=(0, ""))
    if longest > MAX_UNIT_CHARS:
        raise CorpusError(
            f"{path}: {label} is {longest:,} characters in one piece (the limit is {MAX_UNIT_CHARS:,}; a regulation's "
            "articles run to a few thousand); the file is not a regulation or has lost its line breaks. Check the "
            "file, restore its paragraphs or 第X条 lines, and add it again."
        )
    long_units = [label for size, label in sizes if size > LONG_UNIT_CHARS]
    if long_units:
        return [f"以下条文或段落超过{LONG_UNIT_CHARS}字，请核对文件是否完整、分段是否正确"
                f"（units over {LONG_UNIT_CHARS:,} characters）：{'、'.join(long_units[:10])}"]
    return []
