"""The bridge from everyday government-IT words to the statutes' concepts: every table entry, and its use."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.corpus.catalog import Catalog
from assistant.corpus.library import Library
from assistant.language.textnorm import normalize_text
from assistant.language.vocabulary import concept_rules, concept_shorthand, everyday_concepts, expand_colloquial
from assistant.retrieval.expansion import (
    definition_members,
    expansion_groups,
    expansion_terms,
    feedback_terms,
    search_concepts,
)
from assistant.retrieval.retriever import Retriever
from assistant.settings import Settings
from assistant.wiring import build_indexer

RULES = concept_rules()


@pytest.fixture(scope="module")
def corpus_text(shared_corpus: Path) -> str:
    return normalize_text("\n".join(p.read_text(encoding="utf-8") for p in sorted(shared_corpus.glob("*.md"))))


@pytest.mark.parametrize(("pattern", "concepts", "example"), RULES, ids=[r[2] for r in RULES])
def test_each_entry_names_concepts_of_the_corpus_and_maps_its_example(
    pattern, concepts: tuple[str, ...], example: str, corpus_text: str  # type: ignore[no-untyped-def]
) -> None:
    # A concept the statutes never use would search for nothing; an example the pattern misses tests nothing.
    missing = [c for c in concepts if c not in corpus_text]
    assert not missing, f"{pattern.pattern}: {missing} occur in no corpus text"
    assert set(concepts) <= set(everyday_concepts(example)), example


def test_examples_of_the_issue_map_to_their_legal_concepts() -> None:
    assert {"生物识别", "敏感个人信息"} <= set(everyday_concepts("单位用指纹打卡"))
    assert "网络日志" in everyday_concepts("OA系统的操作记录")
    assert "医疗健康" in everyday_concepts("职工的病历和体检报告")
    assert "网络安全事件" in everyday_concepts("网站首页被篡改、域名被劫持")
    assert "安全保护义务" in everyday_concepts("把数据拷到U盘带走")
    assert everyday_concepts("数据安全法第二十一条") == []
    # Consent made the price of using a service: 「必须授权…才能用」 is the refusal to serve the statutes forbid.
    assert "拒绝提供产品或者服务" in everyday_concepts("政务app要求必须授权通讯录才能用")


@pytest.mark.parametrize("question", [
    "单位职工今年住房公积金的缴存比例是多少？", "公务员去世后丧葬费怎么发？", "被通报批评了会影响评优吗？",
    "匿名举报领导违纪会被查到吗？", "科长有没有审批权限？", "微信群里抢红包算赌博吗？", "每年一次的年终考核怎么打分？",
    "药店卖处方药不要处方违法吗？", "残疾人就业保障金怎么缴？", "低保申请要多长时间审批？", "异地就医医保怎么报销？",
])
def test_everyday_words_outside_the_subject_map_to_no_concept(question: str) -> None:
    # A table pattern puts a question in the library's subject (answering/scope.py): a bare 职工, 去世, 通报 or 权限
    # would make these out-of-subject questions answerable on weak evidence instead of declined.
    assert everyday_concepts(question) == []


def test_definitions_enumerate_the_members_of_a_concept(shared_corpus: Path, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", embedding={"backend": "hash", "threads": 1})
    catalog = Catalog(settings.catalog_path)
    Library(settings, catalog, build_indexer(settings)).add([shared_corpus / "个人信息保护法.md"])
    members = definition_members(catalog.iter_articles())
    # 「敏感个人信息…包括生物识别、宗教信仰、特定身份、医疗健康、金融账户、行踪轨迹等信息」
    assert members["医疗健康"] == {"敏感个人信息"} and members["行踪轨迹"] == {"敏感个人信息"}
    # A table concept that is a member leads on to the defined term; words already asked are not repeated.
    assert "敏感个人信息" in expansion_terms("病历能给保险公司吗", {"医疗健康": {"敏感个人信息"}})
    assert "医疗健康" not in expansion_terms("医疗健康信息能给保险公司吗", members)


def test_each_situation_a_question_names_is_its_own_group() -> None:
    groups = expansion_groups("局里换了指纹考勤机，还要把职工体检报告交给保险公司", {})
    assert groups[0] == ["生物识别", "敏感个人信息"]  # 指纹 (the first row the question matches)
    assert ["医疗健康"] in groups  # 体检: its 敏感个人信息 is already searched with the first group
    terms = [term for group in groups for term in group]
    assert len(terms) == len(set(terms))


def test_each_groups_best_article_leads_the_merged_concept_ranking(shared_corpus: Path, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", embedding={"backend": "hash", "threads": 1})
    catalog = Catalog(settings.catalog_path)
    indexer = build_indexer(settings)
    texts = ("网络安全法_2025修正.md", "保守国家秘密法.md")
    Library(settings, catalog, indexer).add([shared_corpus / name for name in texts])
    groups = [["网络日志"], ["脱密期", "涉密人员"]]
    scores: dict = {}
    search_concepts(indexer, "", groups, scores, None, 20, False, None)
    first = sorted(scores.values(), key=lambda e: e.expansion_ranks[0])[:2]
    found = [catalog.articles_by_keys([e.key])[e.key].article.text for e in first]
    # Searched as one query, one situation's many matches could fill the head; merged, each group's best leads.
    assert any("网络日志" in t for t in found) and any("脱密期" in t for t in found), found


def test_feedback_keeps_terms_most_top_articles_share() -> None:
    texts = ["处理敏感个人信息应当取得单独同意", "敏感个人信息的处理规则", "网络日志留存六个月"]
    found = feedback_terms("能不能收集指纹", texts, ["敏感个人信息", "网络日志", "个人信息"])
    assert found == ["敏感个人信息", "个人信息"]
    assert feedback_terms("敏感个人信息", texts, ["敏感个人信息"]) == []


def test_expansion_ranks_below_the_literal_words(shared_corpus: Path, tmp_path: Path) -> None:
    # The fusion's weighting is under test: the learned order (fitted with the bundled embedder, tested in
    # test_learned_order.py) would re-weigh the hash embedder's rankings after it.
    settings = Settings(home=tmp_path / "home", embedding={"backend": "hash", "threads": 1},
                        retrieval={"learned_order": False})
    catalog = Catalog(settings.catalog_path)
    indexer = build_indexer(settings)
    Library(settings, catalog, indexer).add(sorted(shared_corpus.glob("*.md")))
    question = "单位食堂改用指纹打卡，要注意什么"
    on = Retriever(settings, catalog, indexer).retrieve(question)
    off = Retriever(settings.model_copy(update={"retrieval": settings.retrieval.model_copy(
        update={"expansion_weight": 0.0})}), catalog, indexer).retrieve(question)
    labels_on = [(h.article.title, h.article.article.label) for h in on.hits]
    labels_off = [(h.article.title, h.article.article.label) for h in off.hits]
    # 「敏感个人信息…包括生物识别」 is 个人信息保护法第二十八条: the bridge brings it into the list, while the
    # (hash-embedder) dense and literal keyword rankings still lead: the expansion weighs less.
    wanted = ("中华人民共和国个人信息保护法", "第二十八条")
    assert wanted in labels_on and wanted not in labels_off[: labels_on.index(wanted) + 1]
    assert labels_on[0] == labels_off[0]


@pytest.mark.parametrize(("short", "full"), sorted(concept_shorthand().items()))
def test_officials_shorthand_of_a_concept_adds_the_statutes_words(short: str, full: str, corpus_text: str) -> None:
    # No statute writes 等保 or 密评: a keyword search for the shorthand alone finds nothing.
    assert full.lower() in corpus_text.lower()
    assert full.lower() in expand_colloquial(f"{short}的要求有哪些").split()


def test_a_regulations_alias_is_left_to_the_title_finder() -> None:
    assert "个人信息保护法" not in expand_colloquial("个保法怎么说").split()[1:]


def test_shorthand_alone_finds_the_article_of_its_concept_by_keywords(shared_corpus: Path, tmp_path: Path) -> None:
    # Keywords only (no vectors), so what finds the article is the words the shorthand stands for.
    def top_text(expand: bool) -> str:
        settings = Settings(home=tmp_path / "home", embedding={"backend": "hash", "threads": 1},
                            retrieval={"dense_weight": 0.0, "colloquial_expansion": expand})
        catalog = Catalog(settings.catalog_path)
        indexer = build_indexer(settings)
        Library(settings, catalog, indexer).add([shared_corpus / "网络安全法_2025修正.md"])
        return Retriever(settings, catalog, indexer).retrieve("等保义务有哪些").hits[0].article.article.text

    assert "等级保护" not in top_text(expand=False)
    assert "等级保护" in top_text(expand=True)


def test_shorthand_does_not_repeat_what_the_colloquial_table_adds() -> None:
    # A word added twice would weigh twice in the keyword query.
    assert expand_colloquial("政务app收集人脸").split().count("应用程序") == 1
    assert expand_colloquial("关基运营者").split().count("关键信息基础设施") == 1


@pytest.mark.parametrize("question", ["离职员工的指纹数据要删吗", "注销后数据删不删", "得删掉吗"])
def test_any_delete_adds_the_statutes_word(question: str) -> None:
    # 删 alone is always 删除 in these questions; the keyword index has no one-character term to find it by.
    assert "删除" in expand_colloquial(question).split()[1:]
