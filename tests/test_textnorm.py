"""Normalisation survives text OpenCC cannot take: lone surrogates are dropped, not raised on."""

from __future__ import annotations

from assistant.language.textnorm import compact, drop_surrogates, normalize_text, normalize_title, to_simplified
from assistant.ui.chat import to_traditional


def test_lone_surrogates_are_dropped_before_opencc() -> None:
    assert drop_surrogates("数据\ud800安全\udfff法") == "数据安全法"
    assert to_simplified("數據安全法\ud800第二十一條") == "数据安全法第二十一条"
    assert normalize_text("數據\udcff 安全") == "数据 安全"
    assert compact("a\ud800 b") == "ab"
    assert normalize_title("\ud800《中华人民共和国數據安全法》") == "数据安全法"
    assert to_traditional("数据\ud800安全") == "數據安全"
    # Astral characters are well-formed pairs, not lone surrogates, and are kept.
    assert to_simplified("𠀀數據") == "𠀀数据"
