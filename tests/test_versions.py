"""Version comparison: alignment by text, its storage in the catalog, `corpus compare`, and the independent check."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.corpus import alignment_store
from assistant.corpus.versions import Unit, added_phrases, align, changed_amounts, char_diff, summary
from assistant.settings import Settings
from assistant.wiring import build_library

PROJECT_ROOT = Path(__file__).resolve().parent.parent
OLD_NAME, NEW_NAME = "网络安全法_2016.md", "网络安全法_2025修正.md"

_A = "网络运营者应当制定网络安全事件应急预案，及时处置系统漏洞、计算机病毒、网络攻击、网络侵入等安全风险。"
_B = "网络运营者应当对其收集的用户信息严格保密，并建立健全用户信息保护制度，不得泄露、篡改、毁损其收集的个人信息。"
_C = "国家鼓励开发网络数据安全保护和利用技术，促进公共数据资源开放，推动技术创新和经济社会发展。"
_D = "任何个人和组织不得从事非法侵入他人网络、干扰他人网络正常功能、窃取网络数据等危害网络安全的活动。"


def _units(*texts: str) -> list[Unit]:
    labels = ["第一条", "第二条", "第三条", "第四条", "第五条"]
    return [Unit(labels[k], k, text) for k, text in enumerate(texts)]


def test_split_article_pairs_with_both_parts() -> None:
    pairs = align(_units(_C, _A + _B, _D), _units(_C, _A, _B, _D))
    rows = {(p.old_label, p.new_label): p.status for p in pairs}
    assert rows == {
        ("第一条", "第一条"): "unchanged",
        ("第二条", "第二条"): "split+amended",
        ("第二条", "第三条"): "split+renumbered+amended",
        ("第三条", "第四条"): "renumbered",
    }


def test_merged_articles_pair_with_the_one_article() -> None:
    pairs = align(_units(_C, _A, _B, _D), _units(_C, _A + _B, _D))
    rows = {(p.old_label, p.new_label): p.status for p in pairs}
    assert rows[("第二条", "第二条")] == "merged+amended"
    assert rows[("第三条", "第二条")] == "merged+renumbered+amended"
    assert rows[("第四条", "第三条")] == "renumbered"
    assert "added" not in summary(pairs) and "deleted" not in summary(pairs)


def test_an_item_that_moved_to_another_article_is_a_part_pair() -> None:
    # The second item of old 第二条 went into new 第四条, not next to it (a neighbour would be a split); 第二条
    # kept its lead-in and first item.
    lead = "有下列行为之一的，由有关主管部门责令改正，给予警告："
    old = _units(_C, lead + "\n（一）" + _A + "\n（二）" + _B, _D)
    new = _units(_C, lead + "\n（一）" + _A, _D, _B + "违反的，依照前款规定处罚。")
    pairs = align(old, new)
    rows = {(p.old_label, p.new_label): p for p in pairs}
    assert rows[("第二条", "第二条")].status == "amended"
    part = rows[("第二条", "第四条")]
    assert part.status == "part" and 0.3 < part.similarity < 0.5
    assert rows[(None, "第四条")].status == "added"  # as an article it is new; the part pair says where it came from


def test_short_items_are_not_told_apart() -> None:
    # 「（二）其他情形。」 could come from any article: too short to say where a provision went.
    pairs = align(_units(_A + "\n（二）其他情形。", _B, _C), _units(_A, _B, _C + "\n（二）其他情形。"))
    assert "part" not in summary(pairs)


def test_added_and_deleted_articles_have_no_counterpart() -> None:
    pairs = align(_units(_A, _B), _units(_A, _C))
    assert [(p.old_label, p.new_label, p.status) for p in pairs] == [
        ("第一条", "第一条", "unchanged"), ("第二条", None, "deleted"), (None, "第二条", "added")]


def test_diff_amounts_and_added_phrases() -> None:
    old, new = "处一万元以上十万元以下罚款。", "处二万元以上二十万元以下罚款，并依法保护个人信息。"
    pieces = char_diff(old, new)
    assert "".join(p.text for p in pieces if p.kind != "insert") == old
    assert "".join(p.text for p in pieces if p.kind != "delete") == new
    assert changed_amounts(old, new) == (["一万元以上十万元以下"], ["二万元以上二十万元以下"])
    assert "，并依法保护个人信息" in added_phrases(old, new)


def test_amounts_are_ranges_compared_whole_and_each_named_once() -> None:
    twice = "处一万元以上十万元以下罚款；情节严重的，处一万元以上十万元以下罚款。"
    assert changed_amounts(twice, "处一万元以上十万元以下罚款，没收五千元。") == ([], ["五千元"])
    two = "处五千元以上五万元以下罚款，再处五万元以上五十万元以下罚款"
    assert changed_amounts(two, "处五万元以上五十万元以下罚款") == (["五千元以上五万元以下"], [])


@pytest.fixture()
def two_versions(tmp_path: Path, shared_corpus: Path, settings: Settings) -> Settings:
    library = build_library(settings)
    report = library.add([shared_corpus / OLD_NAME, shared_corpus / NEW_NAME])
    assert len(report.added) == 2, report.outcomes
    library.catalog.close()
    return settings


def _compare_json(settings: Settings, *args: str) -> list[dict]:
    env = {"ASSISTANT_EMBEDDING__BACKEND": "hash"}
    result = CliRunner(env=env).invoke(main, ["--home", str(settings.home), "corpus", "compare", *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_compare_real_cybersecurity_law(two_versions: Settings) -> None:
    rows = _compare_json(two_versions, "网络安全法", "--json")
    summary_row = rows.pop()
    pairs = {(r["old"], r["new"]): r for r in rows}
    assert pairs[("第二十一条", "第二十三条")]["status"] == "renumbered+amended"
    assert pairs[("第五十九条", "第六十一条")]["status"] == "renumbered+amended"
    assert pairs[("第一条", "第一条")]["status"] == "unchanged"
    assert sorted(r["new"] for r in rows if r["status"] == "added") == sorted(
        ["第三条", "第二十条", "第六十三条", "第七十一条", "第七十三条"])
    assert summary_row["summary"] == {"unchanged": 2, "amended": 18, "renumbered": 74, "added": 5, "deleted": 3,
                                      "part": 4}
    # Paragraphs and items that left their article: 2016 第六十九条第一项 is in 2025 第六十九条 (the rest of the
    # article became 第七十条), 第十八条第二款 became 第二十条, and 第七十一条 gathers 第六十四条's and 第七十条's.
    assert sorted((r["old"], r["new"]) for r in rows if r["status"] == "part") == sorted([
        ("第六十九条", "第六十九条"), ("第十八条", "第二十条"),
        ("第六十四条", "第七十一条"), ("第七十条", "第七十一条")])
    assert pairs[("第六十九条", "第七十条")]["status"] == "renumbered+amended"
    # --from/--to by year name the same two versions, in either order.
    assert _compare_json(two_versions, "网络安全法", "--from", "2025", "--to", "2016", "--json")[:-1] == rows


def test_compare_agrees_with_independent_check(two_versions: Settings, shared_corpus: Path) -> None:
    spec = importlib.util.spec_from_file_location("check", PROJECT_ROOT / "eval" / "check_version_alignment.py")
    check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check)  # type: ignore[union-attr]
    rows = _compare_json(two_versions, "网络安全法", "--json")[:-1]
    report = check.check(shared_corpus / OLD_NAME, shared_corpus / NEW_NAME, rows)
    assert report["agree"], report
    assert report["independent_strong_pairs"] >= 70


def test_existing_home_gets_alignments_without_rebuild(two_versions: Settings) -> None:
    # A catalog made before this feature: no article_alignment table at all.
    with sqlite3.connect(two_versions.catalog_path) as conn:
        conn.execute("DROP TABLE article_alignment")
    library = build_library(two_versions)  # open = upgrade the schema + reconcile
    versions = alignment_store.ordered_versions(library.catalog, library.catalog.resolve("网络安全法")[0].doc_id)
    stored = alignment_store.stored(library.catalog, versions[0].version_id, versions[1].version_id)
    assert stored is not None and len(stored) == 76 + 5 + 3 + 4
    moved = [c for c in alignment_store.counterparts(library.catalog, versions[0].version_id, 20)]
    assert [(c.version.version_id, c.label, c.status) for c in moved] == [
        (versions[1].version_id, "第二十三条", "renumbered+amended")]


def test_alignments_of_an_older_method_are_recomputed_on_open(two_versions: Settings) -> None:
    # A home aligned before part pairs were found: its rows lack them and its catalog names no method.
    with sqlite3.connect(two_versions.catalog_path) as conn:
        conn.execute("DELETE FROM article_alignment WHERE status = 'part'")
        conn.execute("DELETE FROM meta WHERE key = 'alignment_method'")
    library = build_library(two_versions)
    old, new = alignment_store.ordered_versions(library.catalog, library.catalog.resolve("网络安全法")[0].doc_id)
    parts = [(p.old_label, p.new_label) for p in alignment_store.stored(library.catalog, old.version_id,
                                                                         new.version_id) if p.status == "part"]
    assert ("第六十九条", "第六十九条") in parts and len(parts) == 4
    library.catalog.close()
    generation = sqlite3.connect(two_versions.catalog_path).execute(
        "SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]
    build_library(two_versions).catalog.close()  # the method is recorded: a second open recomputes nothing
    assert sqlite3.connect(two_versions.catalog_path).execute(
        "SELECT value FROM meta WHERE key = 'generation'").fetchone()[0] == generation


def test_removing_a_version_drops_its_alignment(two_versions: Settings) -> None:
    library = build_library(two_versions)
    old, new = alignment_store.ordered_versions(library.catalog, library.catalog.resolve("网络安全法")[0].doc_id)
    library.remove(old.version_id)
    assert alignment_store.stored(library.catalog, old.version_id, new.version_id) is None
    result = CliRunner(env={"ASSISTANT_EMBEDDING__BACKEND": "hash"}).invoke(
        main, ["--home", str(two_versions.home), "corpus", "compare", "网络安全法"])
    assert result.exit_code != 0 and "only one version" in result.output
