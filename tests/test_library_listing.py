"""The library listing shared by the chat's 收录法规 tab and `assistant corpus list`."""

from __future__ import annotations

from assistant.corpus.library_listing import LIBRARY_HEADERS, library_rows, library_summary, matches, source_gaps
from assistant.corpus.sidecar import split_source_notes
from tests.ui_fakes import version_of


def test_rows_have_the_listed_columns_and_flag_what_a_source_left_out() -> None:
    omitted = "附件《个人信息出境标准合同》未收录（来源中为图片）"
    fields, (gap,) = split_source_notes({"omitted": omitted, "type": "部门规章"})
    assert fields == {"type": "部门规章"}
    contract = version_of("个人信息出境标准合同办法", "c", "c-1", articles=13, warnings=(gap, "numbering gap"))
    assert source_gaps(contract) == "附件《个人信息出境标准合同》未收录（来源中为图片）"
    (row,) = library_rows([contract])
    assert len(row) == len(LIBRARY_HEADERS) == 8
    assert row == ["个人信息出境标准合同办法", "法律", "", "2021-06-10", "", "现行有效（现行版本）", "13",
                   "来源缺漏：附件《个人信息出境标准合同》未收录（来源中为图片）"]


def test_search_needs_every_word_and_orders_current_before_history() -> None:
    old = version_of("<b>网络安全法</b>", "csl", "csl-2016", articles=79, current=False)
    new = version_of("<b>网络安全法</b>", "csl", "csl-2025", articles=81)
    other = version_of("数据安全法", "dsl", "dsl-1", articles=55)
    assert [r[6] for r in library_rows([old, other, new])] == ["81", "79", "55"]
    assert library_rows([old, new], "<b>")[0][0] == "<b>网络安全法</b>"  # the raw text, for a text-only view
    assert matches(new, "網絡 法律") and not matches(new, "网络 国务院")
    assert library_rows([old, other, new], "数据 2021") == [library_rows([other])[0]]
    summary = library_summary([old, other, new], 1)
    assert summary == "共收录 2 部法规、3 个版本；现行版本共 136 条。 与检索词匹配的版本：1 个。"
