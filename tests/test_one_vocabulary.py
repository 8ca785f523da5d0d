"""The domain vocabulary is defined once: numeral characters in language/numerals.py, penalty words and officials'
aliases in language/data; every other module builds its patterns from those."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering import composer, decline, quoting
from assistant.language.numerals import CN_NUMERAL, NUMERAL_PATTERN, chinese_to_int
from assistant.language.vocabulary import (
    load_aliases,
    penalty_question_words,
    sanction_words,
    stated_sanction_words,
)
from assistant.retrieval import conversation, crossref

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"
# Runs of numeral characters long enough that only a written-out character class contains them.
WRITTEN_OUT = ("一二三四五六七八九十", "零〇一二", "〇零一二", "三四五六七八九")


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_but_numerals_writes_out_the_numeral_characters(path: Path) -> None:
    if path == PACKAGE / "language" / "numerals.py":
        return
    text = path.read_text(encoding="utf-8")
    assert not [run for run in WRITTEN_OUT if run in text], f"{path}: use assistant.language.numerals"


def test_numeral_pattern_reads_what_chinese_to_int_reads() -> None:
    import re

    for text in ("二十一", "二百五十三", "两千", "21"):
        assert re.fullmatch(NUMERAL_PATTERN, text) and chinese_to_int(text) > 0
    assert set(CN_NUMERAL) <= set("零〇一二两三四五六七八九十百千")


def test_penalty_words_are_one_definition_used_by_composer_crossref_and_conversation() -> None:
    question, sanction = penalty_question_words(), sanction_words()
    assert crossref.PENALTY_INTENT is question
    assert composer.is_penalty_question is crossref.is_penalty_question  # the composer asks the retrieval's test
    assert conversation.INTENTS["penalty"][0] is question
    assert crossref.PENALTY_WORDS is sanction and quoting.PENALTY_TEXT is stated_sanction_words()  # noqa: SLF001
    for asked in ("违反了会怎么处罚？", "要承担什么法律责任", "不遵守会有什么后果"):
        assert question.search(asked), asked
    assert not question.search("数据要分类分级吗？") and not question.search("个人信息被违法收集可以要求删除吗")
    assert sanction.search("处十万元以上一百万元以下罚款") and not sanction.search("应当建立数据安全管理制度")
    # 责令改正 marks a penalty article only with its chapter or citation; a duty may use it too.
    assert sanction.search("责令改正") and not stated_sanction_words().search("应当责令其采取整改")


def test_decline_aliases_come_from_the_data_table() -> None:
    assert decline.ALIASES is load_aliases()
    assert load_aliases()["关基"] == "关键信息基础设施"
    assert decline.expand_aliases("关基运营者") == "关键信息基础设施运营者"
