"""A text's penalty for breaching its provisions as a whole answers a penalty question about a duty of that text."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import wiring
from assistant.retrieval.crossref import is_general_penalty, is_penalty_question
from tests.e5_home import e5_home
from tests.test_composer import corpus_articles

INCIDENTS = "国家网络安全事件报告管理办法.md"
PIPL = "个人信息保护法.md"


def test_penalties_for_any_breach_of_the_text_are_told_from_liability_every_text_states(shared_corpus: Path) -> None:
    pipl = corpus_articles(shared_corpus, PIPL)
    incidents = corpus_articles(shared_corpus, INCIDENTS)
    assert is_general_penalty(pipl["第六十六条"])  # 违反本法规定处理个人信息…的，…给予警告…罚款
    assert is_general_penalty(incidents["第十条"])  # 未按照本办法规定报告网络安全事件的，…进行处罚
    assert not is_general_penalty(pipl["第六十九条"])  # 侵害个人信息权益造成损害: civil liability, no duty's sanction
    assert not is_general_penalty(pipl["第七十一条"])  # 违反本法规定，构成违反治安管理行为的 / 构成犯罪的
    assert not is_general_penalty(pipl["第二十一条"])  # a duty, not a penalty


@pytest.fixture(scope="module")
def assistant(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    texts = [INCIDENTS, "网络安全法_2025修正.md", "关键信息基础设施安全保护条例.md"]
    settings, _, _ = e5_home(shared_corpus, tmp_path_factory.mktemp("general_penalty") / "home", texts)
    return wiring.build_assistant(settings)


def test_not_reporting_an_incident_is_answered_with_the_reporting_rules_penalty(assistant) -> None:  # type: ignore[no-untyped-def]
    # Before: 「不报会怎样？」 was no penalty question, and the penalty chosen was 网安法 第六十八条 (setting up a
    # criminal website: the 暗链's words), not the 办法's article on failing to report.
    assert is_penalty_question("不报会怎样？")
    history = ["我们公司的网站被人植入了暗链。", "要在多长时间内报告？"]
    answer = assistant.answer("不报会怎样？", history)
    first = answer.citations[0]
    assert (first.document, first.article) == ("国家网络安全事件报告管理办法", "第十条"), answer.citations
    assert "未按照本办法规定报告网络安全事件" in answer.text.split("\n")[0]
    # A bureau asking of its own website is a state organ: 网安法 第七十四条 (处分) leads, the 办法's article follows.
    answer = assistant.answer("不报会怎样？", ["我们局的网站被人植入了暗链。", "要在多长时间内报告？"])
    cited = [(c.document, c.article) for c in answer.citations]
    assert cited[:2] == [("中华人民共和国网络安全法", "第七十四条"), ("国家网络安全事件报告管理办法", "第十条")], cited


def test_a_penalty_follow_up_to_an_article_no_penalty_cites_gets_its_texts_general_penalty(assistant) -> None:  # type: ignore[no-untyped-def]
    # 「那违反了怎么罚？」 after 第七条 of the reporting rules (what a report contains): no penalty article cites it by
    # number; 第十条 punishes breaching the rules as a whole. The question names no conduct, so retrieval's order,
    # which followed the article named, chooses among the penalty articles.
    answer = assistant.answer("违反了会怎么处理？", ["国家网络安全事件报告管理办法第七条讲的什么？"])
    first = answer.citations[0]
    assert (first.document, first.article) == ("国家网络安全事件报告管理办法", "第十条"), answer.citations
