"""The chat logic: respond() streams deltas then the Answer, scripts follow the question, markup stays text."""

from __future__ import annotations

from assistant.errors import ModelError
from assistant.language.question import clean_question
from assistant.records import SearchFilters
from assistant.ui.chat import (
    display_text,
    escape_question,
    is_traditional,
    link_markers,
    respond,
    to_traditional,
)
from assistant.ui.filters import build_filters, document_choices
from tests.ui_fakes import FakeAssistant, version_of


def test_respond_streams_growing_text_then_the_answer() -> None:
    assistant = FakeAssistant("国家建立数据分类分级保护制度[1]。")
    turns = list(respond(assistant, "数据安全法第二十一条规定了什么？", ["上一个问题"], None))
    assert [t.answer is None for t in turns] == [True, True, True, False]
    assert len(turns[0].text) < len(turns[1].text) < len(turns[2].text)
    final = turns[-1]
    assert final.answer.question == "数据安全法第二十一条规定了什么？"
    assert 'href="#src-1"' in final.text and "分类分级" in final.text
    assert assistant.calls == [("数据安全法第二十一条规定了什么？", ("上一个问题",), None)]


def test_respond_passes_filters_and_caps_history() -> None:
    assistant = FakeAssistant()
    filters = SearchFilters(current_only=True)
    list(respond(assistant, "问题", [f"q{i}" for i in range(10)], filters))
    _, history, seen = assistant.calls[0]
    assert history == ("q4", "q5", "q6", "q7", "q8", "q9") and seen is filters


def test_traditional_question_gets_traditional_answer() -> None:
    assistant = FakeAssistant("国家建立数据分类分级保护制度[1]。")
    final = list(respond(assistant, "數據安全法規定了什麼？", [], None))[-1]
    assert "國家建立數據分類分級保護制度" in final.text
    assert final.answer.text == "国家建立数据分类分级保护制度[1]。"  # the stored answer stays as composed


def test_script_detection() -> None:
    assert is_traditional("網絡運營者違反安全保護義務會受到什麼處罰？")
    assert not is_traditional("网络运营者违反安全保护义务会受到什么处罚？")
    assert not is_traditional("GDPR and PIPL?")
    assert to_traditional("数据安全") == "數據安全"


def test_markup_in_question_and_answer_is_shown_as_text() -> None:
    assistant = FakeAssistant("<script>alert(1)</script>依据[1]")
    final = list(respond(assistant, "<img src=x onerror=alert(1)>问题", [], None))[-1]
    assert "<script>" not in final.text and "&lt;script&gt;" in final.text
    assert escape_question("<img src=x>") == "&lt;img src=x&gt;"


def test_errors_become_chinese_notices() -> None:
    turns = list(respond(FakeAssistant(fail=ModelError("endpoint timed out")), "问题", [], None))
    assert turns[-1].failed and "未能回答" in turns[-1].text and "endpoint timed out" in turns[-1].text
    turns = list(respond(FakeAssistant(fail=RuntimeError("boom")), "问题", [], None))
    assert turns[-1].failed and "内部错误" in turns[-1].text and "boom" not in turns[-1].text


def test_empty_question_yields_nothing_and_control_characters_are_dropped() -> None:
    assert list(respond(FakeAssistant(), "  \x00 ", [], None)) == []
    assert clean_question("数据\x00安全\u200b法 ", 2000) == ("数据安全法", False)


def test_display_text_links_markers_and_appends_notices() -> None:
    shown = display_text("甲[1][2]。", traditional=False, notices=["引用已更正"])
    assert shown.count("cite-marker") == 2 and "> 【提示】引用已更正" in shown
    assert link_markers("见[12]") == 'Jian'.replace("Jian", "见") + '<a class="cite-marker" href="#src-12" ' \
        'data-marker="12">[12]</a>'


def test_filters_from_choices() -> None:
    assert build_filters([], [], False) is None
    assert build_filters(["dsl"], ["法律"], True) == SearchFilters(documents=("dsl",), doc_types=("法律",),
                                                                   current_only=True)
    versions = [version_of("数据安全法", "dsl", "dsl-1", current=False), version_of("数据安全法（新）", "dsl", "dsl-2"),
                version_of("个人信息保护法", "pipl", "pipl-1")]
    assert document_choices(versions) == [("个人信息保护法", "pipl"), ("数据安全法（新）", "dsl")]


HOSTILE_MARKDOWN = [
    "![x](http://attacker.example/track.png)",
    "[点我](javascript:alert(1))",
    "<http://attacker.example/a>",
    "[r]: http://attacker.example/r.png\n\n![r][r]",
    "见 http://attacker.example/x 与 www.attacker.example 或 a@attacker.example",
    '<img src="http://attacker.example/i.png">',
]


def test_markdown_images_links_and_autolinks_stay_text() -> None:
    from markdown_it import MarkdownIt

    # CommonMark with raw HTML on, like the chatbot; the marker links are the only anchors allowed.
    md = MarkdownIt("commonmark", {"html": True})
    for hostile in HOSTILE_MARKDOWN:
        final = list(respond(FakeAssistant(f"{hostile}依据[1]。"), f"{hostile}问题", [], None))[-1]
        for shown in (final.text, escape_question(f"{hostile}问题")):
            rendered = md.render(shown)
            assert "<img" not in rendered and "href=\"javascript" not in rendered, rendered
            assert "](http" not in shown and "](javascript" not in shown, shown
            assert [a for a in rendered.split("<a ")[1:] if not a.startswith('class="cite-marker"')] == [], rendered
            assert ("attacker" in rendered or "javascript" in rendered)  # the text itself is still shown
        assert md.render(final.text).count('href="#src-1"') == 1


def test_answer_layout_survives_escaping() -> None:
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark", {"html": True}).render(display_text("1. 甲[1]\n- 乙[2]", traditional=False))
    assert "<ol>" in html and "<ul>" in html and html.count("cite-marker") == 2
