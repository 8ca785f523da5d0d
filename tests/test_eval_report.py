"""The report (Markdown, HTML, figures) and the `assistant eval` commands, on hand-made question and result files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from click.testing import CliRunner

from assistant.cli import main
from assistant.evaluation.formats import ArticleRef, GoldRef, Question, Result
from assistant.evaluation.metrics import score_question
from assistant.evaluation.report import QuestionSet, Run, write_report
from assistant.evaluation.runner import result_from_answer, run_questions
from assistant.records import (
    Answer,
    Article,
    Citation,
    Hit,
    RetrievalResult,
    SearchFilters,
    StoredArticle,
)
from assistant.settings import Settings

DSL = "中华人民共和国数据安全法"
PNG = b"\x89PNG\r\n\x1a\n"
QUESTIONS = [
    Question(
        "d1",
        "数据分类分级保护制度是什么？",
        gold=(GoldRef(DSL, "第二十一条"),),
        key_points=("数据分类分级保护制度",),
        category="lookup",
    ),
    Question(
        "d2",
        "那违反了怎么罚？",
        history=("重要数据处理者有哪些义务？",),
        gold=(GoldRef(DSL, "第四十五条"),),
        category="followup",
    ),
    Question("d3", "个人所得税起征点是多少？", answerable=False, category="unanswerable"),
]


def result(
    qid: str,
    ranked: Sequence[str],
    cited: Sequence[str] = (),
    *,
    declined: bool = False,
    answer: str = "",
    latency: float = 50.0,
) -> Result:
    refs = tuple(ArticleRef(DSL, label, "2021-06-10", 1.0 / (i + 1)) for i, label in enumerate(ranked))
    return Result(qid, answer, declined, tuple(ArticleRef(DSL, c, "2021-06-10") for c in cited), refs, latency)


HYBRID = [
    result("d1", ["第二十一条", "第二十二条"], ["第二十一条"], answer="国家建立数据分类分级保护制度[1]。"),
    result(
        "d2", ["第四十四条", "第四十五条"], ["第四十五条"], answer="处五万元以上五十万元以下罚款[1]。", latency=80.0
    ),
    result("d3", [], declined=True, answer="现有法规库未涉及该问题。", latency=20.0),
]
KEYWORD = [
    result("d1", ["第三条"], ["第三条"], answer="数据是指任何以电子方式对信息的记录[1]。"),
    result("d2", ["第九十条"], ["第九十条"], answer="依法处罚[1]。"),
    result("d3", ["第一条"], ["第一条"], answer="请参阅第一条[1]。"),
]


def test_report_writes_markdown_html_and_figures(tmp_path: Path) -> None:
    runs = [
        Run(name, [score_question(q, r) for q, r in zip(QUESTIONS, results, strict=True)])
        for name, results in (("hybrid", HYBRID), ("keyword", KEYWORD))
    ]
    extra = QuestionSet("stard", [Run("hybrid", [score_question(QUESTIONS[0], HYBRID[0])])])
    written = write_report([QuestionSet("devset", runs), extra], tmp_path / "report", title="Dev report")
    for key in ("recall", "latency", "categories", "comparison"):
        assert written[key].read_bytes().startswith(PNG), key
    markdown = written["markdown"].read_text(encoding="utf-8")
    assert "| Recall@5 | 1.000 | 0.000 |" in markdown
    assert "| Declined when unanswerable | 1.000 | 0.000 |" in markdown
    assert "### hybrid: 0 of 3 questions failed" in markdown
    assert "### keyword: 3 of 3 questions failed" in markdown
    assert "#### d3 (unanswerable)" in markdown and "answered an unanswerable question" in markdown
    assert "History: 重要数据处理者有哪些义务？" in markdown
    assert "| stard / hybrid | 1 | 1.000 |" in markdown
    assert "![Recall@k](recall_at_k.png)" in markdown
    page = written["html"].read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<img src="categories.png"' in page and "<td>followup</td>" in page


def test_a_sealed_report_counts_failures_but_lists_none(tmp_path: Path) -> None:
    runs = [Run("keyword", [score_question(q, r) for q, r in zip(QUESTIONS, KEYWORD, strict=True)])]
    written = write_report([QuestionSet("sealed", runs)], tmp_path / "report", title="Sealed", list_failures=False)
    markdown = written["markdown"].read_text(encoding="utf-8")
    assert "### keyword: 3 of 3 questions failed" in markdown and "not listed" in markdown
    assert "#### d" not in markdown and "History:" not in markdown  # nothing a tuner could read question by question


def write_jsonl(path: Path, records: Sequence[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_score_command_compares_runs_and_checks_citations_against_the_corpus(
    shared_corpus: Path, tmp_path: Path
) -> None:
    from assistant.evaluation.formats import question_json, result_json

    questions = write_jsonl(tmp_path / "devset.jsonl", [question_json(q) for q in QUESTIONS])
    with questions.open("a", encoding="utf-8") as handle:
        handle.write("this line is broken\n")
    hybrid = write_jsonl(tmp_path / "hybrid.jsonl", [result_json(r) for r in HYBRID])
    keyword = write_jsonl(tmp_path / "keyword.jsonl", [result_json(r) for r in KEYWORD])
    out = CliRunner().invoke(
        main,
        [
            "eval",
            "score",
            str(questions),
            str(hybrid),
            str(keyword),
            "--report",
            str(tmp_path / "rep"),
            "--markdown-corpus",
            str(shared_corpus),
        ],
    )
    assert out.exit_code == 0, out.output
    assert f"skipped {questions}:4: not valid JSON" in out.output
    assert "devset/hybrid: 3 questions, recall@5=1.000" in out.output
    assert "citation_validity=1.000" in out.output.splitlines()[1]
    # keyword cites 第九十条, which the Data Security Law (55 articles) does not have
    assert "citation_validity=0.667" in out.output.splitlines()[2]
    assert (tmp_path / "rep" / "report.html").is_file()


class FakeAssistant:
    """Answers from a script of (text, cited article) and records what it was asked."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, tuple[str, ...]]] = []

    def answer(self, question: str, history: Sequence[str] = (), filters: SearchFilters | None = None) -> Answer:
        self.seen.append((question, tuple(history)))
        if "起征点" in question:
            raise RuntimeError("pipeline bug")
        stored = [stored_article(n) for n in (21, 21, 45)]  # the same article twice: recorded once
        hits = tuple(Hit(s, 1.0 / (i + 1)) for i, s in enumerate(stored))
        retrieval = RetrievalResult(question, question + "（改写）", hits)
        citation = Citation(1, DSL, "第二十一条", "2021-06-10", "2021-09-01", "现行有效", "v1", 20)
        return Answer(question, "国家建立数据分类分级保护制度[1]。", False, (citation,), retrieval)


