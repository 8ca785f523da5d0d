"""A status the asker denies (「我们不是关基」) is not searched, and the answer quotes the rule for everyone else."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from assistant import wiring
from assistant.answering.composer import compose
from assistant.answering.decline import query_terms
from assistant.answering.quoting import best_sentence, pick_paragraphs, with_cases
from assistant.language.negation import compares_with_denied, denied_statuses, states_status
from assistant.records import Hit
from tests.e5_home import e5_home
from tests.test_composer import corpus_articles, retrieval_of

INCIDENTS = "国家网络安全事件报告管理办法.md"
CII = "关键信息基础设施安全保护条例.md"


@pytest.mark.parametrize(
    ("question", "denied"),
    [
        ("医院不是关基，要在几个小时内报给谁？", ["关键信息基础设施"]),
        ("我们是区政府办，不属于关基，该向哪里报告", ["关键信息基础设施"]),
        ("我们是市属国企（不是关基），要向谁报？", ["关键信息基础设施"]),
        ("我们不是关基，也不是中央单位，最晚多久报？", ["关键信息基础设施", "中央"]),
        ("我们既不是关基也不是中央单位，多久报", ["关键信息基础设施", "中央"]),
        ("我們醫院不是關基，要多久上報？", ["关键信息基础设施"]),  # traditional script
        ("我们单位不是关基运营者，要做检测评估吗？", ["关键信息基础设施"]),
        # A term of art stays whole when its status alone would be too short to name anything: 数据 is every text.
        ("我们不是数据处理者，要做什么？", ["数据处理者"]),
        # Asked, not denied: the words are the subject.
        ("我们的政务云是不是关基？", []),
        ("政务外网算不算关键信息基础设施？", []),
        ("医院不属于关基吗？", []),
        ("属不属于关基由谁认定？", []),
        # Denies no category.
        ("我们不是很清楚这条规定，要报备吗？", []),
    ],
)
def test_denied_statuses_are_read_from_declarative_clauses(question: str, denied: list[str]) -> None:
    assert list(denied_statuses(question)) == denied


@pytest.mark.parametrize(
    ("question", "compares"),
    [
        ("医院不是关基，要在几个小时内报给谁？", False),
        ("我们不是关基但数据量很大，要评估吗", False),
        # Whether the status's rule binds the asker too: that rule is what is asked about.
        ("我们不是重要数据处理者，还要每年做风险评估吗？", True),
        ("我们不是关基，是否也要做密评？", True),
    ],
)
def test_a_question_may_ask_whether_the_denied_status_rules_bind_the_asker_too(question: str, compares: bool) -> None:
    assert compares_with_denied(question) is compares


def test_the_statutes_own_denial_is_not_the_denied_status() -> None:
    status = "关键信息基础设施"
    assert states_status("涉及关键信息基础设施的，网络运营者应当第一时间报告", status)
    assert not states_status("（一）非关键信息基础设施运营者；", status)
    assert not states_status("其他网络运营者应当及时向属地省级网信部门报告，最迟不得超过4小时。", status)


def test_the_rule_for_everyone_else_is_quoted_to_one_outside_the_categories(shared_corpus: Path) -> None:
    article = corpus_articles(shared_corpus, INCIDENTS)["第四条"]
    question = "我们是市属国企（不是关基），发现服务器中了勒索病毒，研判是较大事件。要向谁报、最晚多久报？"
    hit = Hit(article=article, score=1.0)
    terms = query_terms(question)
    denied = list(denied_statuses(question))
    chosen = pick_paragraphs(hit, terms, "answer", denied)
    quoted = "\n".join(article.article.paragraphs[i] for i in chosen)
    assert "其他网络运营者" in quoted and "4小时" in quoted, quoted
    assert best_sentence(quoted, terms, denied=denied).startswith("其他网络运营者")
    denying = dataclasses.replace(retrieval_of(question, [article]), denied=tuple(denied))
    lead = compose(question, denying).text.split("\n")[0]
    assert "4小时" in lead and "关键信息基础设施" not in lead, lead


@pytest.fixture(scope="module")
def assistant(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    texts = [INCIDENTS, CII, "计算机信息系统安全保护条例.md"]
    settings, _, _ = e5_home(shared_corpus, tmp_path_factory.mktemp("negation") / "home", texts)
    return wiring.build_assistant(settings)


def test_an_official_outside_cii_is_told_the_four_hour_rule_not_the_cii_rules(assistant) -> None:  # type: ignore[no-untyped-def]
    # Before: 「不是关基」 was the question's rarest words; the answer led with 「涉及关键信息基础设施的…最迟不得超过
    # 1小时」 and cited 关基条例 articles on the operator's duties, none of which bind the asker.
    question = ("我们是市属国企（不是关基），今天早上发现几台业务服务器中了勒索病毒，研判下来算较大事件。"
                "要向谁报、最晚多久报？")
    answer = assistant.answer(question, [])
    lead = answer.text.split("\n")[0]
    assert "其他网络运营者" in lead and "4小时" in lead, lead
    assert not any(c.document == "关键信息基础设施安全保护条例" for c in answer.citations[:1]), answer.citations
    retrieval = assistant.retriever.retrieve(question)
    assert retrieval.denied == ("关键信息基础设施",)
    # The text made for the status denied is left out; the case-by-case article is still found.
    assert not any(h.article.title == "关键信息基础设施安全保护条例" for h in retrieval.hits), retrieval.hits
    assert any(h.article.article.label == "第四条" for h in retrieval.hits[:3])


def test_an_asker_whose_case_is_not_told_is_quoted_every_case(shared_corpus: Path) -> None:
    # 第四条 provides case by case (关基 1小时, 中央和国家机关 2小时, 其他网络运营者 4小时). A district office that
    # says only 「我们是区级的」 was quoted the first case alone, or a supplementary 款 matched by 报告.
    article = corpus_articles(shared_corpus, INCIDENTS)["第四条"]
    paragraphs = article.article.paragraphs
    question = "区政府门户首页今早被篡改，挂了赌博广告。我们是区级的，这个要报吗？报给谁？"
    supplementary = next(i for i, p in enumerate(paragraphs) if p.startswith("本行业领域"))
    hit = Hit(article=article, score=1.0, paragraphs=(supplementary,))
    quoted = [paragraphs[i] for i in pick_paragraphs(hit, query_terms(question), "answer")]
    for case in ("涉及关键信息基础设施的", "中央和国家机关", "其他网络运营者"):
        assert any(case in p for p in quoted), quoted
    assert quoted[0].endswith("按以下程序报告："), quoted  # the lead-in that says which incidents are reported
    lead = compose(question, retrieval_of(question, [article])).text.split("\n")[0]
    assert not lead.endswith("：」[1]"), lead  # the lead-in promises the cases; a case is the lead


def test_cases_widen_only_when_they_end_with_everyone_else() -> None:
    lead_in = "属于较大以上网络安全事件的，按以下程序报告："
    cases = ["涉及关键信息基础设施的，一小时内报告。", "属于中央单位的，两小时内报告。"]
    others = "其他网络运营者应当四小时内报告。"
    assert with_cases([lead_in, *cases, others, "涉嫌违法犯罪的，应当报案。"], [4]) == [0, 1, 2, 3, 4]
    # Conditions without a 「其他…」 款 are separate rules, not cases of one: nothing widens.
    assert with_cases([lead_in, *cases, "涉嫌违法犯罪的，应当报案。"], [1]) == [1]


def test_the_text_made_for_a_denied_status_stays_when_the_question_names_it(assistant) -> None:  # type: ignore[no-untyped-def]
    retrieval = assistant.retriever.retrieve("我们不是关基，关基条例里的事件报告要求对我们有什么影响？")
    assert retrieval.denied == ("关键信息基础设施",)
    assert any(h.article.title == "关键信息基础设施安全保护条例" for h in retrieval.hits[:5]), retrieval.hits


def test_an_article_made_for_the_denied_status_is_not_quoted(shared_corpus: Path) -> None:
    # 网安法 第三十八条 「关键信息基础设施的运营者采购…」 binds no one who is not 关基; 第四条 provides for all.
    incidents = corpus_articles(shared_corpus, INCIDENTS)["第四条"]
    cii_duties = corpus_articles(shared_corpus, "网络安全法_2025修正.md")["第三十八条"]
    question = "我们不是关基，发生较大网络安全事件要报给谁？"
    found = dataclasses.replace(retrieval_of(question, [incidents, cii_duties]), denied=("关键信息基础设施",))
    assert [c.article for c in compose(question, found).citations] == ["第四条"]
    # Without the denial both are quoted.
    assert len(compose(question, retrieval_of(question, [incidents, cii_duties])).citations) == 2


def test_only_a_specific_status_leaves_texts_out(assistant) -> None:  # type: ignore[no-untyped-def]
    view = assistant.retriever.view()
    made_for = view.texts_made_for(["关键信息基础设施"], "我们不是关基")
    assert {view.group_of(v) for v in made_for} == {"关键信息基础设施安全保护条例"}
    # Two characters name no text: 网络 is in the title of both other texts of this home.
    assert any("网络" in view.group_of(v) for v in view.versions)
    assert view.texts_made_for(["网络"], "我们不是网络运营者") == set()
