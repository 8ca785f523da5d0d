"""Access, bounded: only maintainers reach console actions (in process and over HTTP); upload names that try
to leave the staging folder are refused or reduced to a plain name inside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.access_check import ESCAPING_NAMES, check_http, check_names, check_roles
from benchmarks.load_test import tiny_home


@pytest.fixture()
def source(tmp_path: Path) -> Path:
    """Return a small regulation file to upload."""
    path = tmp_path / "names" / "示例办法.md"
    path.parent.mkdir()
    path.write_text("# 上传示例办法\n\n第一条 数据处理者应当履行数据安全保护义务。\n", encoding="utf-8")
    return path


def test_escaping_upload_names_stay_inside_staging(source: Path) -> None:
    results = check_names(source.parent / "staging", source)
    assert len(results) == len(ESCAPING_NAMES) + 1
    assert all(r["inside"] for r in results), [r for r in results if not r["inside"]]
    refused = {r["name"] for r in results if r["result"] == "refused"}
    assert {"../../etc/passwd.md", "/etc/passwd.md", "a/../../b.md", "..", ""} <= refused


def test_console_actions_refuse_anonymous_and_officials(tmp_path: Path, source: Path, shared_dir: Path) -> None:
    home = tiny_home(tmp_path / "tiny")
    results = check_roles(home, source)
    assert all(r["refused"] for r in results), [r for r in results if not r["refused"]]


@pytest.mark.slow
def test_over_http_only_maintainers_change_the_library(tmp_path: Path, source: Path, shared_dir: Path) -> None:
    home = tiny_home(tmp_path / "tiny")
    results = check_http(home, source)
    assert all(r["ok"] for r in results), [r for r in results if not r["ok"]]
    assert {r["who"] for r in results} == {"anonymous", "official", "maintainer", "guesser"}
