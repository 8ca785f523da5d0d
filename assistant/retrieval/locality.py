"""Which documents are local (a province's or a city's) and which places a question names.

A national question (「个人信息出境要走什么程序？」) is answered first by the law, not by a province's
regulation restating it; a question naming a place (「上海的物业管理有什么规定？」) wants that place's
rules. Retrieval asks this module which is which.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.language.textnorm import normalize_text
from assistant.parsing.header import PROVINCES
from assistant.records import DocumentVersion

LOCAL_DOC_TYPES = frozenset({"地方性法规", "地方政府规章"})

# 「汕头经济特区…」「延边朝鲜族自治州…」「深圳市…」: the place is what comes before its administrative suffix.
# A title opening with 关于 (关于市人民政府向市人民代表大会常务委员会报告…) starts with its subject, not a place;
# taking 「关于」 for one would make every question saying 关于 look local.
_PLACE_PREFIX = re.compile(r"^(?!关于)([\u4e00-\u9fff]{2,8}?)(?:省|市|自治区|自治州|自治县|县|经济特区|特别行政区)")
# Provinces by the names questions use (新疆, not 新疆维吾尔自治区), longest first so 内蒙古 is not cut short.
_SHORT_FORMS = tuple(sorted(PROVINCES, key=len, reverse=True))


def is_local(version: DocumentVersion) -> bool:
    """Return True for a local regulation or local government rule."""
    return version.meta.doc_type in LOCAL_DOC_TYPES


def place_of_title(title: str) -> str | None:
    """Return the place a local document's title starts with (上海市不动产登记若干规定 -> 上海), if any."""
    title = normalize_text(title)
    for province in _SHORT_FORMS:
        if title.startswith(province):
            return province
    match = _PLACE_PREFIX.match(title)
    return match.group(1) if match else None


class PlaceNames:
    """The provinces and the places the local documents of a catalog belong to, found in questions by substring."""

    def __init__(self, versions: Iterable[DocumentVersion]) -> None:
        places = {place_of_title(v.meta.title) for v in versions if is_local(v)} | set(PROVINCES)
        self._pattern = re.compile("|".join(map(re.escape, sorted(p for p in places if p))))

    def named_in(self, question: str) -> bool:
        """Return True when the question names a province or a place that has local documents."""
        return self._pattern.search(normalize_text(question)) is not None