def stored_article(number: int) -> StoredArticle:
    labels = {21: "第二十一条", 45: "第四十五条"}
    return StoredArticle(
        "v1",
        "dsl",
        number - 1,
        Article(labels[number], number),
        DSL,
        "法律",
        "现行有效",
        "2021-06-10",
        "2021-09-01",
        "全国人民代表大会常务委员会",
        True,
    )


def test_runner_turns_answers_into_results_and_survives_failures() -> None:
    assistant = FakeAssistant()
    results = list(run_questions(QUESTIONS, assistant=assistant))
    assert assistant.seen[1] == ("那违反了怎么罚？", ("重要数据处理者有哪些义务？",))
    first = results[0]
    assert [(r.article, r.score) for r in first.retrieved] == [("第二十一条", 1.0), ("第四十五条", 0.333333)]
    assert first.citations == (ArticleRef(DSL, "第二十一条", "2021-06-10"),)
    assert first.extra["standalone_query"].endswith("（改写）") and first.latency_ms >= 0
    assert results[2].extra["error"] == "RuntimeError: pipeline bug" and results[2].retrieved == ()


def test_result_from_answer_keeps_citation_order_of_markers() -> None:
    c1 = Citation(2, DSL, "第四十五条", "2021-06-10", None, "现行有效", "v1", 44)
    c2 = Citation(1, DSL, "第二十一条", "2021-06-10", None, "现行有效", "v1", 20)
    answer = Answer("q", "…[1]…[2]", False, (c1, c2), None)
    assert [c.article for c in result_from_answer("q", answer, 1.0).citations] == ["第二十一条", "第四十五条"]


def add_small_regulation(settings: Settings) -> None:
    """Put a three-article regulation into the catalog at settings.home (hash embedder, real stores)."""
    from assistant.wiring import build_library

    source = settings.home.parent / "小条例.md"
    source.write_text(
        "# 小条例\n\n第一条 为了测试，制定本条例。\n\n第二条 数据应当分类分级。\n\n第三条 本条例自公布之日起施行。\n",
        encoding="utf-8",
    )
    assert build_library(settings).add([source]).rejected == ()


