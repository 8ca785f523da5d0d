"""A state organ's own breach is answered with the article sanctioning state organs (处分), not with the fines."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import wiring
from assistant.answering.composer import compose
from assistant.language.asker import tells_a_state_organ
from assistant.retrieval.crossref import is_state_organ_penalty
from tests.e5_home import e5_home
from tests.test_composer import corpus_articles, retrieval_of

PIPL = "个人信息保护法.md"


@pytest.mark.parametrize(
    ("question", "state_organ"),
    [
        ("区政府门户网站的访问日志要保存多久？那要是没做到呢？", True),
        ("区人社局的社保系统把参保人信息提供给了一家职业培训机构。那局里的相关负责人会怎么处理？", True),
        ("如果是我们政府部门自己违规处理了群众的个人信息，会被罚款吗？", True),
        ("我局的政务网站被篡改了没及时报告，会有什么后果？", True),
        # The office as regulator, asking about a company; a hospital or school is no state organ.
        ("我们发现辖区有家公司没拿许可就在发数字证书，这种情况怎么罚？", False),
        ("医院泄露了患者信息会被怎么罚？", False),
        # 本办法 and 我们委托 hold 办 and 委 without naming a body; a denial says the asker is not one.
        ("违反本办法规定的怎么处罚？", False),
        ("我们委托的运维人员泄露了数据怎么罚？", False),
        ("我们不是国家机关，泄露了数据怎么罚？", False),
        # A regulator named tells who checks, not whose conduct it is.
        ("网信办说平台没备案要罚款，罚多少？", False),
    ],
)
def test_a_question_telling_a_state_organs_conduct(question: str, state_organ: bool) -> None:
    assert tells_a_state_organ(question) is state_organ


def test_state_organ_penalty_articles_are_told_by_their_subject(shared_corpus: Path) -> None:
    pipl = corpus_articles(shared_corpus, PIPL)
    law = corpus_articles(shared_corpus, "网络安全法_2025修正.md")
    assert is_state_organ_penalty(pipl["第六十八条"])  # 国家机关不履行本法规定的个人信息保护义务的…
    assert is_state_organ_penalty(law["第七十四条"])  # 国家机关政务网络的运营者不履行…
    assert is_state_organ_penalty(corpus_articles(shared_corpus, "数据安全法.md")["第四十九条"])
    assert not is_state_organ_penalty(pipl["第六十六条"])  # the fines, for any handler
    assert not is_state_organ_penalty(law["第六十一条"])
    assert not is_state_organ_penalty(pipl["第三十四条"])  # a state organ's duty, not a sanction


def test_the_composer_quotes_the_state_organ_penalty_first(shared_corpus: Path) -> None:
    pipl = corpus_articles(shared_corpus, PIPL)
    found = [pipl["第六十六条"], pipl["第六十八条"], pipl["第三十四条"]]
    organ = "如果是我们政府部门自己违规处理了群众的个人信息，会被罚款吗？"
    assert compose(organ, retrieval_of(organ, found)).citations[0].article == "第六十八条"
    company = "一家公司违规处理了用户的个人信息，会被罚款吗？"
    assert compose(company, retrieval_of(company, found)).citations[0].article == "第六十六条"


@pytest.fixture(scope="module")
def assistant(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    texts = [PIPL, "网络安全法_2025修正.md", "数据安全法.md"]
    settings, _, _ = e5_home(shared_corpus, tmp_path_factory.mktemp("state_organ") / "home", texts)
    return wiring.build_assistant(settings)


def test_a_government_department_asking_about_its_own_breach_is_answered_with_discipline(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.answer("如果是我们政府部门自己违规处理了群众的个人信息，会被罚款吗？责任怎么追？")
    first = answer.citations[0]
    assert (first.document, first.article) == ("中华人民共和国个人信息保护法", "第六十八条"), answer.citations
    assert "依法给予处分" in answer.text


def test_a_government_website_left_unprotected_is_answered_with_the_article_for_government_networks(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.answer("那要是没做到呢？会怎么处理？", ["区政府门户网站的访问日志要保存多久？"])
    first = answer.citations[0]
    assert (first.document, first.article, first.version) == ("中华人民共和国网络安全法", "第七十四条", "2025-10-28")
