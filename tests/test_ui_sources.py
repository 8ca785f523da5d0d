"""The sources panel and the Markdown export: full articles, metadata, badges, escaped text."""

from __future__ import annotations

from pathlib import Path

from assistant.ui.sources import answer_markdown, export_answer, marker_choices, render_sources
from tests.ui_fakes import DSL_21, DSL_45, XSS_ARTICLE, FakeCatalog, citation_for, make_answer


def test_cited_articles_are_shown_in_full_with_metadata() -> None:
    html = render_sources(make_answer("问题"))
    assert 'id="src-1"' in html and "《中华人民共和国数据安全法》第二十一条" in html
    for text in ("第三章 数据安全制度", "全国人民代表大会常务委员会", "版本：2021-06-10", "施行日期：2021-09-01",
                 "国家建立数据分类分级保护制度", "各地区、各部门应当确定", "badge-in-force"):
        assert text in html
    # The linked penalty article is offered beneath, collapsed.
    assert "相关条文" in html and 'id="linked-1"' in html and "处五万元以上五十万元以下罚款" in html


def test_selected_marker_opens_only_its_article() -> None:
    answer = make_answer("问题", "甲[1]乙[2]", articles=(DSL_21, DSL_45), linked=())
    html = render_sources(answer, selected=2)
    assert '<details class="source" id="src-1">' in html
    assert '<details class="source selected" id="src-2" open>' in html
    assert marker_choices(answer) == [("[1] 《中华人民共和国数据安全法》第二十一条", 1),
                                      ("[2] 《中华人民共和国数据安全法》第四十五条", 2)]


def test_document_text_is_escaped() -> None:
    html = render_sources(make_answer("问题", "x[1]", articles=(XSS_ARTICLE,), linked=()))
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>测试</b>" not in html
    assert "badge-repealed" in html and "版本：未注明" in html


def test_articles_missing_from_retrieval_come_from_the_catalog() -> None:
    answer = make_answer("问题", articles=(), linked=())
    answer = answer.__class__(**{**answer.__dict__, "citations": (citation_for(DSL_45, 1),)})
    html = render_sources(answer, resolver=FakeCatalog(articles=[DSL_45]).articles_by_keys)
    assert "处五万元以上五十万元以下罚款" in html


def test_quote_is_marked_and_declined_answers_say_so() -> None:
    answer = make_answer("问题", articles=(DSL_21,), linked=())
    quoted = answer.__class__(**{**answer.__dict__, "citations": (citation_for(DSL_21, 1, "数据分类分级保护制度"),)})
    assert "<mark>数据分类分级保护制度</mark>" in render_sources(quoted)
    assert "未引用条文" in render_sources(make_answer("天气？", "无法回答", declined=True, articles=(), linked=()))
    assert "提问后" in render_sources(None)


def test_markdown_export_holds_answer_and_articles(tmp_path: Path) -> None:
    answer = make_answer("数据安全法第二十一条规定了什么？")
    text = answer_markdown(answer)
    assert text.startswith("# 问题\n\n数据安全法第二十一条规定了什么？")
    assert "[1] 《中华人民共和国数据安全法》第二十一条（版本：2021-06-10；施行日期：2021-09-01；现行有效）" in text
    assert "> 国家建立数据分类分级保护制度，对数据实行分类分级保护。" in text
    path = export_answer(answer, tmp_path, "國家建立數據分類分級保護制度[1]。")
    assert path.suffix == ".md" and "國家建立" in path.read_text(encoding="utf-8")


def test_planted_markdown_in_articles_is_not_link_syntax() -> None:
    planted = XSS_ARTICLE.__class__(**{**XSS_ARTICLE.__dict__, "article": XSS_ARTICLE.article.__class__(
        label="第一条", number=1, paragraphs=("![跟踪](http://attacker.example/p.png)[点](javascript:x)",))})
    html = render_sources(make_answer("问题", "x[1]", articles=(planted,), linked=()))
    assert "](http" not in html and "![" not in html and "](javascript" not in html and "<img" not in html
    assert "&#91;跟踪&#93;(http://attacker.example/p.png)" in html  # shown as the text it is
