"""Questions about a regulation's structure are answered from its divisions: chapters, ranges, one chapter's
articles, in the text the question names; questions about a subject inside a chapter are still searched."""

from __future__ import annotations

import pytest

from assistant.answering.assistant import Assistant
from assistant.language.textnorm import normalize_text
from assistant.records import SearchFilters
from assistant.retrieval.lookup import TitleIndex
from assistant.retrieval.outline import OutlineRequest, asks_for_outline


@pytest.fixture(scope="module")
def assistant(hash_assistant: Assistant) -> Assistant:
    return hash_assistant


@pytest.fixture(scope="module")
def titles(assistant: Assistant) -> TitleIndex:
    return assistant.retriever.view().titles


def _request(question: str, titles: TitleIndex) -> OutlineRequest | None:
    text = normalize_text(question).lower()
    return asks_for_outline(text, titles.mentions(text))


@pytest.mark.parametrize(
    ("question", "chapter", "chapter_name"),
    [
        ("个人信息保护法有几章", None, None),
        ("个保法一共多少条？", None, None),
        ("数据安全法的目录", None, None),
        ("关基条例分为哪几个部分", None, None),
        ("网安法第四章讲什么", 4, None),
        ("数安法第六章是什么内容", 6, None),
        ("网络安全法第五章", 5, None),
        ("个保法法律责任那一章有哪些条", None, "法律责任"),
    ],
)
def test_structural_questions_are_recognised(
    question: str, chapter: int | None, chapter_name: str | None, titles: TitleIndex
) -> None:
    request = _request(question, titles)
    assert request is not None, question
    assert (request.chapter, request.chapter_name) == (chapter, chapter_name)


@pytest.mark.parametrize(
    "question",
    [
        "网安法第四章规定了哪些义务",  # a subject inside a chapter: searched
        "数据安全法是什么",
        "个保法有几条规定了敏感个人信息",
        "个人信息保护法第几条规定了告知同意",
        "网络安全法和数据安全法各有几章",  # two regulations: not one text's outline
        "我们单位的制度分几章比较好",  # names no regulation
        "网络安全有哪些部分",  # 网络安全有 is one character from 网络安全法, but no title
    ],
)
def test_questions_about_a_subject_are_not_outlines(question: str, titles: TitleIndex) -> None:
    assert _request(question, titles) is None


def test_whole_outline_counts_chapters_and_gives_ranges(assistant: Assistant) -> None:
    answer = assistant.answer("个人信息保护法有几章？")
    assert not answer.declined
    assert "共八章、七十四条" in answer.text
    assert "- 第一章 总则：第一条至第十二条[1]" in answer.text
    # Sections are listed under their chapter, with their own ranges.
    assert "  - 第二节 敏感个人信息的处理规则：第二十八条至第三十二条" in answer.text
    assert "- 第八章 附则：第七十二条至第七十四条[8]" in answer.text
    assert [c.article for c in answer.citations][:2] == ["第一条", "第十三条"]
    assert len(answer.citations) == 8


def test_older_text_is_outlined_when_asked(assistant: Assistant) -> None:
    old = assistant.answer("旧版网络安全法一共多少条")
    new = assistant.answer("网络安全法一共多少条")
    assert "七十九条" in old.text and "2016-11-07文本" in old.text
    assert "七十九条" not in new.text and "现行有效" in new.text
    assert {c.version_id for c in old.citations} != {c.version_id for c in new.citations}


def test_one_chapter_lists_its_articles_in_order(assistant: Assistant) -> None:
    answer = assistant.answer("个人信息保护法第四章讲什么？")
    assert answer.text.startswith("《中华人民共和国个人信息保护法》")
    assert "第四章 个人在个人信息处理活动中的权利，第四十四条至第五十条，共七条" in answer.text
    numbers = ("四十四", "四十五", "四十六", "四十七", "四十八", "四十九", "五十")
    assert [c.article for c in answer.citations] == [f"第{n}条" for n in numbers]
    assert answer.citations[0].quote.startswith("个人对其个人信息的处理享有知情权、决定权")


def test_chapter_named_by_its_title(assistant: Assistant) -> None:
    answer = assistant.answer("数据安全法法律责任那一章有哪些条")
    assert "第六章 法律责任" in answer.text
    cited = assistant.retriever.catalog.articles_by_keys([f"{c.version_id}#{c.ordinal}" for c in answer.citations])
    assert len(cited) == len(answer.citations) >= 5
    assert all(a.article.headings == ("第六章 法律责任",) for a in cited.values())


def test_a_section_named_by_its_title(assistant: Assistant) -> None:
    answer = assistant.answer("个保法敏感个人信息那一节讲了什么")
    assert "第二章 个人信息处理规则 第二节 敏感个人信息的处理规则，第二十八条至第三十二条，共五条" in answer.text
    assert answer.citations[0].article == "第二十八条"


def test_a_chapter_the_text_lacks_is_said_to_be_missing(assistant: Assistant) -> None:
    answer = assistant.answer("数据安全法第十二章讲什么")
    opening = "《中华人民共和国数据安全法》（2021-06-10文本，现行有效）共七章、五十五条，没有第十二章。"
    assert answer.text.startswith(opening)
    assert "第十二章 " not in answer.text


def test_older_text_named_by_a_short_word(assistant: Assistant) -> None:
    answer = assistant.answer("旧网安法第七章")
    assert "2016-11-07文本" in answer.text and "第七十六条至第七十九条，共四条" in answer.text


def test_a_follow_up_names_another_chapter(assistant: Assistant) -> None:
    first = assistant.answer("网安法第三章讲的什么")
    second = assistant.answer("那第五章呢？", history=[first.question])
    assert "第五章 监测预警与应急处置" in second.text
    assert second.citations[0].article == "第五十三条"


def test_the_users_scope_is_kept(assistant: Assistant) -> None:
    answer = assistant.answer("旧网安法有几条", filters=SearchFilters(current_only=True))
    assert "（2025-10-28文本，现行有效）共七章、八十一条" in answer.text and "2016-11-07" not in answer.text
