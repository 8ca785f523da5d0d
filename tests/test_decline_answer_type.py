"""Answer-type check: a question about a fee is declined when no top article speaks of fees."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.decline import asks_for_fee, decide, fee_in_top_articles
from tests.test_composer import corpus_articles, retrieval_of


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("网络安全等级保护测评的收费标准是多少？", True),
        ("網絡安全保險的保費怎麼計算？", True),
        ("关基运营者没有开展密评，罚多少钱？", False),
        ("网络运营者应当履行哪些安全保护义务？", False),
    ],
)
def test_asks_for_fee(question: str, expected: bool) -> None:
    assert asks_for_fee(question) is expected


def test_fee_question_over_articles_without_fees_is_declined(shared_corpus: Path) -> None:
    csl = corpus_articles(shared_corpus, "网络安全法_2025修正.md")
    question = "网络安全等级保护测评的收费标准是多少？"
    retrieval = retrieval_of(question, [csl["第二十三条"], csl["第三十六条"]], evidence=0.95)
    assert not fee_in_top_articles(retrieval)
    decision = decide(question, retrieval, threshold=0.43)
    assert decision.decline and "fee" in decision.reason


def test_fee_question_over_an_article_that_charges_is_answered(shared_corpus: Path) -> None:
    # 网络数据安全管理条例 第五十一条: supervision checks 不得收取费用.
    charging = corpus_articles(shared_corpus, "网络数据安全管理条例.md")["第五十一条"]
    question = "主管部门做数据安全检查收费吗？"
    retrieval = retrieval_of(question, [charging], evidence=0.95)
    assert fee_in_top_articles(retrieval)
    assert not decide(question, retrieval, threshold=0.43).decline
