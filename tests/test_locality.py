"""Local regulations give way to national texts unless the question names their place."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.corpus.catalog import Catalog
from assistant.corpus.library import Library
from assistant.retrieval.locality import PlaceNames, is_local, place_of_title
from assistant.retrieval.retriever import Retriever
from assistant.settings import Settings
from assistant.wiring import build_indexer


@pytest.mark.parametrize(("title", "place"), [
    ("上海市不动产登记若干规定", "上海"),
    ("新疆维吾尔自治区环境保护条例", "新疆"),
    ("汕头经济特区突发公共卫生事件应急条例", "汕头"),
    ("延边朝鲜族自治州文化市场管理条例", "延边朝鲜族"),
    ("深圳市数据条例", "深圳"),
    ("廣東省數據條例", "广东"),
])
def test_a_local_title_gives_its_place(title: str, place: str) -> None:
    assert place_of_title(title) == place


def test_a_title_opening_with_its_subject_gives_no_place() -> None:
    # A real lawbook title: without the rule its place came out as 「关于」, so every question saying 关于
    # counted as naming a place and kept local documents up.
    assert place_of_title("关于市人民政府向市人民代表大会常务委员会报告重大事项的若干规定") is None


# Written for this test (not regulation text): a national rule and a province's rule restating it more wordily,
# so that keyword and vector search both put the province's article first.
NATIONAL = """# 示例数据登记办法

第一条 数据处理者应当在处理重要数据前办理数据登记。

第二条 本办法自2020年1月1日起施行。
"""
LOCAL = """# 广东省示例数据登记条例

第一条 数据处理者处理重要数据，应当办理数据登记；数据登记应当在处理重要数据前办理，数据登记材料应当真实。

第二条 本条例自2021年1月1日起施行。
"""
QUESTION = "处理重要数据前要办理数据登记吗？数据登记材料有什么要求？"


def _retriever(tmp_path: Path, local_weight: float) -> Retriever:
    sources = tmp_path / "sources"
    sources.mkdir(exist_ok=True)
    (sources / "national.md").write_text(NATIONAL, encoding="utf-8")
    (sources / "local.md").write_text(LOCAL, encoding="utf-8")
    home = tmp_path / f"home-{local_weight}"
    settings = Settings(home=home, embedding={"backend": "hash", "threads": 1},
                        retrieval={"local_weight": local_weight})
    catalog = Catalog(settings.catalog_path)
    indexer = build_indexer(settings)
    Library(settings, catalog, indexer).add(sorted(sources.glob("*.md")))
    return Retriever(settings, catalog, indexer)


def _first_title(retriever: Retriever, question: str) -> str:
    return retriever.retrieve(question).hits[0].article.title


def test_the_local_document_is_recognised(tmp_path: Path) -> None:
    retriever = _retriever(tmp_path, 0.5)
    versions = retriever.catalog.versions()
    assert {v.meta.title for v in versions if is_local(v)} == {"广东省示例数据登记条例"}
    places = PlaceNames(versions)
    assert places.named_in("廣東的數據登記怎麼辦？") and not places.named_in(QUESTION)


def test_without_the_demotion_the_wordier_local_rule_leads(tmp_path: Path) -> None:
    # The premise of the next test: otherwise it would pass whatever the demotion did.
    assert _first_title(_retriever(tmp_path, 1.0), QUESTION) == "广东省示例数据登记条例"


def test_a_question_naming_no_place_gets_the_national_text_first(tmp_path: Path) -> None:
    retriever = _retriever(tmp_path, 0.5)
    hits = retriever.retrieve(QUESTION).hits
    assert hits[0].article.title == "示例数据登记办法"
    assert "广东省示例数据登记条例" in {h.article.title for h in hits}, "demoted, not dropped"


def test_a_question_naming_the_place_keeps_the_local_rule_first(tmp_path: Path) -> None:
    retriever = _retriever(tmp_path, 0.5)
    assert _first_title(retriever, "广东省" + QUESTION) == "广东省示例数据登记条例"
