"""`assistant corpus` end to end with CliRunner: init, add, list, show, replace, remove, import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from assistant.cli import main
from tests.test_ingest import write_law


@pytest.fixture()
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Return a function running `assistant --home TMP corpus ...` with the hash embedder and a tmp corpus/."""
    env = {
        "ASSISTANT_EMBEDDING__BACKEND": "hash",
        "ASSISTANT_EMBEDDING__THREADS": "1",
        "ASSISTANT_CORPUS__EXTRA_DIR": str(tmp_path / "corpus"),
        "ASSISTANT_CORPUS__DEFAULT_LAW_LIST": str(tmp_path / "laws.txt"),
        "ASSISTANT_CONFIG": str(tmp_path / "none.toml"),
    }

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner(env=env).invoke(main, ["--home", str(tmp_path / "home"), "corpus", *args], input=input)

    return invoke


def _json_lines(result: Result) -> list[dict]:
    return [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]


def test_add_list_show_replace_remove(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    old = write_law(tmp_path / "in", "old.md", "中华人民共和国测试安全法", promulgated="2016年11月7日",
                    effective="2017年6月1日")
    new = write_law(tmp_path / "in", "new.md", "中华人民共和国测试安全法（2025修正）", promulgated="2025年10月28日",
                    effective="2026年1月1日", salt="（修正）")
    added = run("add", str(old), str(new))
    assert added.exit_code == 0, added.output
    assert "added 2, skipped 0, rejected 0" in added.output and "new version of document" in added.output

    listed = _json_lines(run("list", "--json"))
    assert [(v["version"], v["current"]) for v in listed] == [("2025-10-28", True)]
    everything = _json_lines(run("list", "--all", "--json"))
    assert [(v["version"], v["current"], v["status"]) for v in everything] == [
        ("2025-10-28", True, "现行有效"), ("2016-11-07", False, "已修改")]
    assert set(everything[0]) >= {"id", "title", "type", "issuing_body", "version", "effective", "status",
                                  "current", "articles", "warnings"}
    assert everything[0]["articles"] == 4 and everything[0]["effective"] == "2026-01-01"
    table = run("list", "--all").output
    assert "中华人民共和国测试安全法" in table and "1 document(s), 2 version(s)." in table
    assert table.splitlines()[0].split() == ["ID", "TITLE", "TYPE", "ISSUING", "BODY", "VERSION", "EFFECTIVE",
                                             "STATUS", "CURRENT", "ARTICLES"]
    assert "1 document(s), 1 version(s)." in run("list", "--all", "--search", "2016").output
    assert "No version matches '没有这个词'" in run("list", "--search", "没有这个词").output

    shown = run("show", "测试安全法")
    assert shown.exit_code == 0
    assert f"Superseded by:   {everything[0]['id']}" in shown.output and "Chapters:        第一章 总则" in shown.output

    again = run("add", str(old))
    assert "skipped" in again.output and "identical" in again.output and "added 0, skipped 1" in again.output

    fix = write_law(tmp_path / "in", "fix.md", "测试安全法", promulgated="2025年10月28日", effective="2026年1月1日",
                    salt="（更正）")
    replaced = run("replace", everything[0]["doc_id"], str(fix), "--issuing-body", "全国人民代表大会常务委员会")
    assert replaced.exit_code == 0 and "current" in replaced.output
    after = _json_lines(run("list", "--all", "--json"))
    assert len(after) == 2 and after[0]["issuing_body"] == "全国人民代表大会常务委员会"

    declined = run("remove", "测试安全法", input="n\n")
    assert declined.exit_code != 0 and len(_json_lines(run("list", "--all", "--json"))) == 2
    removed = run("remove", after[1]["id"], "--yes")
    assert removed.exit_code == 0 and after[1]["id"] in removed.output
    assert [v["id"] for v in _json_lines(run("list", "--all", "--json"))] == [after[0]["id"]]


def test_metadata_options_and_sidecar_show_up(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_law(tmp_path / "in", "rule.md", "某单位网络安全管理办法")
    (tmp_path / "in" / "rule.meta.json").write_text(json.dumps({"issuing_body": "某单位办公室"}), encoding="utf-8")
    result = run("add", str(path), "--type", "内部制度", "--doc-number", "某办发〔2026〕3号",
                 "--effective", "2027-01-01")
    assert result.exit_code == 0, result.output
    (version,) = _json_lines(run("list", "--all", "--json"))
    assert (version["type"], version["issuing_body"]) == ("内部制度", "某单位办公室")
    assert version["effective"] == "2027-01-01"
    assert version["status"] == "尚未施行" and version["current"] is False
    shown = run("show", version["id"]).output
    assert "某办发〔2026〕3号" in shown and "尚未施行" in shown


def test_errors_are_one_line_messages(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "empty.md"
    empty.write_text("", encoding="utf-8")
    rejected = run("add", str(empty))
    assert rejected.exit_code == 1 and "rejected" in rejected.output and "empty" in rejected.output
    bad_date = run("add", str(write_law(tmp_path, "x.md", "测试")), "--effective", "明年")
    assert bad_date.exit_code == 1 and "is not a date" in bad_date.output
    missing = run("show", "不存在的法")
    assert missing.exit_code == 1 and "Error: no document matches" in missing.output
    assert "Traceback" not in missing.output
    two = run("add", str(tmp_path / "x.md"), str(empty), "--title", "某法")
    assert two.exit_code == 2 and "--title names one document" in two.output
    assert "The corpus is empty" in run("list").output


def test_import_is_resumable_and_init_builds_the_default_corpus(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for i in range(3):
        write_law(tmp_path / "tree" / f"d{i}", f"{i}.md", f"测试批量导入规定第{i}号")
    first = run("import", str(tmp_path / "tree"), "--quiet")
    assert first.exit_code == 0 and "added 3, skipped 0, rejected 0" in first.output
    second = run("import", str(tmp_path / "tree"))
    assert "added 0, skipped 3, rejected 0" in second.output

    (tmp_path / "laws.txt").write_text("# 默认\n密码法\n", encoding="utf-8")
    write_law(tmp_path / "corpus", "内部.md", "某单位密码使用管理规定")
    init = run("init")
    assert init.exit_code == 0 and "added 2, skipped 0, rejected 0" in init.output, init.output
    # CliRunner's output is no terminal: progress still comes as plain lines, one per document.
    progress = [line for line in init.output.splitlines() if line.startswith("[")]
    assert [line[:6] for line in progress] == ["[1/2] ", "[2/2] "], init.output
    assert "《某单位密码使用管理规定》: 4 articles" in progress[0] and "elapsed, about" in progress[0]
    assert "48 articles so far" in progress[1] and progress[1].endswith("about 0:00 left")
    assert "added 0, skipped 2" in run("init").output
    titles = {v["title"] for v in _json_lines(run("list", "--json"))}
    assert {"中华人民共和国密码法", "某单位密码使用管理规定"} <= titles


def test_every_command_documents_an_example() -> None:
    from assistant.cli.corpus import corpus

    for name, command in corpus.commands.items():
        assert "assistant corpus" in (command.help or ""), name


def test_build_progress_lines_estimate_from_the_pace_so_far() -> None:
    from assistant.cli.progress import BuildPrinter
    from assistant.corpus.default_corpus import BuildStep
    from assistant.corpus.reports import IngestOutcome

    lines: list[str] = []
    ticks = iter([0.0, 30.0, 3700.0])
    printer = BuildPrinter(echo=lines.append, clock=lambda: next(ticks))
    printer(BuildStep(1, 4, IngestOutcome("/c/数据安全法.md", "added", "", "v1", "数据安全法"), 55))
    printer(BuildStep(2, 4, IngestOutcome("laws.db#x", "skipped", "comes from 数据安全法.md", "v1", "数据安全法"), 55))
    assert lines[0] == ("[1/4] added    数据安全法.md 《数据安全法》: 55 articles | 55 articles so far, 0:30 elapsed, "
                        "about 1:30 left")
    assert lines[1].endswith("55 articles so far, 1:01:40 elapsed, about 1:01:40 left (comes from 数据安全法.md)")


def test_long_issuing_bodies_are_clipped_in_the_table_only() -> None:
    from assistant.cli.corpus_views import _clip

    assert _clip("国家互联网信息办公室、国家发展和改革委员会", 12) == "国家互联网…"
    assert _clip("国务院", 12) == "国务院"
