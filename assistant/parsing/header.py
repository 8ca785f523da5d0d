"""Header metadata of a Chinese regulation: dates, 文号, issuing body, document type, status.

Works on the printed header (题注) such as 「（2016年11月7日…通过　根据2025年10月28日…修正）」 and on the
final articles (「本法自2021年9月1日起施行」). Everything here is a pure function of text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.language.numerals import CN_NUMERAL, CN_SMALL_NUMERAL, CN_YEAR_DIGITS
from assistant.records import STATUS_IN_FORCE, STATUS_NOT_YET

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_ARABIC_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_CN_DAY = rf"[{CN_SMALL_NUMERAL}]{{1,3}}"
_CHINESE_DATE = re.compile(rf"([{CN_YEAR_DIGITS}]{{4}})年({_CN_DAY})月({_CN_DAY})日")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
# What an event in a header says happened on its date; checked in this order.
_EVENT_KEYWORDS = (
    ("amended", ("修正", "修订", "修改")),
    ("effective", ("施行", "实施", "生效")),
    ("promulgated", ("公布", "发布", "颁布", "印发")),
    ("adopted", ("通过",)),
    ("approved", ("批准",)),
)
_EFFECTIVE_CLAUSE = re.compile(
    r"本(?:法|条例|办法|规定|细则|决定|解释|规则|准则|标准|意见|通知|决议|修正案|规范|实施办法|实施细则)?"
    r"[^。；]{0,30}?自\s*(.{1,30}?)\s*起\s*(?:施行|实施|生效|执行)"
)
_ORG_SUFFIX = r"(?:部|委员会|总局|办公室|银行|署|局|院|委|会|政府)"
_DOC_NUMBER = re.compile(
    r"((?:中华人民共和国)?(?:主席|国务院(?:、中华人民共和国中央军事委员会|、中央军事委员会)?|"
    rf"[\u4e00-\u9fff、]{{2,40}}?{_ORG_SUFFIX}(?:等[{CN_SMALL_NUMERAL}]+部门)?)令"
    rf"\s*(?:[（(]\d{{4}}[)）])?\s*第\s*[{CN_NUMERAL}\d]+\s*号)"
)
_LOCAL_CONGRESS = re.compile(
    r"([\u4e00-\u9fff]{2,16}?(?:省|市|自治区|自治州|自治县|县|区))第[^届]{1,6}届人民代表大会常务委员会"
)
PROVINCES = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建",
    "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海",
    "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门",
)
_MINISTRY_ORDER = re.compile(
    rf"(?:中华人民共和国)?([\u4e00-\u9fff、]{{2,40}}?{_ORG_SUFFIX})(?:等[{CN_SMALL_NUMERAL}]+部门)?令"
)
# 「国家互联网信息办公室2021年第20次室务会议审议通过」: a ministry's own meeting adopted it.
_MINISTRY_MEETING = re.compile(
    r"([\u4e00-\u9fff]{2,20}?(?:部|委员会|总局|办公室|署|局))\d{0,4}年?第[^次]{1,6}次(?:室务|部务|局务|委务)"
)


@dataclass(frozen=True)
class DatedEvent:
    """A date printed in a header and what happened on it (adopted/promulgated/amended/effective/approved)."""

    date: str  # YYYY-MM-DD
    kind: str
    text: str  # the words printed after the date, up to the next date


def _iso(year: int, month: int, day: int) -> str | None:
    """Return YYYY-MM-DD, or None when the numbers are not a calendar date."""
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _chinese_small(text: str) -> int:
    """Return the value of 一 … 三十一 as printed in dates."""
    if "十" not in text:
        return _CN_DIGITS[text]
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def find_dates(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, YYYY-MM-DD) for each date printed in text, Arabic, Chinese or ISO, in order."""
    found: list[tuple[int, int, str]] = []
    for match in _ARABIC_DATE.finditer(text):
        iso = _iso(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if iso:
            found.append((match.start(), match.end(), iso))
    for match in _CHINESE_DATE.finditer(text):
        year = int("".join(str(_CN_DIGITS[ch]) for ch in match.group(1)))
        iso = _iso(year, _chinese_small(match.group(2)), _chinese_small(match.group(3)))
        if iso:
            found.append((match.start(), match.end(), iso))
    for match in _ISO_DATE.finditer(text):
        iso = _iso(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if iso:
            found.append((match.start(), match.end(), iso))
    return sorted(found)


def parse_date(text: str) -> str | None:
    """Return the first date printed in text as YYYY-MM-DD, or None."""
    dates = find_dates(text)
    return dates[0][2] if dates else None


def header_events(header: str) -> list[DatedEvent]:
    """Return every dated event of a header block, in printed order."""
    dates = find_dates(header)
    events = []
    for index, (_start, end, iso) in enumerate(dates):
        stop = dates[index + 1][0] if index + 1 < len(dates) else len(header)
        words = header[end:stop]
        kind = next((name for name, keys in _EVENT_KEYWORDS if any(key in words for key in keys)), "")
        if kind:
            events.append(DatedEvent(iso, kind, words.strip(" 　\n（）()")))
    return events


def effective_date_in(texts: Sequence[str], promulgated: str | None) -> str | None:
    """Return the date of 「本法自…起施行」 in the first of texts that prints one (自公布之日 -> promulgated)."""
    for text in texts:
        for match in _EFFECTIVE_CLAUSE.finditer(text):
            when = match.group(1)
            iso = parse_date(when)
            if iso:
                return iso
            if any(word in when for word in ("公布之日", "发布之日", "颁布之日", "通过之日", "印发之日")):
                return promulgated
    return None


def find_doc_number(text: str) -> str | None:
    """Return the last 文号 printed in text (主席令第X号, 国务院令第X号, …令第X号), whitespace removed."""
    # 「2024年3月1日示例市人民政府令…」: the issuer's name cannot start with the 日 of the date before it.
    numbers = [re.sub(r"^[日月年号]|\s+", "", match.group(1)) for match in _DOC_NUMBER.finditer(text)]
    return numbers[-1] if numbers else None


def _is_local_title(title: str) -> bool:
    """Return True when a title starts with a province or a city/county name (地方性法规)."""
    if title.startswith(PROVINCES):
        return True
    return bool(re.match(r"^[\u4e00-\u9fff]{2,6}(?:市|自治州|自治县|县)(?!场|民|容|政)", title))


def guess_issuer(title: str, header: str) -> tuple[str | None, str]:
    """Return (issuing body, document type) guessed from the header text, then from the title."""
    local = _LOCAL_CONGRESS.search(header)
    if local:
        return f"{local.group(1)}人民代表大会常务委员会", "地方性法规"
    if "全国人民代表大会常务委员会" in header:
        return "全国人民代表大会常务委员会", "法律"
    if "全国人民代表大会" in header:
        return "全国人民代表大会", "法律"
    if any(name in header or title.startswith(name) for name in ("最高人民法院", "最高人民检察院")):
        bodies = [name for name in ("最高人民法院", "最高人民检察院") if name in header or name in title[:20]]
        return "、".join(bodies), "司法解释"
    number = find_doc_number(header) or ""
    if "国务院" in number:
        return "国务院", "行政法规"
    ministry = re.match(_MINISTRY_ORDER, number)
    if ministry and ministry.group(1).endswith("人民政府"):
        return ministry.group(1), "地方政府规章"
    if ministry:
        return ministry.group(1), "部门规章"
    if "国务院" in header or title.startswith("国务院"):
        return "国务院", "行政法规"
    meeting = _MINISTRY_MEETING.search(header)
    if meeting:
        return meeting.group(1), "部门规章"
    return _guess_from_title(title)


def _guess_from_title(title: str) -> tuple[str | None, str]:
    """Return (issuing body, document type) from the title alone, for files without a header."""
    if _is_local_title(title):
        return None, "地方性法规"
    if title.startswith(("最高人民法院", "最高人民检察院")):
        return None, "司法解释"
    if re.search(r"(?:宪法)$", title):
        return "全国人民代表大会", "法律"
    if re.search(r"(?<!办)法(?:[（(][^）)]*[）)])?$", title):
        return "全国人民代表大会常务委员会", "法律"
    if re.search(r"条例(?:[（(][^）)]*[）)])?$", title):
        return "国务院", "行政法规"
    return None, "其他"


def version_date(events: Sequence[DatedEvent]) -> str | None:
    """Return the latest adoption, promulgation or amendment date: the date this text is the version of."""
    dates = [event.date for event in events if event.kind in ("adopted", "promulgated", "amended")]
    return max(dates) if dates else None


def status_for(effective: str | None, today: dt.date | None = None) -> str:
    """Return 尚未施行 when the effective date lies after today, else 现行有效."""
    today = today or dt.date.today()
    if effective and effective > today.isoformat():
        return STATUS_NOT_YET
    return STATUS_IN_FORCE
