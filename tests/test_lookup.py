"""Direct references: abbreviations, fuzzy titles, article numerals, versions, articles that do not exist."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.corpus.catalog import Catalog
from assistant.corpus.library import Library
from assistant.language.textnorm import normalize_title
from assistant.language.vocabulary import load_abbreviations
from assistant.retrieval.lookup import TitleIndex, find_references, names_version, unnamed_reference
from assistant.settings import Settings
from assistant.wiring import build_indexer


@pytest.fixture(scope="module")
def catalog(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """Return a catalog holding the 21 regulations (hash embedder: lookups need no model)."""
    home = tmp_path_factory.mktemp("lookup") / "home"
    settings = Settings(home=home, embedding={"backend": "hash", "threads": 1})
    catalog = Catalog(settings.catalog_path)
    Library(settings, catalog, build_indexer(settings)).add(sorted(shared_corpus.glob("*.md")))
    return catalog


@pytest.fixture(scope="module")
def titles(catalog: Catalog) -> TitleIndex:
    return TitleIndex(catalog.versions(include_history=True))


def _lookup(question: str, titles: TitleIndex, catalog: Catalog):  # type: ignore[no-untyped-def]
    return find_references(question, titles, catalog.articles)


@pytest.mark.parametrize(
    ("question", "title", "label", "year"),
    [
        ("数据安全法第二十一条", "中华人民共和国数据安全法", "第二十一条", None),
        ("个保法第13条", "中华人民共和国个人信息保护法", "第十三条", None),
        ("《关基条例》第十二条", "关键信息基础设施安全保护条例", "第十二条", None),
        ("网安法二十一条", "中华人民共和国网络安全法", "第二十一条", "2025"),
        ("2016年版网络安全法第二十一条", "中华人民共和国网络安全法", "第二十一条", "2016"),
        ("旧版网安法第三十七条讲了什么", "中华人民共和国网络安全法", "第三十七条", "2016"),
        ("網絡安全法第二十一條", "中华人民共和国网络安全法", "第二十一条", "2025"),
        ("个人信息保户法第十三条", "中华人民共和国个人信息保护法", "第十三条", None),
        ("网络安全发第二十一条", "中华人民共和国网络安全法", "第二十一条", "2025"),
        ("网数条例第三十条", "网络数据安全管理条例", "第三十条", None),
        ("生成式AI办法第七条", "生成式人工智能服务管理暂行办法", "第七条", None),
        ("反诈法第21条", "中华人民共和国反电信网络诈骗法", "第二十一条", None),
        ("保密法实施条例第五条", "中华人民共和国保守国家秘密法实施条例", "第五条", None),
        ("保密法第五条", "中华人民共和国保守国家秘密法", "第五条", None),
    ],
)
def test_reference_goes_straight_to_the_article(
    question: str, title: str, label: str, year: str | None, titles: TitleIndex, catalog: Catalog
) -> None:
    [result] = _lookup(question, titles, catalog)
    assert result.article is not None, result.message
    assert (result.title, result.label, result.article.article.label) == (title, label, label)
    if year:
        assert (result.article.version or "").startswith(year)


def test_two_articles_of_one_regulation(titles: TitleIndex, catalog: Catalog) -> None:
    results = _lookup("数据安全法第二十一条和第二十七条有什么关系", titles, catalog)
    assert [r.article.article.label for r in results if r.article] == ["第二十一条", "第二十七条"]


def test_missing_article_says_how_many_there_are_and_offers_no_neighbour(
    titles: TitleIndex, catalog: Catalog
) -> None:
    [result] = _lookup("数据安全法第九十条", titles, catalog)
    assert result.article is None
    assert result.message == "《中华人民共和国数据安全法》共五十五条，没有第九十条。"


@pytest.mark.parametrize("question", ["第二十一条是什么", "网络安全等级保护制度有哪些要求", "法律第三条"])
def test_no_reference_without_a_regulation(question: str, titles: TitleIndex, catalog: Catalog) -> None:
    assert _lookup(question, titles, catalog) == []


def test_mentions_find_titles_and_typos(titles: TitleIndex) -> None:
    mentions = titles.mentions("个人信息保户法和数安法有什么不同")
    assert [m.short_title for m in mentions] == ["个人信息保护法", "数据安全法"]
    assert [m.exact for m in mentions] == [False, True]
    assert titles.quoted_unknown("《反垄断法》第三条") == ["反垄断法"]


@pytest.mark.parametrize(
    ("question", "meant"),
    [
        ("网络数剧安全管理条例里网络数据处理者的主体责任", "网络数据安全管理条例"),
        ("计算机信息系统安全保护条列里的备案", "计算机信息系统安全保护条例"),  # 列 lie for 例 li
        ("网络安全发规定个人发现信息被违法收集可以要求删除吗", "网络安全法"),
        ("未成年人网落保护条例要求每年做合规审计吗", "未成年人网络保护条例"),
    ],
)
def test_a_title_slipped_by_sound_is_found(question: str, meant: str, titles: TitleIndex) -> None:
    assert [m.short_title for m in titles.mentions(question)] == [meant]


def test_version_words() -> None:
    assert names_version("2016年版网络安全法")
    assert names_version("修正前的网安法")
    assert not names_version("罚款100000元")
    # 旧法 in a told situation is searched in the text in force and followed to its counterpart.
    assert not names_version("学校网站挂了赌博广告没删，按旧法罚多少")
    assert names_version("网安法修改前的原文")


def test_every_abbreviation_targets_a_corpus_regulation(catalog: Catalog) -> None:
    shorts = {normalize_title(v.meta.title) for v in catalog.versions()}
    assert set(load_abbreviations().values()) <= shorts


@pytest.mark.parametrize(("alias", "short"), sorted(load_abbreviations().items()))
def test_every_abbreviation_finds_its_regulations_first_article(
    alias: str, short: str, titles: TitleIndex, catalog: Catalog
) -> None:
    # 「事件报告办法第一条」「共享条例第一条」: officials' short names are how a reader names an article.
    found = [r for r in _lookup(f"{alias}第一条讲的什么", titles, catalog) if r.article is not None]
    assert found and normalize_title(found[0].article.title) == short, [r.reference for r in found]
    assert found[0].article.article.label == "第一条"


def test_an_article_of_no_regulation_asks_which_one(titles: TitleIndex, catalog: Catalog) -> None:
    result = unnamed_reference("第二十一条讲的什么？", titles, catalog.articles)
    assert result is not None and result.article is None and result.title is None
    assert result.message.startswith("问题中没有指明是哪部法规的第二十一条。")
    assert "《数据安全法》" in result.message and "请写明法规名称" in result.message
    nowhere = unnamed_reference("第九十九条是什么内容", titles, catalog.articles)
    assert nowhere is not None and "没有哪部法规有第九十九条" in nowhere.message


@pytest.mark.parametrize("question", [
    "第二十一条规定的数据分类分级制度是什么",  # asks about a subject: searched
    "数据安全法第二十一条讲的什么",  # names its regulation: looked up
    "二十一条",  # no 第: a number, not yet a reference
])
def test_other_questions_with_an_article_number_are_not_asked_back(
    question: str, titles: TitleIndex, catalog: Catalog
) -> None:
    assert unnamed_reference(question, titles, catalog.articles) is None

