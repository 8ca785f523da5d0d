"""One vocabulary of the words that point at an amended law's older text or at the text in force, read the same way
by the version linker, follow-up questions and the direct lookup."""

from __future__ import annotations

import pytest

from assistant.language.version_cues import (
    CURRENT_TEXT,
    CURRENT_TEXT_NEAR_NUMBER,
    OLD_TEXT_ITSELF,
    OLD_TEXT_NEAR_NUMBER,
)
from assistant.retrieval.version_links import is_version_question, without_version_words


@pytest.mark.parametrize("before", ["旧法", "原来的", "以前", "老的", "2016年版", "修订前", "上一版", "原文"])
def test_words_before_a_number_put_it_in_the_older_text(before: str) -> None:
    assert OLD_TEXT_NEAR_NUMBER.search(before)
    assert not CURRENT_TEXT_NEAR_NUMBER.search(before)


@pytest.mark.parametrize("before", ["现行", "新法", "现在", "修正后", "新网安法"])
def test_words_before_a_number_put_it_in_the_text_in_force(before: str) -> None:
    assert CURRENT_TEXT_NEAR_NUMBER.search(before)


@pytest.mark.parametrize("question", ["系统以前的日志要保存多久", "App更新了新版本要重新备案吗", "原来的负责人离职了"])
def test_short_words_do_not_name_a_text_outside_the_place_before_a_number(question: str) -> None:
    assert not CURRENT_TEXT.search(question)
    assert not OLD_TEXT_ITSELF.search(question)


def test_the_older_text_itself_is_asked_for_by_name_only() -> None:
    assert OLD_TEXT_ITSELF.search("网安法修正前的原文")
    assert not OLD_TEXT_ITSELF.search("按旧法罚多少")  # searched in the text in force, then followed (see the module)


@pytest.mark.parametrize("question", ["上一版网安法对日志怎么规定", "老规定里这条罚多少", "旧网安法第六十四条"])
def test_a_question_naming_the_older_text_is_a_version_question(question: str) -> None:
    assert is_version_question(question)
    assert "上一版" not in without_version_words(question) and "旧" not in without_version_words(question)
