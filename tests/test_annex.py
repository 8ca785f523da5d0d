"""An annex after the last article (国家网络安全事件报告管理办法's 网络安全事件分级指南) is a unit of its own: found,
quoted and cited as the annex, never as the last article (本办法自…起施行), and opened by its label."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.assistant import Assistant
from assistant.api.payloads import find_article
from assistant.settings import Settings
from assistant.wiring import build_assistant, build_library

ANNEX = "附件：网络安全事件分级指南"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Assistant:
    home = tmp_path_factory.mktemp("annex")
    settings = Settings(home=home / "home", embedding={"backend": "hash", "threads": 1},
                        corpus={"extra_dir": home / "corpus", "default_law_list": home / "none.txt"})
    library = build_library(settings)
    library.add([shared_dir / "corpus" / "国家网络安全事件报告管理办法.md"])
    return build_assistant(settings, library.catalog, library.indexer)  # type: ignore[arg-type]


def test_a_grading_question_cites_the_annex_with_its_criteria(assistant: Assistant) -> None:
    answer = assistant.answer("门户网站被攻击多长时间不能访问，算较大网络安全事件？")
    labels = [c.article for c in answer.citations]
    assert ANNEX in labels and "第十四条" not in labels, labels
    assert "较大网络安全事件：" in answer.text  # the annex's own lead-in to the criteria, quoted with them


def test_the_annex_opens_by_its_label(assistant: Assistant) -> None:
    stored = find_article(assistant.retriever.catalog, "国家网络安全事件报告管理办法", ANNEX)
    assert stored.article.kind == "annex" and stored.article.label == ANNEX
    last = find_article(assistant.retriever.catalog, "国家网络安全事件报告管理办法", "第十四条")
    assert last.article.text == "本办法自2025年11月1日起施行。"
