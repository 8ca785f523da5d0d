"""When the act a question tells of happened: 「2025年8月我院信息系统泄露了…」 dates an act, not a version.

Which text of an amended law applies to an act is a matter of when it happened, so a year and month that date an
act are read apart from a year that names a version (「2016年版」, 「2026年1月1日起施行的新版」).
"""

from __future__ import annotations

import re

from assistant.language.numerals import CN_SMALL_NUMERAL, chinese_to_int

# 「今年（2026年）3月…中了勒索病毒」: when something happened, which says which text applies;
# 「2026年1月1日起施行的新版」 dates a version instead.
EVENT_DATE = re.compile(
    rf"((?:19|20)\d{{2}})年[）)]?\s*(\d{{1,2}}|[{CN_SMALL_NUMERAL}]{{1,3}})月(?![^，。？！]{{0,8}}(?:施行|修正|修订|修改|公布|通过|生效|实施))")


def event_dates(text: str) -> list[str]:
    """Return the year-months (YYYY-MM) of the events a question dates, not the dates of versions."""
    dates = []
    for year, month in EVENT_DATE.findall(text):
        try:
            number = int(month) if month.isdigit() else chinese_to_int(month)
        except ValueError:
            continue
        if 1 <= number <= 12:
            dates.append(f"{year}-{number:02d}")
    return dates


def without_event_dates(text: str) -> str:
    """Return text with the dates of events blanked out (what is left may still name a version)."""
    return EVENT_DATE.sub(" ", text)
