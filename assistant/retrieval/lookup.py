"""Direct references such as 数据安全法第二十一条, 个保法第13条, 《关基条例》第十二条, 2016年版网络安全法第二十一条.

Titles are recognised through an abbreviations table (data/abbreviations.tsv), every catalog title in its
short form, and fuzzy matching of one wrong character (个人信息保户法, 网络安全发). A reference to an
article that does not exist yields a LookupResult whose article is None and whose message says how many
articles the regulation has: a neighbouring article is never offered in its place.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.language.dates import event_dates, without_event_dates
from assistant.language.numerals import (
    NUMERAL_PATTERN,
    chinese_to_int,
    format_article_label,
    int_to_chinese,
    parse_article_label,
)
from assistant.language.textnorm import QUOTED_TITLE, normalize_text, normalize_title
from assistant.language.version_cues import CURRENT_TEXT, NUMBER_CUE_WINDOW, OLD_TEXT_ITSELF, OLD_TEXT_NEAR_NUMBER
from assistant.language.vocabulary import load_abbreviations
from assistant.records import DocumentVersion, LookupResult, StoredArticle

_NUM = NUMERAL_PATTERN
_ARTICLE = re.compile(rf"(?:的|之)?\s*(第)?\s*({_NUM})\s*条(?:\s*之\s*({_NUM}))?")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)\s*(?:年|版|修正|修订)")
_BARE_ARTICLE = re.compile(rf"({_NUM})\s*条(?:\s*之\s*({_NUM}))?")
_TITLE_SUFFIX = re.compile(r"(法|条例|办法|规定|细则|决定|解释|规则|标准)$")


@dataclass(frozen=True)
class TitleMention:
    """A regulation named in a question: where, as written, and which short title it means."""

    start: int
    end: int
    text: str
    short_title: str
    exact: bool


def _edit_distance_at_most_one(a: str, b: str) -> bool:
    """Return True when a and b differ by at most one substituted character (same length)."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) <= 1


class TitleIndex:
    """Every version grouped by short title, with the aliases that name each group."""

    def __init__(self, versions: Sequence[DocumentVersion], abbreviations: dict[str, str] | None = None) -> None:
        self.groups: dict[str, list[DocumentVersion]] = defaultdict(list)
        for version in versions:
            self.groups[normalize_title(version.meta.title)].append(version)
        for group in self.groups.values():
            group.sort(key=lambda v: (v.meta.version or v.meta.promulgation_date or "", v.added_at))
        self.aliases: dict[str, str] = {}
        for short in self.groups:
            self.aliases[short.lower()] = short
        for alias, target in (abbreviations if abbreviations is not None else load_abbreviations()).items():
            if target in self.groups:
                self.aliases.setdefault(alias, target)
        # Longest alias first, so 保守国家秘密法实施条例 wins over 保守国家秘密法.
        self._ordered = sorted((a for a in self.aliases if len(a) >= 2), key=len, reverse=True)
        # Fuzzy candidates by (length, first two characters): one dict probe per window of the question.
        self._fuzzy: dict[tuple[int, str], list[str]] = defaultdict(list)
        for alias in self._ordered:
            if len(alias) >= 4 and _TITLE_SUFFIX.search(alias):
                self._fuzzy[(len(alias), alias[:2])].append(alias)
        self._lengths = sorted({length for length, _ in self._fuzzy}, reverse=True)
        # One question is scanned by the follow-up rules, the scope and the ranking: remember the answer.
        self.mentions = functools.lru_cache(maxsize=256)(self._mentions)  # type: ignore[method-assign]

    def _mentions(self, query: str) -> list[TitleMention]:
        """Return the regulations named in a normalised, lower-cased question, left to right."""
        text = query
        found: list[TitleMention] = []
        taken = [False] * len(text)
        for alias in self._ordered:
            for match in re.finditer(re.escape(alias), text):
                if any(taken[match.start() : match.end()]):
                    continue
                found.append(TitleMention(match.start(), match.end(), alias, self.aliases[alias], True))
                for i in range(match.start(), match.end()):
                    taken[i] = True
        found.extend(self._fuzzy_mentions(text, taken))
        return sorted(found, key=lambda m: m.start)

    def mentions(self, query: str) -> list[TitleMention]:  # replaced by a cached _mentions in __init__
        """Return the regulations named in a normalised, lower-cased question, left to right."""
        return self._mentions(query)

    def _fuzzy_mentions(self, text: str, taken: list[bool]) -> list[TitleMention]:
        """Return titles written with one wrong character (个人信息保户法), in untaken parts of text."""
        found: list[TitleMention] = []
        for length in self._lengths:
            for start in range(0, len(text) - length + 1):
                window = text[start : start + length]
                # The first two characters must agree: 网络安全发 -> 网络安全法, not 数据安全法.
                aliases = self._fuzzy.get((length, window[:2]))
                if not aliases or any(taken[start : start + length]):
                    continue
                for alias in aliases:
                    if _edit_distance_at_most_one(window, alias):
                        found.append(TitleMention(start, start + length, window, self.aliases[alias], False))
                        for i in range(start, start + length):
                            taken[i] = True
                        break
        return found

    def quoted_unknown(self, query: str) -> list[str]:
        """Return names in 《》 that match no regulation of the catalog."""
        return [name for name in QUOTED_TITLE.findall(query) if normalize_title(name).lower() not in self.aliases]

    def current(self, short_title: str) -> DocumentVersion:
        """Return the text of a document in force (its newest when none is)."""
        group = self.groups[short_title]
        return ([v for v in group if v.is_current] or group)[-1]

    def choose_version(self, short_title: str, query: str) -> tuple[DocumentVersion, str]:
        """Return the version a question means (named year, old version, the text in force when the act it tells
        of happened, else the one in force) and why."""
        group = self.groups[short_title]
        chosen = self.current(short_title)
        dates, named = event_dates(query), without_event_dates(query)
        if dates and not (_YEAR.search(named) or OLD_TEXT_ITSELF.search(named) or CURRENT_TEXT.search(named)):
            # 「2025年8月我院…泄露…按当时的网安法」: the 2016 text, in force until 2025-12-31, not the 2025 amendment.
            then = [v for v in group if (v.meta.effective_date or _version_date(v))[:7] <= min(dates)]
            return (then[-1] if then else group[0]), f"{min(dates)}时施行的版本"
        for match in _YEAR.finditer(named):
            year = match.group(1)
            dated = [v for v in group if _version_year(v) == year]
            if dated:
                return dated[-1], f"{year}年版"
            before = [v for v in group if (_version_year(v) or "0") <= year]
            if before:
                return before[-1], f"{year}年时有效的版本"
        if OLD_TEXT_ITSELF.search(query) and (older := older_than(group, chosen)) is not None:
            return older, "修正前的版本"
        return chosen, ""


