"""Follow-up questions become standalone queries by rules, or by a rewrite callable when one is given."""

from __future__ import annotations

import re

import pytest

from assistant.retrieval.conversation import (
    detect_intent,
    is_follow_up,
    own_words_query,
    rule_based_query,
    standalone_query,
)


def find(text: str) -> list[str]:
    """Stand-in for the catalog's title finder."""
    return re.findall(r"数据安全法|网络安全法|个人信息保护法|关键信息基础设施安全保护条例", text)


@pytest.mark.parametrize(
    ("question", "intent"),
    [("那违反了怎么处罚？", "penalty"), ("重要数据是指什么", "definition"), ("备案流程是什么", "procedure"),
     ("数据分类分级", None)],
)
def test_detect_intent(question: str, intent: str | None) -> None:
    assert detect_intent(question) == intent


def test_a_question_without_history_is_left_alone() -> None:
    assert standalone_query("那违反了怎么处罚？", (), find=find) == "那违反了怎么处罚？"


def test_penalty_follow_up_carries_regulation_topic_and_intent() -> None:
    query = rule_based_query("那违反了怎么处罚？", ["数据安全法对重要数据出境有什么要求？"], find)
    assert "数据安全法" in query and "重要数据出境" in query and "法律责任" in query
    assert "那" not in query.split()[0]


def test_new_article_of_the_same_regulation() -> None:
    assert rule_based_query("第二十一条呢？", ["数据安全法第二十七条讲什么"], find) == "数据安全法第二十一条"


@pytest.mark.parametrize(
    ("question", "earlier", "query"),
    [
        ("那第六十四条呢，还在吗？", "旧网络安全法第五十九条在修正后是第几条？", "旧网络安全法第六十四条 ，还在"),
        ("第六十条呢", "2016年版网络安全法第五十九条讲什么", "2016年版网络安全法第六十条"),
        ("第六十条呢", "网络安全法第五十九条修正后是第几条", "网络安全法第六十条"),  # 修正后 follows the number
        ("新法第六十条呢", "旧网络安全法第五十九条讲什么", "网络安全法新法第六十条"),  # the turn says its own text
        # The cue words are those the version linker reads before a number (language/version_cues.py).
        ("第六十条呢", "以前网络安全法第五十九条讲什么", "以前网络安全法第六十条"),
        ("第六十条呢", "旧法网络安全法第五十九条讲什么", "旧法网络安全法第六十条"),
    ],
)
def test_a_follow_up_number_stays_in_the_text_the_earlier_number_was_in(question: str, earlier: str,
                                                                       query: str) -> None:
    assert rule_based_query(question, [earlier], find) == query


def test_regulation_comes_from_an_earlier_turn_when_the_latest_names_none() -> None:
    history = ["关键信息基础设施安全保护条例对运营者有什么要求", "要设置什么机构？"]
    query = rule_based_query("这个机构具体负责什么？", history, find)
    assert query.startswith("关键信息基础设施安全保护条例") and "机构" in query


def test_a_complete_new_question_is_not_rewritten() -> None:
    history = ["数据安全法第二十七条讲什么"]
    question = "个人信息保护法对敏感个人信息的处理有什么特别规定"
    assert not is_follow_up(question, history, find)
    assert rule_based_query(question, history, find) == question


def test_a_complete_question_without_a_regulation_stays_in_the_conversation() -> None:
    history = ["个人信息保护法对个人信息处理者有什么义务"]
    query = rule_based_query("用户要求删除个人信息怎么办", history, find)
    assert query == "个人信息保护法对个人信息处理者有 义务 用户要求删除个人信息"
    assert own_words_query("用户要求删除个人信息怎么办", history, find) == "个人信息保护法 用户要求删除个人信息"


def test_model_rewrite_is_used_and_its_failure_falls_back_to_rules() -> None:
    history = ["数据安全法对重要数据出境有什么要求？"]
    calls: list[tuple[str, tuple[str, ...]]] = []

    def rewrite(question: str, turns):  # type: ignore[no-untyped-def]
        calls.append((question, tuple(turns)))
        return "违反数据安全法重要数据出境规定的处罚"

    assert standalone_query("那违反了怎么处罚？", history, rewrite, find) == "违反数据安全法重要数据出境规定的处罚"
    assert calls == [("那违反了怎么处罚？", tuple(history))]

    def broken(question: str, turns):  # type: ignore[no-untyped-def]
        raise TimeoutError("model did not answer")

    assert "数据安全法" in standalone_query("那违反了怎么处罚？", history, broken, find)
    assert "数据安全法" in standalone_query("那违反了怎么处罚？", history, lambda q, h: "  ", find)
