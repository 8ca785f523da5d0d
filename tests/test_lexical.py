"""Keyword index: tokenisation, BM25 ranking, incremental versions, persistence and speed."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.indexing.keyword.index import LexicalIndex, query_terms, tokenize
from assistant.indexing.memory import MemoryKeywordIndex
from tests.contracts import KeywordIndexContract

UNITS_A = [
    ("a#0", "《数据安全法》 第二十一条 国家建立数据分类分级保护制度，对数据实行分类分级保护。"),
    ("a#1", "《数据安全法》 第二十七条 开展数据处理活动应当建立健全全流程数据安全管理制度。"),
]
UNITS_B = [
    ("b#0", "《网络安全法》 第二十一条 网络运营者应当按照网络安全等级保护制度的要求，履行安全保护义务。"),
    ("b#1", "《网络安全法》 第二十四条 网络运营者为用户办理网络接入，应当要求用户提供真实身份信息。"),
    ("b#1/p0", "《网络安全法》 第二十四条 为用户办理固定电话、移动电话等入网手续，应当要求用户提供真实身份信息。"),
]


class TestLexicalIndex(KeywordIndexContract):
    @pytest.fixture()
    def index(self, tmp_path: Path) -> LexicalIndex:
        return LexicalIndex(tmp_path / "lexical", mode="hybrid")


class TestMemoryKeywordIndex(KeywordIndexContract):
    @pytest.fixture()
    def index(self) -> MemoryKeywordIndex:
        return MemoryKeywordIndex(mode="hybrid")

    @pytest.mark.parametrize("mode", ["bigram", "jieba", "hybrid"])
    def test_scores_agree_with_the_disk_index(self, tmp_path: Path, mode: str) -> None:
        disk, memory = LexicalIndex(tmp_path / mode, mode=mode), MemoryKeywordIndex(mode=mode)
        for index in (disk, memory):
            index.index_version("a", UNITS_A)
            index.index_version("b", UNITS_B)
        for query in ("真实身份信息", "数据分类分级", "网络运营者 安全保护义务"):
            expected = [(h.unit_id, round(h.score, 3), h.coverage) for h in disk.search(query, 5)]
            assert [(h.unit_id, round(h.score, 3), h.coverage) for h in memory.search(query, 5)] == expected


@pytest.mark.parametrize(
    ("mode", "text", "expected"),
    [
        ("bigram", "网络安全", ["网络", "络安", "安全"]),
        ("bigram", "網絡安全", ["网络", "络安", "安全"]),  # traditional folds to simplified first
        ("bigram", "ＧＢ 22239-2019", ["gb", "22239-2019"]),  # full-width folds to half-width
        ("bigram", "法", ["法"]),
        ("jieba", "网络运营者", ["网络", "运营", "运营者", "网络运营者"]),
        ("hybrid", "网络运营者", ["网络", "络运", "运营", "营者", "运营者", "网络运营者"]),
    ],
)
def test_tokenize(mode: str, text: str, expected: list[str]) -> None:
    assert tokenize(text, mode) == expected


@pytest.mark.parametrize("mode", ["bigram", "jieba", "hybrid"])
def test_coverage_is_the_share_of_the_query_terms_a_unit_holds(tmp_path: Path, mode: str) -> None:
    index = LexicalIndex(tmp_path / "lexical", mode=mode)
    index.index_version("a", UNITS_A)
    index.index_version("b", UNITS_B)
    query = "网络运营者的数据分类分级和真实身份"
    terms = query_terms(query, mode)
    texts = dict(UNITS_A + UNITS_B)
    hits = index.search(query, 5)
    assert {round(h.coverage, 3) for h in hits} != {1.0}  # partial matches are among them
    for hit in hits:
        held = set(tokenize(texts[hit.unit_id], mode))
        assert hit.coverage == pytest.approx(sum(1 for t in terms if t in held) / len(terms))


def test_query_terms_drop_question_words_and_repeats() -> None:
    terms = query_terms("请问什么是重要数据？重要数据", "bigram")
    assert terms == ["是重", "重要", "要数", "数据"]  # no 请问/问什/什么, each term once


@pytest.mark.parametrize("mode", ["bigram", "jieba", "hybrid"])
def test_ranks_the_article_holding_the_words_first(tmp_path: Path, mode: str) -> None:
    index = LexicalIndex(tmp_path / "lexical", mode=mode)
    index.index_version("a", UNITS_A)
    index.index_version("b", UNITS_B)
    hits = index.search("数据分类分级保护", 5)
    assert hits[0].unit_id == "a#0"
    assert hits[0].coverage == pytest.approx(1.0)
    assert all(h.score > 0 for h in hits)
    assert index.search("网络运营者 真实身份", 5)[0].unit_id in {"b#1", "b#1/p0"}


def test_a_typo_still_finds_the_article_through_bigrams(tmp_path: Path) -> None:
    index = LexicalIndex(tmp_path / "lexical")
    index.index_version("a", UNITS_A)
    index.index_version("b", UNITS_B)
    assert index.search("数剧分类分级", 3)[0].unit_id == "a#0"


def test_version_filter_and_removal(tmp_path: Path) -> None:
    index = LexicalIndex(tmp_path / "lexical")
    index.index_version("a", UNITS_A)
    index.index_version("b", UNITS_B)
    hits = index.search("第二十一条", 5, ["b"])
    assert hits[0].unit_id == "b#0" and all(h.unit_id.startswith("b#") for h in hits)
    index.remove_version("b")
    assert index.version_ids() == {"a"}
    assert {h.unit_id for h in index.search("网络运营者 第二十一条", 5)} <= {"a#0", "a#1"}
    assert index.search("网络运营者", 5, []) == []


def test_reindexing_a_version_replaces_it(tmp_path: Path) -> None:
    index = LexicalIndex(tmp_path / "lexical")
    index.index_version("a", UNITS_A)
    index.index_version("a", [("a#0", "《数据安全法》 第一条 为了规范数据处理活动，制定本法。")])
    assert index.unit_count() == 1
    assert len(list((tmp_path / "lexical" / "segments").iterdir())) == 1


def test_persists_and_sees_other_writers(tmp_path: Path) -> None:
    writer = LexicalIndex(tmp_path / "lexical")
    writer.index_version("a", UNITS_A)
    reader = LexicalIndex(tmp_path / "lexical")
    assert reader.search("分类分级", 1)[0].unit_id == "a#0"  # loads the snapshot
    writer.index_version("b", UNITS_B)  # another process (here: object) adds a version
    assert reader.search("真实身份信息", 1)[0].unit_id.startswith("b#1")
    assert (tmp_path / "lexical" / "snapshot" / "meta.json").is_file()


def test_a_tokenizer_change_keeps_searching_the_old_index_until_every_version_is_reindexed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    LexicalIndex(tmp_path / "lexical", mode="bigram").index_version("a", UNITS_A)
    LexicalIndex(tmp_path / "lexical", mode="bigram").index_version("b", UNITS_B)
    with caplog.at_level(logging.WARNING, logger="assistant.indexing.keyword.index"):
        reopened = LexicalIndex(tmp_path / "lexical", mode="jieba")
        assert reopened.version_ids() == set()  # so Library.reconcile re-indexes every version
        assert reopened.search("数据分类分级", 1)[0].unit_id == "a#0"  # read the way it was written
        reopened.index_version("a", UNITS_A)  # kept aside: b is still only in bigrams
        assert reopened.version_ids() == {"a"} and reopened.mode == "bigram"
        assert reopened.search("真实身份信息", 1)[0].unit_id.startswith("b#1")
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
    reopened.index_version("b", UNITS_B)  # every version re-indexed: the index switches over
    assert reopened.version_ids() == {"a", "b"}
    assert reopened.search("数据分类分级", 1)[0].unit_id == "a#0" and reopened.mode == "jieba"
    assert len(list((tmp_path / "lexical" / "segments").iterdir())) == 2  # bigram segments deleted
    assert LexicalIndex(tmp_path / "lexical", mode="jieba").search("真实身份信息", 1)[0].unit_id.startswith("b#1")


def test_one_version_added_or_removed_is_searched_as_a_delta_without_rewriting_the_snapshot(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    alphabet = np.array(list("网络运营者应当建立制度部门罚款责令改正机关国家"))
    index = LexicalIndex(tmp_path / "lexical", mode="bigram", background=False)
    for v in range(20):
        index.index_version(f"v{v}", [(f"v{v}#{i}", "".join(rng.choice(alphabet, 80))) for i in range(50)])
    index.index_version("a", UNITS_A)
    assert index.unit_count() == 1000 + len(UNITS_A)
    meta = tmp_path / "lexical" / "snapshot" / "meta.json"
    written = meta.stat().st_mtime_ns
    index.index_version("b", UNITS_B)
    index.remove_version("a")
    assert index.search("真实身份信息", 1)[0].unit_id.startswith("b#1")  # b is in the delta
    assert not any(h.unit_id.startswith("a#") for h in index.search("数据分类分级保护", 50))  # a is a tombstone
    assert index.delta_units() == len(UNITS_B) and meta.stat().st_mtime_ns == written
    restarted = LexicalIndex(tmp_path / "lexical", mode="bigram", background=False)
    before = [h.unit_id for h in restarted.search("网络运营者 真实身份 罚款", 10)]
    assert restarted.delta_units() == len(UNITS_B) and restarted.unit_count() == 1000 + len(UNITS_B)
    restarted.compact()
    assert restarted.delta_units() == 0 and meta.stat().st_mtime_ns != written
    after = [h.unit_id for h in restarted.search("网络运营者 真实身份 罚款", 10)]
    assert before[0] == after[0] and len(set(before) & set(after)) >= 8  # delta statistics are close enough
    index.index_version("c", UNITS_A)  # the first object adopts the snapshot the other one wrote
    assert index.delta_units() == len(UNITS_A) and index.unit_count() == 1000 + len(UNITS_A) + len(UNITS_B)


def test_a_large_delta_is_compacted(tmp_path: Path) -> None:
    index = LexicalIndex(tmp_path / "lexical", mode="bigram", compact_min_units=3, background=False)
    index.index_version("a", UNITS_A * 20)
    assert index.unit_count() == 20 * len(UNITS_A)
    index.index_version("b0", UNITS_B)
    assert index.delta_units() == 3  # 3 units: below compact_min_units
    index.index_version("b1", UNITS_B)
    assert index.delta_units() == 0  # 6 units: past compact_min_units and a tenth of the base
    assert index.unit_count() == 20 * len(UNITS_A) + 2 * len(UNITS_B)


def test_large_index_loads_and_answers_fast(tmp_path: Path) -> None:
    """20k synthetic units in 200 versions: reopen from the snapshot in well under a second, query in ms."""
    rng = np.random.default_rng(0)
    alphabet = np.array(list("数据安全网络个人信息保护处理者运营关键基础设施国家机关部门应当建立制度罚款责令改正"))
    index = LexicalIndex(tmp_path / "lexical", mode="bigram")
    for v in range(200):
        units = [(f"v{v}#{i}", "".join(rng.choice(alphabet, 120))) for i in range(100)]
        index.index_version(f"v{v}", units)
    assert index.unit_count() == 20_000  # first merge writes the snapshot
    started = time.perf_counter()
    reopened = LexicalIndex(tmp_path / "lexical", mode="bigram")
    assert reopened.unit_count() == 20_000
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(20):
        assert len(reopened.search("关键信息基础设施运营者罚款", 50)) == 50
    query_ms = (time.perf_counter() - started) / 20 * 1000
    assert load_s < 2.0 and query_ms < 30, (load_s, query_ms)


def test_background_compaction_keeps_answering_and_then_empties_the_delta(tmp_path: Path) -> None:
    index = LexicalIndex(tmp_path / "lexical", mode="bigram", compact_min_units=3)
    index.index_version("a", UNITS_A * 20)
    index.index_version("b0", UNITS_B)
    index.index_version("b1", UNITS_B)
    assert index.search("真实身份信息", 1)[0].unit_id.startswith("b#1")  # answered from base + delta
    index.wait_for_compaction(30)
    assert index.delta_units() == 0 and index.unit_count() == 20 * len(UNITS_A) + 2 * len(UNITS_B)
    assert index.search("真实身份信息", 1)[0].unit_id.startswith("b#1")