def _version_date(version: DocumentVersion) -> str:
    return version.meta.version or version.meta.promulgation_date or ""


def older_than(group: Sequence[DocumentVersion], chosen: DocumentVersion) -> DocumentVersion | None:
    """Return the text just before the chosen one among a document's versions (in date order), or None."""
    older = [v for v in group if v.version_id != chosen.version_id and _version_date(v) < _version_date(chosen)]
    return older[-1] if older else None


def _version_year(version: DocumentVersion) -> str | None:
    date = _version_date(version)
    return date[:4] if date else None


def names_version(query: str) -> bool:
    """Return True when a question names a year or an old version (2016年版, 旧版, 修正前)."""
    return bool(_YEAR.search(query) or OLD_TEXT_ITSELF.search(query))


def find_references(
    question: str, index: TitleIndex, articles_of: Callable[[str], Sequence[StoredArticle]]
) -> list[LookupResult]:
    """Return a LookupResult for every 《regulation》第N条 reference in a question."""
    text = normalize_text(question).lower()
    mentions = index.mentions(text)
    results: list[LookupResult] = []
    seen: set[tuple[str, str]] = set()
    last_owner: TitleMention | None = None
    for match in _ARTICLE.finditer(text):
        owner = _owning_mention(mentions, match.start(), text)
        if owner is None:
            continue
        if not match.group(1) and not _adjacent(owner, match, text):
            continue  # "网安法二十一条" needs no 第, but only right after the title
        try:
            article_no = chinese_to_int(match.group(2))
            suffix = chinese_to_int(match.group(3)) if match.group(3) else 0
        except ValueError:
            continue
        if article_no <= 0 or article_no >= 100_000:
            continue
        label = format_article_label(article_no, suffix)
        version, _why = index.choose_version(owner.short_title, text)
        before = text[max(0, match.start() - NUMBER_CUE_WINDOW) : match.start()]
        older = older_than(index.groups[owner.short_title], version) if OLD_TEXT_NEAR_NUMBER.search(before) else None
        if older is not None and _numbered(articles_of(older.version_id), article_no, suffix) is None:
            # 「旧网安法第八十条」: the number is read in the older text, which has no such article; said so, rather
            # than answered from the article of that number in the text in force.
            version = older
        if (version.version_id, label) in seen:
            continue
        seen.add((version.version_id, label))
        reference = text[owner.start : match.end()] if owner is not last_owner else match.group(0).lstrip("的之 ")
        last_owner = owner
        results.append(_resolve(reference, version, label, article_no, suffix, articles_of(version.version_id)))
    return results


def _owning_mention(mentions: list[TitleMention], position: int, text: str) -> TitleMention | None:
    """Return the nearest title named before position (「数据安全法第二十一条和第二十七条」 share one)."""
    before = [m for m in mentions if m.end <= position]
    if not before:
        return None
    owner = before[-1]
    gap = text[owner.end : position]
    # A title far back in a long sentence is not what a bare 第N条 refers to.
    return owner if len(gap) <= 12 else None


