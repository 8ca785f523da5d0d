"""Composer: what retrieval ranked first is quoted, whatever few of the question's own words it shares."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.composer import classify, compose
from assistant.records import LookupResult, RetrievalResult
from tests.test_composer import assert_quotes_are_exact, corpus_articles, retrieval_of


def test_a_list_answer_keeps_retrievals_first_three(shared_corpus: Path) -> None:
    # 第二十八条 (生物识别 is sensitive) shares hardly a word with 刷脸/人脸照片: retrieval found it by meaning.
    pipl = corpus_articles(shared_corpus, "个人信息保护法.md")
    question = "政务服务App新版本想加一个“刷脸登录”功能，要采集群众的人脸照片做比对。这种人脸信息采集有什么特别要求？"
    found = [pipl["第二十八条"], pipl["第六十二条"], pipl["第二十六条"], pipl["第三十条"]]
    composed = compose(question, retrieval_of(question, found))
    assert composed.kind == "list"
    assert "第二十八条" in [c.article for c in composed.citations]


def test_a_follow_up_is_read_for_its_form_in_its_own_words() -> None:
    # The earlier turn's 属于 (「…应该属于国家秘密，该怎么处理？」) is in the rewritten query; the turn asks how long.
    question = "报上去以后，多久能有个说法？"
    rewritten = ("保守国家秘密法 我们局碰到一个事项，保密事项范围里找不到，但按保密法看应该属于国家秘密，该 处理 "
                 "报上去以后，多久能有个说法")
    assert classify(question, RetrievalResult(question, rewritten, ())) == "answer"
    # And a list asked in the turn is a list, though the rewrite dropped its 哪些.
    question = "那备案要交哪些材料？"
    assert classify(question, RetrievalResult(question, "…要去哪备案 备案要交 材料", ())) == "list"


def test_the_implementing_regulation_of_a_named_law_is_looked_in_first(shared_corpus: Path) -> None:
    # 保密法 named, the period asked is in its 实施条例 (第二十五条: 10个工作日内); the law's articles, more of them
    # ranked first by the earlier turn's words, must not crowd it out.
    rules = corpus_articles(shared_corpus, "保守国家秘密法实施条例.md")
    law = corpus_articles(shared_corpus, "保守国家秘密法.md")
    question = "报上去以后，多久能有个说法？"
    rewritten = "保守国家秘密法 按保密法看应该属于国家秘密，该 处理 报上去以后，多久能有个说法"
    found = [rules["第二十五条"], law["第二条"], law["第十九条"], law["第十三条"], law["第二十条"]]
    retrieval = retrieval_of(question, found)
    retrieval = RetrievalResult(question, rewritten, retrieval.hits, evidence=retrieval.evidence)
    composed = compose(question, retrieval)
    assert composed.citations[0].article == "第二十五条"
    assert "10个工作日内" in composed.text


@pytest.mark.parametrize(
    "question",
    [
        # 第二十七条's own words fill the question; it asks for more detailed rules all the same.
        "数安法第二十七条说重要数据的处理者要明确数据安全负责人，有没有更细的规定？",
        "数安法第二十七条规定重要数据的处理者应当明确数据安全负责人和管理机构，还有哪些配套的办法？",
    ],
)
def test_a_looked_up_article_asked_beyond_brings_the_best_others(shared_corpus: Path, question: str) -> None:
    dsl = corpus_articles(shared_corpus, "数据安全法.md")
    rules = corpus_articles(shared_corpus, "网络数据安全管理条例.md")
    found = [dsl["第二十七条"], rules["第三十条"], dsl["第二十一条"]]
    lookup = LookupResult(reference="数安法第二十七条", title=dsl["第二十七条"].title, label="第二十七条",
                          article=dsl["第二十七条"])
    composed = compose(question, retrieval_of(question, found, lookups=[lookup]))
    assert [c.label for c in composed.citations][:2] == [
        "《中华人民共和国数据安全法》第二十七条", "《网络数据安全管理条例》第三十条"]
    assert_quotes_are_exact(composed.text, found)
