"""`assistant ask`: answer one question from the command line, with its citations."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from assistant.answering.citations import render_citation
from assistant.cli import AppContext, fail, pass_app
from assistant.errors import AssistantError
from assistant.language.question import clean_question
from assistant.records import Answer, SearchFilters

if TYPE_CHECKING:
    from assistant.answering.assistant import Assistant
    from assistant.settings import Settings


def format_answer(answer: Answer) -> str:
    """Return the answer as printed: text, notices, then one line per citation."""
    lines = [answer.text]
    if answer.notices:
        lines += ["", *(f"注意：{notice}" for notice in answer.notices)]
    if answer.citations:
        lines += ["", "引用条文：", *(render_citation(c) for c in answer.citations)]
    return "\n".join(lines)


def _build_assistant(settings: Settings) -> Assistant:
    """Return the assistant the wiring module builds (imported late: it loads the indexes)."""
    from assistant.wiring import build_assistant

    return build_assistant(settings)


@click.command()
@click.argument("question")
@click.option(
    "--history",
    multiple=True,
    metavar="TEXT",
    help="An earlier question of the same conversation (repeatable, oldest first).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the answer in the evaluation result format (JSON).")
@click.option(
    "--doc", "docs", multiple=True, metavar="DOC", help="Search only this regulation (title or id; repeatable)."
)
@click.option("--current-only", is_flag=True, help="Search only versions in force, never repealed or older texts.")
@pass_app
def ask(app: AppContext, question: str, history: tuple[str, ...], as_json: bool, docs: tuple[str, ...],
        current_only: bool) -> None:
    """Answer a question from the regulations, citing 《title》第N条 with version and effective date.

    \b
    Examples:
        assistant ask "数据安全法第二十一条规定了什么？"
        assistant ask "关基运营者有哪些安全保护义务？" --current-only
        assistant ask "那违反了怎么处罚？" --history "个人信息处理者有哪些义务？"
        assistant ask "数据出境需要申报评估吗？" --doc 数据出境安全评估办法 --json
    """
    if not clean_question(question, app.settings.answer.max_question_chars)[0]:
        raise click.UsageError("QUESTION is empty; write the question in quotes, e.g. assistant ask \"…\"")
    filters = SearchFilters(documents=docs, current_only=current_only)
    try:
        assistant = _build_assistant(app.settings)
        answer = assistant.answer(question, history=history, filters=None if filters.is_empty else filters)
    except AssistantError as err:
        raise fail(err) from err
    if as_json:
        from assistant.answering.assistant import answer_record

        record = answer_record(answer)
        record["notices"] = list(answer.notices)
        record["citations"] = [
            {**cited, "label": c.label, "effective_date": c.effective_date, "status": c.status}
            for cited, c in zip(record["citations"], answer.citations, strict=True)  # type: ignore[arg-type]
        ]
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
    else:
        click.echo(format_answer(answer))
