"""Citation checking: markers parsed, every sentence checked against the article it cites (real texts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.citations import (
    UNSUPPORTED_FLAG,
    build_citation,
    check_text,
    parse_markers,
    render_citation,
    split_sentences,
    support,
)
from assistant.settings import AnswerSettings
from tests.test_composer import corpus_articles

THRESHOLD = AnswerSettings().support_threshold  # the calibrated default


@pytest.fixture()
def sources(shared_corpus: Path) -> dict[int, str]:
    """[1] 数据安全法第二十一条 (classification), [2] 个人信息保护法第五十七条 (breach notification)."""
    dsl = corpus_articles(shared_corpus, "数据安全法.md")
    pipl = corpus_articles(shared_corpus, "个人信息保护法.md")
    return {1: dsl["第二十一条"].article.text, 2: pipl["第五十七条"].article.text}


@pytest.mark.parametrize(
    ("text", "markers"),
    [
        ("甲[1]。乙[2][3]。", [1, 2, 3]),
        ("甲【1】，乙[1, 2]、丙[3、4]", [1, 1, 2, 3, 4]),
        ("没有标记。", []),
    ],
)
def test_parse_markers(text: str, markers: list[int]) -> None:
    assert parse_markers(text) == markers


def test_split_sentences_keeps_markers_after_the_full_stop_with_their_sentence() -> None:
    assert split_sentences("甲规定。[1]乙规定[2]；丙\n丁") == ["甲规定。[1]", "乙规定[2]；", "丙\n", "丁"]


def test_support_is_high_for_a_paraphrase_and_low_for_another_article(sources: dict[int, str]) -> None:
    paraphrase = "国家对数据实行分类分级保护，并制定重要数据目录。"
    assert support(paraphrase, sources[1]) > 0.6
    assert support(paraphrase, sources[2]) < 0.2


def test_supported_sentences_keep_their_markers(sources: dict[int, str]) -> None:
    text = "国家建立数据分类分级保护制度[1]。个人信息泄露的，处理者应当立即采取补救措施。[2]"
    checked = check_text(text, sources, THRESHOLD)
    assert checked.text == "国家建立数据分类分级保护制度[1]。个人信息泄露的，处理者应当立即采取补救措施[2]。"
    assert checked.markers == (1, 2) and checked.notices == ()


def test_marker_outside_the_sources_is_removed_and_reported(sources: dict[int, str]) -> None:
    checked = check_text("国家建立数据分类分级保护制度[1][7]。", sources, THRESHOLD)
    assert checked.text == "国家建立数据分类分级保护制度[1]。"
    assert checked.notices == ("已删除没有对应来源的引用标记[7]。",)


def test_misattributed_sentence_moves_to_the_source_that_supports_it(sources: dict[int, str]) -> None:
    text = "国家建立数据分类分级保护制度[1]。个人信息处理者应当立即采取补救措施，并通知个人[1]。"
    checked = check_text(text, sources, THRESHOLD)
    assert checked.text == "国家建立数据分类分级保护制度[1]。个人信息处理者应当立即采取补救措施，并通知个人[2]。"
    assert checked.markers == (1, 2)
    assert "已改标为[2]" in checked.notices[0]


def test_unsupported_sentence_is_flagged_and_loses_its_marker(sources: dict[int, str]) -> None:
    text = "国家建立数据分类分级保护制度[1]。企业须在七十二小时内向公安机关备案登记[2]。"
    checked = check_text(text, sources, THRESHOLD)
    flagged = f"企业须在七十二小时内向公安机关备案登记{UNSUPPORTED_FLAG}。"
    assert checked.text == "国家建立数据分类分级保护制度[1]。" + flagged
    assert checked.markers == (1,)
    assert "找不到依据" in checked.notices[0]


def test_markers_are_renumbered_in_order_of_first_mention(sources: dict[int, str]) -> None:
    text = "处理者应当立即采取补救措施[2]。国家建立数据分类分级保护制度[1]。"
    checked = check_text(text, sources, THRESHOLD)
    assert parse_markers(checked.text) == [1, 2]
    assert checked.markers == (2, 1)


def test_uncited_claim_supported_by_a_source_gets_its_marker(sources: dict[int, str]) -> None:
    checked = check_text("综上：国家建立数据分类分级保护制度。", sources, THRESHOLD)
    assert checked.text == "综上：国家建立数据分类分级保护制度[1]。"


def test_render_citation_names_title_article_version_and_effective_date(shared_corpus: Path) -> None:
    article = corpus_articles(shared_corpus, "数据安全法.md")["第二十一条"]
    line = render_citation(build_citation(article, 3))
    assert line == "[3] 《中华人民共和国数据安全法》第二十一条（版本 2021-06-10，施行 2021-09-01，现行有效）"


def test_uncited_claim_no_source_supports_is_flagged(sources: dict[int, str]) -> None:
    checked = check_text("网络运营者须每年向公安机关提交审计报告。好的。", sources, THRESHOLD)
    assert checked.text == f"网络运营者须每年向公安机关提交审计报告{UNSUPPORTED_FLAG}。好的。"
    assert (checked.supported, checked.flagged) == (0, 1)
    assert checked.notices == ("有1句未标注来源，且在所给条文中找不到依据，已标注待核实。",)
