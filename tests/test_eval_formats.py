"""Question and result files: bad lines are reported with their numbers and skipped; results round-trip exactly."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.evaluation.formats import (
    ArticleRef,
    GoldRef,
    Question,
    Result,
    question_json,
    read_questions,
    read_results,
    result_json,
    write_results,
)

GOOD = {
    "id": "q1",
    "question": "网安法二十一条",
    "gold": [{"document": "中华人民共和国网络安全法", "article": "第二十一条", "version": "2025"}],
    "key_points": ["网络安全宣传教育"],
    "category": "lookup",
}


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_questions_are_read_with_defaults(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "q.jsonl",
        [
            json.dumps(GOOD, ensure_ascii=False),
            "",
            json.dumps({"id": 7, "question": "个人所得税起征点？", "category": "unanswerable"}, ensure_ascii=False),
            json.dumps(
                {
                    "id": "q3",
                    "question": "那怎么罚？",
                    "history": ["等保义务有哪些？"],
                    "gold": [{"document": "数据安全法", "article": "第45条", "version": 2021}],
                    "gold_any": True,
                },
                ensure_ascii=False,
            ),
        ],
    )
    questions, errors = read_questions(path)
    assert errors == []
    assert questions == [
        Question(
            "q1",
            "网安法二十一条",
            (),
            (GoldRef("中华人民共和国网络安全法", "第二十一条", "2025"),),
            False,
            ("网络安全宣传教育",),
            True,
            "lookup",
        ),
        Question("7", "个人所得税起征点？", answerable=False, category="unanswerable"),
        Question("q3", "那怎么罚？", ("等保义务有哪些？",), (GoldRef("数据安全法", "第45条", "2021"),), True),
    ]


def test_bad_question_lines_are_reported_by_line_number_and_skipped(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "q.jsonl",
        [
            json.dumps(GOOD, ensure_ascii=False),
            '{"id": "broken", "question": ',
            json.dumps({"id": "nq"}),
            json.dumps({"id": "g", "question": "x", "gold": "数据安全法第21条"}, ensure_ascii=False),
            json.dumps({"id": "h", "question": "x", "history": "只有一句"}, ensure_ascii=False),
            json.dumps(GOOD, ensure_ascii=False),
            "[1, 2]",
            json.dumps(
                {"id": "v", "question": "x", "gold": [{"document": "a", "article": "第1条", "version": [2016]}]}
            ),
            json.dumps({"id": "ok2", "question": "还有一个好问题"}, ensure_ascii=False),
        ],
    )
    questions, errors = read_questions(path)
    assert [q.id for q in questions] == ["q1", "ok2"]
    assert [e.line for e in errors] == [2, 3, 4, 5, 6, 7, 8]
    messages = [e.message for e in errors]
    assert messages[0].startswith("not valid JSON")
    assert "'question'" in messages[1]
    assert "'gold'" in messages[2]
    assert "'history'" in messages[3]
    assert messages[4] == "duplicate id 'q1'; the first one is kept"
    assert "JSON object" in messages[5]
    assert "version" in messages[6]
    assert str(errors[0]) == f"{path}:2: {messages[0]}"


def test_non_utf8_file_is_one_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "gbk.jsonl"
    path.write_bytes(json.dumps(GOOD, ensure_ascii=False).encode("gbk"))
    questions, errors = read_questions(path)
    assert questions == [] and "UTF-8" in errors[0].message


def test_results_round_trip_in_the_exact_format(tmp_path: Path) -> None:
    result = Result(
        id="q1",
        answer="依据《中华人民共和国网络安全法》第二十一条[1]……",
        declined=False,
        citations=(ArticleRef("中华人民共和国网络安全法", "第二十一条", "2025-10-28"),),
        retrieved=(
            ArticleRef("中华人民共和国网络安全法", "第二十一条", "2025-10-28", 0.91),
            ArticleRef("中华人民共和国网络安全法", "第二十三条", None, 0.5),
        ),
        latency_ms=123.456,
        extra={"mode": "composer"},
    )
    path = tmp_path / "out" / "r.jsonl"
    assert write_results(path, [result]) == 1
    record = json.loads(path.read_text(encoding="utf-8"))
    assert list(record) == ["id", "answer", "declined", "citations", "retrieved", "latency_ms", "mode"]
    assert record["citations"] == [
        {"document": "中华人民共和国网络安全法", "article": "第二十一条", "version": "2025-10-28"}
    ]
    assert record["retrieved"][1] == {
        "document": "中华人民共和国网络安全法",
        "article": "第二十三条",
        "version": None,
        "score": 0.5,
    }
    assert record["latency_ms"] == 123.5
    results, errors = read_results(path)
    assert errors == []
    assert results[0] == Result(**{**result.__dict__, "latency_ms": 123.5})
    assert result_json(results[0]) == record


def test_bad_result_lines_are_skipped(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "r.jsonl",
        [
            json.dumps({"id": "a", "answer": "x", "declined": "no", "citations": [], "retrieved": [], "latency_ms": 1}),
            json.dumps(
                {
                    "id": "b",
                    "answer": "x",
                    "declined": False,
                    "citations": [{"document": "d"}],
                    "retrieved": [],
                    "latency_ms": 1,
                }
            ),
            json.dumps(
                {
                    "id": "c",
                    "answer": "x",
                    "declined": False,
                    "citations": [],
                    "retrieved": [{"document": "d", "article": "第1条", "score": "high"}],
                    "latency_ms": 1,
                }
            ),
            json.dumps(
                {"id": "d", "answer": "好", "declined": True, "citations": [], "retrieved": [], "latency_ms": None}
            ),
        ],
    )
    results, errors = read_results(path)
    assert [r.id for r in results] == ["d"] and results[0].latency_ms == 0.0
    assert [e.line for e in errors] == [1, 2, 3]
    assert "'declined'" in errors[0].message and "document and article" in errors[1].message
    assert "score" in errors[2].message


def test_question_json_writes_only_what_differs_from_defaults() -> None:
    question = Question("x", "问", gold=(GoldRef("数据安全法", "第二十一条"),), category="lookup")
    assert question_json(question) == {
        "id": "x",
        "question": "问",
        "gold": [{"document": "数据安全法", "article": "第二十一条"}],
        "category": "lookup",
    }
    assert question_json(Question("y", "问", answerable=False, category="unanswerable"))["answerable"] is False
