"""Questions about a regulation as a document (status, dates, issuing body, 文号, amendments) are answered from the
catalog's record of each version, citing the article stating when it takes effect; other questions are searched."""

from __future__ import annotations

import pytest

from assistant.answering.assistant import Assistant
from assistant.language.textnorm import normalize_text
from assistant.records import SearchFilters
from assistant.retrieval.document_facts import (
    AMENDMENTS,
    EFFECTIVE,
    ISSUER,
    MAKING,
    NUMBER,
    PROMULGATED,
    STATUS,
    asks_for_facts,
)


def _asked(question: str, assistant: Assistant) -> tuple[str, ...]:
    text = normalize_text(question).lower()
    return asks_for_facts(text, assistant.retriever.view().titles.mentions(text))


@pytest.mark.parametrize(
    ("question", "first"),
    [
        ("关基条例现在还有效吗", STATUS),
        ("计算机信息系统安全保护条例废止了没有", STATUS),
        ("密码法啥时候开始施行的？", EFFECTIVE),
        ("数据安全法是哪个部门发布的", ISSUER),
        ("生成式人工智能服务管理暂行办法是哪几个部门联合发布的", ISSUER),
        ("网络数据安全管理条例是什么时候公布的", PROMULGATED),
        ("政务数据共享条例的文号是多少", NUMBER),
        ("电子签名法修改过几次", AMENDMENTS),
        ("網安法修正案什麼時候開始施行", EFFECTIVE),
        ("个保法是哪天表决通过的", MAKING),
    ],
)
def test_questions_about_a_document_are_recognised(question: str, first: str, hash_assistant: Assistant) -> None:
    asked = _asked(question, hash_assistant)
    assert asked and asked[0] == first, (question, asked)


@pytest.mark.parametrize(
    "question",
    [
        "数据安全法规定了哪些部门的职责",  # duties of departments: searched
        "个保法什么时候需要单独同意",  # 什么时候 about a situation, not the text
        "网安法第七十九条什么时候施行",  # an article named: looked up
        "网络安全法和数据安全法哪个先施行",  # two regulations
        "我们单位的制度什么时候施行",  # names no regulation
        "匿名化以后的个人信息有效吗",  # 个人信息有 is one character from 个人信息法, but no title
    ],
)
def test_other_questions_are_not_read_as_about_the_document(question: str, hash_assistant: Assistant) -> None:
    assert _asked(question, hash_assistant) == ()


def test_status_is_answered_with_the_record_and_the_commencement_article(hash_assistant: Assistant) -> None:
    answer = hash_assistant.answer("关基条例现在还有效吗")
    assert answer.text.startswith("《关键信息基础设施安全保护条例》的效力状态：现行有效。")
    assert "- 文号：国务院令第745号" in answer.text and "- 公布日期：2021-07-30" in answer.text
    assert "施行日期：2021-09-01（第五十一条：「本条例自2021年9月1日起施行。」[1]）" in answer.text
    assert [c.article for c in answer.citations] == ["第五十一条"]
    assert answer.text.rstrip().endswith("请以官方公布为准。")


def test_issuer_leads(hash_assistant: Assistant) -> None:
    answer = hash_assistant.answer("数据安全法是哪个部门发布的")
    lead = "《中华人民共和国数据安全法》由全国人民代表大会常务委员会发布（中华人民共和国主席令第八十四号）。"
    assert answer.text.startswith(lead)


def test_effective_on_publication_is_stated_by_the_article(hash_assistant: Assistant) -> None:
    answer = hash_assistant.answer("计算机信息系统安全保护条例什么时候施行的")
    assert "施行日期：1994-02-18（第三十一条：「本条例自发布之日起施行。」[1]）" in answer.text


def test_an_amended_law_gives_each_text_and_says_which_date_its_article_keeps(hash_assistant: Assistant) -> None:
    answer = hash_assistant.answer("网安法什么时候开始施行")
    assert answer.text.startswith("《中华人民共和国网络安全法》2025-10-28文本自2026-01-01起施行。")
    kept = "本文本第八十一条：「本法自2017年6月1日起施行。」[1]为原施行日期；修改后的文本自2026-01-01起施行"
    assert kept in answer.text
    assert "《中华人民共和国网络安全法》2016-11-07文本：\n- 效力状态：已修改" in answer.text
    assert [c.article for c in answer.citations] == ["第八十一条", "第七十九条"]


def test_the_older_text_named_leads(hash_assistant: Assistant) -> None:
    answer = hash_assistant.answer("2016年版网安法什么时候施行的")
    assert answer.text.startswith("《中华人民共和国网络安全法》2016-11-07文本自2017-06-01起施行[1]。")


def test_the_users_scope_is_kept(hash_assistant: Assistant) -> None:
    answer = hash_assistant.answer("网安法还有效吗", filters=SearchFilters(current_only=True))
    assert "2016-11-07" not in answer.text and "现行有效" in answer.text


def test_amendments_are_counted(hash_assistant: Assistant) -> None:
    answer = hash_assistant.answer("电子签名法修改过几次")
    assert answer.text.startswith("《中华人民共和国电子签名法》登记有两次修改：2015-04-24、2019-04-23。")


def test_how_a_text_was_made_is_declined_with_what_the_library_holds(hash_assistant: Assistant) -> None:
    answer = hash_assistant.answer("数据安全法是谁起草的？")
    assert answer.declined and answer.citations == ()
    assert "不含起草、审议、表决等立法过程" in answer.text
    assert "制定机关为全国人民代表大会常务委员会，2021-06-10公布" in answer.text
    # 通过 alone asks for the date the record holds.
    assert not hash_assistant.answer("数据安全法是哪天通过的").declined