def _adjacent(owner: TitleMention, match: re.Match[str], text: str) -> bool:
    gap = text[owner.end : match.start()].strip("》 ")
    return gap in ("", "的")


def _resolve(
    reference: str, version: DocumentVersion, label: str, number: int, suffix: int,
    articles: Sequence[StoredArticle],
) -> LookupResult:
    """Return the article labelled label in a version, or a message saying it does not exist."""
    title = version.meta.title
    if (stored := _numbered(articles, number, suffix)) is not None:
        return LookupResult(reference=reference, title=title, label=label, article=stored)
    count = sum(1 for s in articles if s.article.kind == "article" and not s.article.suffix)
    # A text no longer in force is named by its date: 「《…网络安全法》2016-11-07文本共七十九条」.
    text = "" if version.is_current or not _version_date(version) else f"{_version_date(version)}文本"
    named = f"《{title}》{text}"
    message = f"{named}共{int_to_chinese(count)}条，没有{label}。" if count else f"{named}中没有{label}。"
    return LookupResult(reference=reference, title=title, label=label, article=None, message=message)


def _numbered(articles: Sequence[StoredArticle], number: int, suffix: int) -> StoredArticle | None:
    """Return the article numbered 第{number}条(之{suffix}) among a version's articles, or None."""
    return next((s for s in articles if s.article.kind == "article"
                 and (s.article.number, s.article.suffix) == (number, suffix)), None)


def named_in(result: LookupResult, question: str) -> bool:
    """Return True when the question itself names the article of a lookup (its number, any numerals)."""
    wanted = parse_article_label(result.label)
    for match in _BARE_ARTICLE.finditer(normalize_text(question)):
        try:
            number = chinese_to_int(match.group(1))
            suffix = chinese_to_int(match.group(2)) if match.group(2) else 0
        except ValueError:
            continue
        if (number, suffix) == wanted:
            return True
    return False


# What may stand beside a bare 第N条 in a question asking only for that article: 「第二十一条讲的什么？」.
_BARE_ASK = re.compile(
    r"请问|讲的?|说的?|写的?|规定的?了?|是|什么|啥|哪些|内容|全文|原文|条文|看一下|一下|查|呢|吗|的|了|[，,。？?！!\s]"
)
_UNNAMED_SHOWN = 6  # regulations named in the answer asking which one is meant


def unnamed_reference(question: str, index: TitleIndex, articles_of: Callable[[str], Sequence[StoredArticle]]
                      ) -> LookupResult | None:
    """Return, for a question asking only for 第N条 of no regulation (「第二十一条讲的什么？」), a result saying which
    regulations have such an article and asking which one is meant; None for any other question.

    A search for the words 第二十一条 finds articles that cite some other 第二十一条, so none is offered in its place.
    """
    text = normalize_text(question).lower()
    match = _ARTICLE.search(text)
    if match is None or not match.group(1) or index.mentions(text) or _BARE_ASK.sub("", _ARTICLE.sub("", text)):
        return None
    try:
        number = chinese_to_int(match.group(2))
        suffix = chinese_to_int(match.group(3)) if match.group(3) else 0
    except ValueError:
        return None
    label = format_article_label(number, suffix)
    having = sorted((short for short in index.groups
                     if _numbered(articles_of(index.current(short).version_id), number, suffix) is not None), key=len)
    if not having:
        message = f"问题中没有指明法规，法规库中也没有哪部法规有{label}。请写明法规名称和条文序号。"
    else:
        names = "、".join(f"《{name}》" for name in having[:_UNNAMED_SHOWN])
        more = f"等{int_to_chinese(len(having))}部法规" if len(having) > _UNNAMED_SHOWN else ""
        message = (f"问题中没有指明是哪部法规的{label}。法规库中{names}{more}都有{label}，"
                   f"请写明法规名称，如「{having[0]}{label}」。")
    return LookupResult(reference=match.group(0).lstrip("的之 "), title=None, label=label, article=None,
                        message=message)


def sole_named(text: str, mentions: Sequence[TitleMention]) -> tuple[str, str] | None:
    """Return the one regulation a question names as written and the question with its names blanked out, or None
    when it names none or several. A window one character from a title (网络安全有…) is no naming here."""
    exact = [m for m in mentions if m.exact]
    if len({m.short_title for m in exact}) != 1:
        return None
    return exact[0].short_title, blank_mentions(text, exact)


def blank_mentions(text: str, mentions: Sequence[TitleMention], *, keep_positions: bool = True) -> str:
    """Return text with each mention's span blanked: by as many spaces as it had characters (later positions
    stay), or by one space (the words around it, as long as the rest of the question reads)."""
    for mention in sorted(mentions, key=lambda m: -m.start):
        blank = " " * (mention.end - mention.start) if keep_positions else " "
        text = text[: mention.start] + blank + text[mention.end :]
    return text

