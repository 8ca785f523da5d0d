"""Composer: answers built from real articles of ../shared/corpus, quoted exactly, every marker resolving."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from assistant.answering.citations import parse_markers
from assistant.answering.composer import classify, compose
from assistant.language.textnorm import compact
from assistant.parsing.readers import read_source
from assistant.parsing.structure import parse_document
from assistant.records import Hit, LookupResult, RetrievalResult, StoredArticle

MAX_BYTES = 50 * 1024 * 1024


@functools.lru_cache(maxsize=32)
def _load(corpus: Path, name: str) -> dict[str, StoredArticle]:
    parsed = parse_document(read_source(corpus / name, max_bytes=MAX_BYTES))
    meta = parsed.meta
    version_id = f"{Path(name).stem}@{meta.version}"
    return {
        article.label: StoredArticle(
            version_id=version_id,
            doc_id=Path(name).stem.split("_")[0],
            ordinal=ordinal,
            article=article,
            title=meta.title,
            doc_type=meta.doc_type,
            status=meta.status,
            version=meta.version,
            effective_date=meta.effective_date,
            issuing_body=meta.issuing_body,
            is_current=True,
        )
        for ordinal, article in enumerate(parsed.articles)
    }


def corpus_articles(corpus: Path, name: str) -> dict[str, StoredArticle]:
    """Return the articles of one corpus file as the catalog would store them, keyed by label."""
    return _load(corpus, name)


def retrieval_of(
    question: str,
    articles: Sequence[StoredArticle],
    *,
    linked: Sequence[StoredArticle] = (),
    lookups: Sequence[LookupResult] = (),
    evidence: float = 0.8,
) -> RetrievalResult:
    """Return a RetrievalResult ranking the given articles in order, as the Retriever hands them over."""
    hits = tuple(Hit(article=a, score=1 / (61 + rank)) for rank, a in enumerate(articles))
    return RetrievalResult(
        query=question,
        standalone_query=question,
        hits=hits,
        lookups=tuple(lookups),
        linked=tuple(Hit(article=a, score=0.0, via="linked") for a in linked),
        top_score=hits[0].score if hits else 0.0,
        evidence=evidence,
    )


def assert_quotes_are_exact(text: str, articles: Sequence[StoredArticle]) -> None:
    """Every 「…」 quote in text is a verbatim part of one of the articles (an ellipsis cut allowed)."""
    bodies = [compact(a.article.text) for a in articles]
    for quote in re.findall(r"「(.+?)」", text, flags=re.S):
        quote = compact(quote.replace("\n  ", "\n")).removesuffix("……")
        assert any(quote in body for body in bodies), quote


@pytest.fixture()
def cii(shared_corpus: Path) -> dict[str, StoredArticle]:
    return corpus_articles(shared_corpus, "关键信息基础设施安全保护条例.md")


@pytest.fixture()
def pipl(shared_corpus: Path) -> dict[str, StoredArticle]:
    return corpus_articles(shared_corpus, "个人信息保护法.md")


@pytest.fixture()
def dsl(shared_corpus: Path) -> dict[str, StoredArticle]:
    return corpus_articles(shared_corpus, "数据安全法.md")


def test_plain_question_leads_with_the_answer_and_quotes_exactly(dsl: dict[str, StoredArticle]) -> None:
    question = "数据分类分级保护制度是怎么规定的？"
    arts = [dsl["第二十一条"], dsl["第二十七条"], dsl["第五十一条"]]
    composed = compose(question, retrieval_of(question, arts))
    first_line = composed.text.splitlines()[0]
    assert first_line.startswith("根据《中华人民共和国数据安全法》第二十一条：「国家建立数据分类分级保护制度")
    assert first_line.endswith("[1]")
    assert composed.citations[0].label == "《中华人民共和国数据安全法》第二十一条"
    assert composed.citations[0].version == "2021-06-10"
    assert composed.citations[0].effective_date == "2021-09-01"
    assert_quotes_are_exact(composed.text, arts)
    assert set(parse_markers(composed.text)) == {c.marker for c in composed.citations}


def test_list_question_gathers_every_article_that_imposes_a_duty(cii: dict[str, StoredArticle]) -> None:
    question = "关基运营者有哪些安全保护义务？"
    arts = [cii[label] for label in ("第十三条", "第三十九条", "第十五条", "第十四条", "第十九条", "第二条")]
    composed = compose(question, retrieval_of(question, arts), max_citations=6)
    cited = [c.article for c in composed.citations]
    assert composed.kind == "list"
    assert {"第十三条", "第十四条", "第十五条", "第十九条"} <= set(cited)
    assert "第三十九条" not in cited  # a penalty, not a duty
    assert composed.text.startswith(f"共有{len(cited)}条规定对此提出要求")
    # 第十五条's items (项) are listed one per line under their lead-in.
    assert "\n  （八）按照规定报告网络安全事件和重要事项。" in composed.text
    assert re.search(r"^1\. 第十三条：「运营者应当建立健全网络安全保护制度和责任制", composed.text, re.M)
    assert_quotes_are_exact(composed.text, arts)


def test_penalty_question_leads_with_the_penalty_article(pipl: dict[str, StoredArticle]) -> None:
    question = "违反个人信息保护法处理个人信息怎么处罚？"
    retrieval = retrieval_of(question, [pipl["第十三条"], pipl["第十条"]], linked=[pipl["第六十六条"]])
    composed = compose(question, retrieval)
    assert composed.kind == "penalty"
    assert composed.citations[0].article == "第六十六条"
    assert composed.text.startswith("相应的法律责任见《中华人民共和国个人信息保护法》第六十六条")
    assert "一百万元以下罚款" in composed.text


def test_penalty_citing_the_quoted_duty_comes_first(shared_corpus: Path) -> None:
    # 第六十五条 shares more of the question's words (直接负责的主管人员, 罚款), but 第六十一条 is the one punishing
    # 第二十七条 (应急预案), the duty the answer quotes.
    law = corpus_articles(shared_corpus, "网络安全法_2025修正.md")
    question = "单位OA系统中了勒索病毒，事后查出应急预案从来没落实。单位和直接负责的主管人员各可能罚多少？"
    retrieval = retrieval_of(question, [law["第六十五条"], law["第二十七条"], law["第六十一条"]])
    composed = compose(question, retrieval)
    assert composed.kind == "penalty"
    cited = [c.article for c in composed.citations]
    assert cited[0] == "第六十一条" and "第二十七条" in cited


def test_lookup_answers_with_the_whole_article(pipl: dict[str, StoredArticle]) -> None:
    question = "个保法第13条"
    lookup = LookupResult(reference="个保法第13条", title=pipl["第十三条"].title, label="第十三条",
                          article=pipl["第十三条"])
    composed = compose(question, retrieval_of(question, [pipl["第十三条"]], lookups=[lookup]))
    assert composed.kind == "lookup"
    assert [c.article for c in composed.citations] == ["第十三条"]
    for paragraph in pipl["第十三条"].article.paragraphs:
        assert paragraph.replace("\n", "\n  ") in composed.text


def _lookup_of(article: StoredArticle, reference: str) -> LookupResult:
    return LookupResult(reference=reference, title=article.title, label=article.article.label, article=article)


def test_lookup_asking_about_another_text_also_quotes_its_best_article(
    pipl: dict[str, StoredArticle], shared_corpus: Path
) -> None:
    report = corpus_articles(shared_corpus, "国家网络安全事件报告管理办法.md")
    question = "个保法第五十七条说泄露了要通知，国家网络安全事件报告管理办法又说要报告，是不是两套都要走？"
    found = [pipl["第五十七条"], pipl["第五十一条"], report["第四条"]]
    lookup = _lookup_of(pipl["第五十七条"], "个保法第五十七条")
    composed = compose(question, retrieval_of(question, found, lookups=[lookup]))
    cited = [c.label for c in composed.citations]
    assert cited[0] == "《中华人民共和国个人信息保护法》第五十七条"
    # The other text named comes before a second article of the text referred to.
    assert cited[1] == "《国家网络安全事件报告管理办法》第四条"
    assert "与所问相关的还有：《国家网络安全事件报告管理办法》第四条[2]" in composed.text
    assert_quotes_are_exact(composed.text, found)
    assert set(parse_markers(composed.text)) == {c.marker for c in composed.citations}


def test_lookup_asking_more_than_its_article_holds_gets_the_best_others(pipl: dict[str, StoredArticle]) -> None:
    question = "个保法第三十八条列了几种途径，其中标准合同这条要同时满足哪些门槛？想确认一下具体条件。"
    found = [pipl["第三十八条"], pipl["第三十九条"], pipl["第四十条"]]
    lookup = _lookup_of(pipl["第三十八条"], "个保法第三十八条")
    composed = compose(question, retrieval_of(question, found, lookups=[lookup]))
    assert [c.article for c in composed.citations] == ["第三十八条", "第三十九条", "第四十条"]


@pytest.mark.parametrize("question", ["个保法第十三条讲的啥", "个保法第十三条规定的取得个人同意的情形"])
def test_lookup_asking_only_about_its_article_quotes_it_alone(pipl: dict[str, StoredArticle], question: str) -> None:
    found = [pipl["第十三条"], pipl["第十四条"], pipl["第二十九条"]]
    lookup = _lookup_of(pipl["第十三条"], "个保法第十三条")
    composed = compose(question, retrieval_of(question, found, lookups=[lookup]))
    assert [c.article for c in composed.citations] == ["第十三条"]


def test_lookup_of_a_missing_article_says_so_and_cites_nothing(pipl: dict[str, StoredArticle]) -> None:
    question = "个保法第九十九条"
    lookup = LookupResult(reference=question, title="中华人民共和国个人信息保护法", label="第九十九条", article=None,
                          message="《中华人民共和国个人信息保护法》共七十四条，没有第九十九条。")
    composed = compose(question, retrieval_of(question, [pipl["第七十四条"]], lookups=[lookup]))
    assert composed.declined and composed.citations == ()
    assert "没有第九十九条" in composed.text


def test_lookup_of_a_missing_article_asking_more_still_cites_nothing(pipl: dict[str, StoredArticle]) -> None:
    question = "个保法第九十九条规定的个人信息处理者在委托处理时有哪些具体要求和限制"
    lookup = LookupResult(reference="个保法第九十九条", title="中华人民共和国个人信息保护法", label="第九十九条",
                          article=None, message="《中华人民共和国个人信息保护法》共七十四条，没有第九十九条。")
    # The retriever searches nothing when every article asked for is missing.
    composed = compose(question, retrieval_of(question, [], lookups=[lookup]))
    assert composed.declined and composed.citations == ()


def test_a_number_of_the_situation_is_not_corrected_as_a_premise(shared_corpus: Path) -> None:
    audit = corpus_articles(shared_corpus, "个人信息保护合规审计管理办法.md")
    question = "我们医院一年门诊量上千万人次，被要求做个人信息保护合规审计。多久做一次？法律依据是什么？"
    composed = compose(question, retrieval_of(question, [audit["第四条"], audit["第三条"]]))
    assert not composed.text.startswith("不对")
    assert composed.citations[0].article == "第四条" and len(composed.citations) == 2


def test_a_question_ending_in_shenme_asks_for_a_definition_not_a_verdict(pipl: dict[str, StoredArticle]) -> None:
    assert classify("法律上敏感个人信息的含义是什么？", retrieval_of("", [pipl["第二十八条"]])) == "definition"


def test_false_premise_with_a_time_limit_is_corrected(pipl: dict[str, StoredArticle]) -> None:
    question = "个保法规定泄露后72小时内必须报告，对吗？"
    composed = compose(question, retrieval_of(question, [pipl["第五十七条"], pipl["第五十一条"]]))
    assert composed.text.startswith("不对。《中华人民共和国个人信息保护法》第五十七条并没有「72小时」的规定")
    assert "应当立即采取补救措施" in composed.text
    assert [c.article for c in composed.citations] == ["第五十七条"]


def test_definition_question_leads_with_the_defining_article(pipl: dict[str, StoredArticle]) -> None:
    question = "个人信息保护法里个人信息怎么定义？"
    arts = [pipl["第一条"], pipl["第十一条"], pipl["第四条"], pipl["第三十八条"]]
    composed = compose(question, retrieval_of(question, arts))
    assert composed.kind == "definition"
    assert composed.citations[0].article == "第四条"
    assert "已识别或者可识别的自然人有关的各种信息" in composed.text.splitlines()[0]


def test_premise_is_checked_on_the_article_stating_that_kind_of_limit(shared_corpus: Path) -> None:
    law = corpus_articles(shared_corpus, "网络安全法_2025修正.md")
    question = "网络安全法规定网络日志至少保存三个月，对吧？"
    composed = compose(question, retrieval_of(question, [law["第十二条"], law["第二十三条"]]))
    assert composed.text.startswith("不对。《中华人民共和国网络安全法》第二十三条并没有「三个月」的规定")
    assert "不少于六个月" in composed.text.splitlines()[0]


def test_a_premise_stated_by_a_later_article_found_is_confirmed_not_corrected(shared_corpus: Path) -> None:
    # 密码法 第二十七条 came first and states no period; 商用密码管理条例 第三十八条, second, says 每年至少进行一次.
    # The answer was 「不对。…第二十七条并没有「一年」的规定」: the asker was told the very rule is not one.
    crypto_law = corpus_articles(shared_corpus, "密码法.md")
    regulation = corpus_articles(shared_corpus, "商用密码管理条例.md")
    question = "我们是关基单位，密评是不是一年一次？"
    composed = compose(question, retrieval_of(question, [crypto_law["第二十七条"], regulation["第三十八条"]]))
    assert not composed.text.startswith("不对"), composed.text
    assert composed.citations[0].document == "商用密码管理条例" and composed.citations[0].article == "第三十八条"
    assert "每年至少进行一次" in composed.text.splitlines()[0]


def test_a_looked_up_article_stating_no_time_brings_one_found_that_states_it(shared_corpus: Path) -> None:
    # 数据安全法 第三十条 says 定期; 网络数据安全管理条例 第三十三条 says 每年度. The answer quoted 第三十条 alone.
    law = corpus_articles(shared_corpus, "数据安全法.md")
    regulation = corpus_articles(shared_corpus, "网络数据安全管理条例.md")
    question = "数据安全法第三十条规定的风险评估多久做一次？"
    lookup = LookupResult(reference="数据安全法第三十条", title=law["第三十条"].title, label="第三十条",
                          article=law["第三十条"])
    found = [law["第三十条"], law["第二十一条"], regulation["第三十三条"]]
    composed = compose(question, retrieval_of(question, found, lookups=[lookup]))
    cited = [(c.document, c.article) for c in composed.citations]
    assert cited[:2] == [(law["第三十条"].title, "第三十条"), ("网络数据安全管理条例", "第三十三条")], cited
    assert ("中华人民共和国数据安全法", "第二十一条") not in cited  # found, but states no time


def test_a_question_asking_how_long_is_led_by_the_article_stating_a_time(shared_corpus: Path) -> None:
    # 事件报告办法 第七条 (what a report contains) ranked first; 第四条, second, states the hours.
    incidents = corpus_articles(shared_corpus, "国家网络安全事件报告管理办法.md")
    question = "网站被人植入了暗链，要在多长时间内报告？"
    composed = compose(question, retrieval_of(question, [incidents["第七条"], incidents["第四条"]]))
    assert [c.article for c in composed.citations][:1] == ["第四条"], composed.citations
    # Asked for no time, retrieval's order stands.
    other = "网站被人植入了暗链，报告给谁？"
    composed = compose(other, retrieval_of(other, [incidents["第七条"], incidents["第四条"]]))
    assert composed.kind == "answer" and composed.citations[0].article == "第七条", composed.citations


def test_question_stating_the_right_number_is_not_contradicted(cii: dict[str, StoredArticle]) -> None:
    question = "关键信息基础设施发生较大变化的，保护工作部门要在3个月内完成重新认定，对吗？"
    composed = compose(question, retrieval_of(question, [cii["第十一条"]]))
    assert not composed.text.startswith("不对")
    assert "3个月内完成重新认定" in composed.text


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("关基运营者有哪些安全保护义务？", "list"),
        ("不报告有什么后果？", "penalty"),
        ("关键信息基础设施是怎么定义的？", "definition"),
        ("哪些属于敏感个人信息？", "definition"),
        ("数据分类分级保护制度是怎么规定的？", "answer"),
        ("政务数据包括国家秘密，所有部门之间都能无条件共享，对吗？", "answer"),
    ],
)
def test_classify(question: str, kind: str) -> None:
    assert classify(question, RetrievalResult(question, question, ())) == kind


def test_a_follow_up_keeps_the_form_it_was_asked_in() -> None:
    # The rewritten query joins the earlier turn and drops the 吗: the turn itself asks yes or no, not for a list.
    question = "敏感个人信息里包括行踪轨迹吗？"
    rewritten = RetrievalResult(question, "个人信息保护法第二十八条 敏感个人信息里包括行踪轨迹", ())
    assert classify(question, rewritten) == "answer"


def test_penalty_follow_up_to_a_looked_up_article_leads_with_its_penalty(cii: dict[str, StoredArticle]) -> None:
    question = "违反了会怎么处理？"
    lookup = LookupResult(reference="第三十一条", title=cii["第三十一条"].title, label="第三十一条",
                          article=cii["第三十一条"])
    retrieval = retrieval_of(question, [cii["第三十一条"]], linked=[cii["第四十三条"]], lookups=[lookup])
    composed = compose(question, retrieval)
    assert composed.kind == "penalty"
    assert [c.article for c in composed.citations] == ["第四十三条", "第三十一条"]


@pytest.mark.parametrize(
    ("question", "other", "other_first"),
    [
        # The regulation named: 个保法…72小时 is checked on the PIPL, not on a secrecy rule's 24小时.
        ("个保法规定泄露后72小时内必须报告，对吗？", ("保守国家秘密法实施条例.md", "第六十一条"), True),
        # The article about it: 网络数据安全管理条例 第十条 states 24小时 for product vulnerabilities; the leak rule
        # states no hours. The correction named 第十条.
        ("个人信息泄露了要在72小时内通知本人吧？", ("网络数据安全管理条例.md", "第十条"), False),
    ],
)
def test_premise_is_checked_on_the_article_about_it(
    pipl: dict[str, StoredArticle], shared_corpus: Path, question: str, other: tuple[str, str], other_first: bool
) -> None:
    unrelated = corpus_articles(shared_corpus, other[0])[other[1]]
    found = [unrelated, pipl["第五十七条"]] if other_first else [pipl["第五十七条"], unrelated]
    composed = compose(question, retrieval_of(question, found))
    expected = "不对。《中华人民共和国个人信息保护法》第五十七条并没有「72小时」的规定"
    assert composed.text.startswith(expected), composed.text
