"""Audit log and feedback: one JSON line per event, no secrets, nothing rewritten."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from assistant.ui.audit import AuditLog, action_record, question_record, read_jsonl
from assistant.ui.feedback import FeedbackStore
from tests.ui_fakes import make_answer


def test_questions_are_appended_with_citations(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.append(question_record("张三", make_answer("数据安全法第二十一条？"), filters={"current_only": True}))
    log.append(question_record("李四", make_answer("天气如何？", "无法回答。", declined=True)))
    lines = (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    first, second = (json.loads(line) for line in lines)
    assert first["user"] == "张三" and first["question"] == "数据安全法第二十一条？" and not first["declined"]
    assert first["cited"] == ["《中华人民共和国数据安全法》第二十一条@2021-06-10"]
    assert first["cited_keys"] == ["dsl-2021#20"] and first["filters"] == {"current_only": True}
    assert second["declined"] and second["cited"] == []
    assert first["time"].endswith("+00:00") and first["answer"] == "国家建立数据分类分级保护制度[1]。"
    assert stat.S_IMODE((tmp_path / "audit.jsonl").stat().st_mode) == 0o600


def test_secrets_never_reach_the_log(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.append(action_record("admin", "login", password="hunter2-secret", token="abc", password_hash="$2b$x",
                             api_key="k", files=["a.md"]))
    text = (tmp_path / "audit.jsonl").read_text(encoding="utf-8")
    assert "hunter2" not in text and "abc" not in text and "$2b$" not in text and '"k"' not in text
    assert json.loads(text)["files"] == ["a.md"]


def test_log_is_append_only_and_skips_broken_lines(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_text('{"event": "old"}\nnot json\n', encoding="utf-8")
    AuditLog(path).append(action_record("admin", "upload", files=["x.md"]))
    assert path.read_text(encoding="utf-8").startswith('{"event": "old"}\nnot json\n')
    assert [r["event"] for r in read_jsonl(path)] == ["old", "upload"]


def test_feedback_is_stored_and_read_newest_first(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.jsonl")
    store.record("张三", make_answer("问题一"), True)
    store.record("李四", make_answer("问题二"), False, "  引用条文不对 " + "长" * 3000)
    latest = store.latest()
    assert [e["question"] for e in latest] == ["问题二", "问题一"]
    assert latest[0]["helpful"] is False and latest[0]["comment"].startswith("引用条文不对")
    assert len(latest[0]["comment"]) == 2000 and latest[1]["cited"] == ["《中华人民共和国数据安全法》第二十一条"]
