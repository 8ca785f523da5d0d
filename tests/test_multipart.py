"""Multi-part questions and follow-ups asking for consequences, over the real catalog and indexes of ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.corpus.catalog import Catalog
from assistant.corpus.library import Library
from assistant.retrieval.fusion import ArticleScore
from assistant.retrieval.multipart import OTHER_REGULATIONS, interleave, regulation_parts
from assistant.retrieval.retriever import Retriever
from assistant.settings import Settings
from assistant.wiring import build_indexer


def test_parts_follow_the_regulations_named() -> None:
    assert regulation_parts(["数据安全法", "关键信息基础设施安全保护条例"], "分别怎么规定") == [
        "数据安全法", "关键信息基础设施安全保护条例"]
    assert regulation_parts(["数据安全法"], "除了数安法，另外还受哪些规定约束？") == ["数据安全法", OTHER_REGULATIONS]
    assert regulation_parts(["数据安全法"], "数安法第几条讲分类分级？") == []
    assert regulation_parts([], "要做哪些事？") == []


def test_interleave_puts_each_parts_best_first() -> None:
    main = [ArticleScore(k) for k in ("a1", "a2", "a3", "a4", "b1")]
    first = [ArticleScore(k) for k in ("a1", "a2", "a3")]
    second = [ArticleScore(k) for k in ("b1", "b2")]
    assert [e.key for e in interleave(main, [first, second])][:5] == ["a1", "b1", "a2", "b2", "a3"]
    third = [ArticleScore("c1")]
    assert [e.key for e in interleave(main, [first, second, third])][:3] == ["a1", "b1", "c1"]


@pytest.fixture(scope="module")
def retriever(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    home = tmp_path_factory.mktemp("multipart") / "home"
    settings = Settings(home=home, embedding={"backend": "hash", "threads": 1})
    catalog = Catalog(settings.catalog_path)
    indexer = build_indexer(settings)
    Library(settings, catalog, indexer).add(sorted(shared_corpus.glob("*.md")))
    return Retriever(settings, catalog, indexer)


def test_two_regulations_named_both_lead(retriever: Retriever) -> None:
    result = retriever.retrieve("委托他人处理数据，数据安全法和网络数据安全管理条例分别有什么要求？")
    titles = [h.article.title for h in result.hits[:5]]
    assert "中华人民共和国数据安全法" in titles[:2] and "网络数据安全管理条例" in titles[:2]


def test_consequences_follow_up_cites_the_penalty_of_the_obligation_discussed(retriever: Retriever) -> None:
    earlier = "关键信息基础设施的运营者采购网络产品和服务，应当通过什么安全审查？"
    obligations = [h.article for h in retriever.retrieve(earlier).hits[:3]]
    view = retriever.view()
    sanctions = {k for a in obligations for k in view.penalty_links_of(a.version_id).get(a.key, ())}
    assert sanctions, "the obligations found first are cited by some penalty article"
    # A rewrite that keeps only the follow-up's own words (as a model may): the topic is lost, and only the
    # previous turn's articles can lead to the penalty that sanctions them.
    literal = Retriever(retriever.settings, retriever.catalog, retriever.indexer, rewrite=lambda q, h: q)
    result = literal.retrieve("不做的话有什么后果？", [earlier])
    assert sanctions & {h.article.key for h in result.hits[:3]}
    alone = literal.retrieve("不做的话有什么后果？")
    assert not sanctions & {h.article.key for h in alone.hits[:3]}


def test_the_one_regulation_named_is_found_even_when_the_rest_of_the_question_outweighs_it(
    retriever: Retriever,
) -> None:
    situation = "政务数据共享平台上的人口数据，合作企业想拿去训练模型，共享条例允许吗？"
    unnamed = retriever.retrieve(situation + "有没有相关规定？")
    named = retriever.retrieve(situation + "电子签名法有没有相关规定？")
    # The whole question's words find only the sharing regulation; the law it names comes second.
    assert "中华人民共和国电子签名法" not in [h.article.title for h in unnamed.hits[:5]]
    assert named.hits[1].article.title == "中华人民共和国电子签名法"
    assert named.hits[0].article.title == "政务数据共享条例"