def test_run_command_reports_bad_lines_and_writes_results(tmp_path: Path, settings: Settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from assistant.cli import evaluate
    from assistant.evaluation.formats import question_json, read_results

    questions = write_jsonl(tmp_path / "q.jsonl", [question_json(q) for q in QUESTIONS])
    questions.write_text('{"id": "bad"}\n' + questions.read_text(encoding="utf-8"), encoding="utf-8")
    out_path = tmp_path / "results" / "r.jsonl"
    empty = CliRunner().invoke(
        main, ["--home", str(tmp_path / "home"), "eval", "run", str(questions), "--out", str(out_path)]
    )
    assert empty.exit_code == 2 and "No catalog at" in empty.output and not (tmp_path / "home").exists()
    add_small_regulation(settings)
    # the wiring module builds the real pipeline; here a fake assistant stands in for it
    monkeypatch.setattr(evaluate, "_pipeline", lambda settings, retrieval_only: {"assistant": FakeAssistant()})
    out = CliRunner().invoke(
        main, ["--home", str(settings.home), "eval", "run", str(questions), "--out", str(out_path), "--limit", "2"]
    )
    assert out.exit_code == 0, out.output
    assert f"skipped {questions}:1: field 'question'" in out.output
    assert "2 questions run (0 kept from before), 0 failed inside the pipeline, 1 lines skipped" in out.output
    assert [r.id for r in read_results(out_path)[0]] == ["d1", "d2"]
    again = CliRunner().invoke(
        main, ["--home", str(settings.home), "eval", "run", str(questions), "--out", str(out_path), "--resume"]
    )
    assert "1 questions run (2 kept from before), 1 failed inside the pipeline" in again.output
    assert [r.id for r in read_results(out_path)[0]] == ["d1", "d2", "d3"]


def test_only_answered_compares_runs_on_the_questions_all_of_them_answered(tmp_path: Path) -> None:
    from assistant.evaluation.formats import question_json, result_json

    questions = write_jsonl(tmp_path / "devset.jsonl", [question_json(q) for q in QUESTIONS])
    full = write_jsonl(tmp_path / "composer.jsonl", [result_json(r) for r in HYBRID])
    partial = write_jsonl(tmp_path / "model.jsonl", [result_json(r) for r in KEYWORD[:2]])
    out = CliRunner().invoke(
        main,
        [
            "--home",
            str(tmp_path / "home"),
            "eval",
            "score",
            str(questions),
            str(full),
            str(partial),
            "--only-answered",
            "--report",
            str(tmp_path / "rep"),
        ],
    )
    assert out.exit_code == 0, out.output
    assert "devset/composer: 2 questions" in out.output and "devset/model: 2 questions" in out.output
    assert "citation_validity=n/a" in out.output  # no catalog at --home, no Markdown corpus


def test_catalog_index_checks_citations_against_stored_articles(settings: Settings) -> None:
    from assistant.evaluation.corpus import index_from_catalog

    add_small_regulation(settings)
    index = index_from_catalog(settings.catalog_path)
    assert index.exists(ArticleRef("《小条例》", "第3条"))
    assert not index.exists(ArticleRef("小条例", "第四条"))
    assert not index.exists(ArticleRef("大条例", "第一条"))
    assert index.supports(ArticleRef("小条例", "第二条"), "数据应当分类分级[1]。")


class FakeRetriever:
    """Returns two hits and records the top_k it was asked for."""

    def __init__(self) -> None:
        self.top_k: list[int | None] = []

    def retrieve(
        self, question: str, history: Sequence[str] = (), filters: SearchFilters | None = None, top_k: int | None = None
    ) -> RetrievalResult:
        self.top_k.append(top_k)
        hits = tuple(Hit(stored_article(n), 0.9 - i / 10) for i, n in enumerate((45, 21)))
        return RetrievalResult(question, question, hits, evidence=0.42)


def test_retrieval_only_results_record_ranking_evidence_and_no_answer() -> None:
    retriever = FakeRetriever()
    results = list(run_questions(QUESTIONS[:2], retriever=retriever, top_k=20))
    assert retriever.top_k == [20, 20]
    first = results[0]
    assert (first.answer, first.declined, first.citations) == ("", False, ())
    assert [r.article for r in first.retrieved] == ["第四十五条", "第二十一条"]
    assert first.extra == {"retrieval_only": True, "evidence": 0.42}
    score = score_question(QUESTIONS[0], first)
    assert score.recall[1] == 0.0 and score.recall[5] == 1.0 and score.citation_recall is None


def test_result_files_of_one_also_set_are_compared_side_by_side(tmp_path: Path) -> None:
    from assistant.evaluation.formats import question_json, result_json

    questions = write_jsonl(tmp_path / "devset.jsonl", [question_json(q) for q in QUESTIONS])
    hybrid = write_jsonl(tmp_path / "hybrid.jsonl", [result_json(r) for r in HYBRID])
    other = tmp_path / "stard"
    other.mkdir()
    stard = write_jsonl(other / "queries.jsonl", [question_json(q) for q in QUESTIONS[:1]])
    stard_hybrid = write_jsonl(other / "stard-hybrid.jsonl", [result_json(r) for r in HYBRID[:1]])
    stard_keyword = write_jsonl(other / "stard-keyword.jsonl", [result_json(r) for r in KEYWORD[:1]])
    out = CliRunner().invoke(
        main,
        ["--home", str(tmp_path / "home"), "eval", "score", str(questions), str(hybrid),
         "--also", str(stard), str(stard_hybrid), "--also", str(stard), str(stard_keyword),
         "--report", str(tmp_path / "rep")],
    )
    assert out.exit_code == 0, out.output
    assert "stard/stard-hybrid: 1 questions, recall@5=1.000" in out.output
    assert "stard/stard-keyword: 1 questions, recall@5=0.000" in out.output
    markdown = (tmp_path / "rep" / "report.md").read_text(encoding="utf-8")
    other_sets = markdown.split("## Other question sets", 1)[1].split("\n## ", 1)[0]
    assert "| stard / stard-hybrid |" in other_sets and "| stard / stard-keyword |" in other_sets
