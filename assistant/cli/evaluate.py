"""`assistant eval`: run question files through the assistant and score result files into a report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from assistant.cli import AppContext, fail, pass_app
from assistant.errors import AssistantError
from assistant.evaluation.formats import LineError, Question, read_questions, read_results, write_result_line

if TYPE_CHECKING:
    from assistant.evaluation.corpus import ArticleIndex
    from assistant.evaluation.report import QuestionSet
    from assistant.settings import Settings

RETRIEVAL_WEIGHTS = {"dense": (1.0, 0.0), "keyword": (0.0, 1.0)}


@click.group(name="eval")
def evaluate() -> None:
    """Evaluate answers and retrieval on a question set (format: ../shared/docs/eval-format.md).

    \b
    Examples:
        assistant eval run eval/devset.jsonl --out eval/results/composer.jsonl
        assistant eval score eval/devset.jsonl eval/results/composer.jsonl --report eval/results/report
    """


def report_line_errors(errors: list[LineError]) -> None:
    """Print every skipped line of an input file with its line number."""
    for error in errors:
        click.echo(f"skipped {error}", err=True)


def run_settings(settings: Settings, mode: str, retrieval: str, top_k: int) -> Settings:
    """Return settings for an evaluation run: the answer mode, the retrieval mix and at least top_k hits."""
    llm = settings.llm.model_copy(update={"backend": "openai" if mode == "model" else "none"})
    update: dict[str, object] = {"top_k": max(top_k, settings.retrieval.top_k)}
    if retrieval in RETRIEVAL_WEIGHTS:
        update["dense_weight"], update["lexical_weight"] = RETRIEVAL_WEIGHTS[retrieval]
    return settings.model_copy(update={"llm": llm, "retrieval": settings.retrieval.model_copy(update=update)})


def require_corpus(settings: Settings) -> None:
    """Raise a usage error when the home holds no ready document: every answer would be a decline."""
    from assistant.corpus.catalog import Catalog

    path = settings.catalog_path
    if not path.is_file():
        raise click.UsageError(
            f"No catalog at {path}: build the corpus first (assistant corpus init / corpus add) or pass --home."
        )
    catalog = Catalog(path)
    try:
        ready = len(catalog.versions())
    finally:
        catalog.close()
    if not ready:
        raise click.UsageError(
            f"The catalog at {path} holds no document yet; add regulations with assistant corpus add."
        )


def _pipeline(settings: Settings, retrieval_only: bool) -> dict[str, object]:
    """Return the runner's keyword argument: a retriever or an assistant built by the wiring module."""
    from assistant import wiring

    if retrieval_only:
        return {"retriever": wiring.build_retriever(settings)}
    return {"assistant": wiring.build_assistant(settings)}


@evaluate.command()
@click.argument("questions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Result file to write.")
@click.option(
    "--mode",
    type=click.Choice(["composer", "model"]),
    default="composer",
    show_default=True,
    help="composer: the deterministic composer; model: the configured OpenAI-compatible language model.",
)
@click.option("--retrieval-only", is_flag=True, help="Only retrieve (no answer): for retrieval metrics and STARD.")
@click.option(
    "--retrieval",
    type=click.Choice(["hybrid", "dense", "keyword"]),
    default="hybrid",
    show_default=True,
    help="Ranking to evaluate: fused, vectors only or keywords only (sets the fusion weights).",
)
@click.option("--limit", type=click.IntRange(min=1), help="Run only the first N usable questions.")
@click.option(
    "--top-k",
    type=click.IntRange(min=10, max=100),
    default=10,
    show_default=True,
    help="Articles recorded per question (at least 10).",
)
@click.option("--resume", is_flag=True, help="Keep the results already in --out and run only the missing questions.")
@pass_app
def run(
    app: AppContext,
    questions: Path,
    out: Path,
    mode: str,
    retrieval_only: bool,
    retrieval: str,
    limit: int | None,
    top_k: int,
    resume: bool,
) -> None:
    """Run every question through the assistant and write one result line per question.

    Bad lines of the question file are reported with their line numbers and skipped.
    Follow-up questions get their `history` as the earlier turns of the conversation.

    \b
    Examples:
        assistant eval run eval/devset.jsonl --out eval/results/composer.jsonl
        assistant eval run eval/devset.jsonl --out eval/results/dense.jsonl --retrieval-only --retrieval dense
        assistant eval run ../shared/evalsets/stard-train/queries.jsonl --out eval/results/stard.jsonl \\
            --retrieval-only --limit 200
    """
    if retrieval_only and mode == "model":
        raise click.UsageError("--mode model has no effect with --retrieval-only; drop one of them")
    items, errors = read_questions(questions)
    report_line_errors(errors)
    items = items[:limit] if limit else items
    done: set[str] = set()
    if resume and out.exists():
        previous, _ = read_results(out)
        done = {result.id for result in previous}
    todo = [q for q in items if q.id not in done]
    if not items:
        raise click.ClickException(f"{questions} holds no usable question; fix the lines reported above")
    settings = run_settings(app.settings, mode, retrieval, top_k)
    require_corpus(settings)
    try:
        pipeline = _pipeline(settings, retrieval_only)
    except AssistantError as err:
        raise fail(err) from err
    out.parent.mkdir(parents=True, exist_ok=True)
    failed = _run_into(out, todo, pipeline, top_k, append=bool(done))
    click.echo(
        f"{len(todo)} questions run ({len(done)} kept from before), {failed} failed inside the pipeline, "
        f"{len(errors)} lines skipped: {out}"
    )


def _run_into(out: Path, todo: list[Question], pipeline: dict[str, object], top_k: int, *, append: bool) -> int:
    """Run the questions into the result file line by line; return how many ended in a pipeline error."""
    from assistant.evaluation.runner import run_questions

    failed = 0
    with (
        out.open("a" if append else "w", encoding="utf-8") as handle,
        click.progressbar(length=len(todo), label="questions", file=sys.stderr) as bar,
    ):
        for result in run_questions(todo, top_k=top_k, **pipeline):  # type: ignore[operator]
            write_result_line(handle, result)
            failed += "error" in result.extra
            bar.update(1)
    return failed


def load_index(settings: Settings, corpus_home: Path | None, markdown_corpus: Path | None) -> ArticleIndex | None:
    """Return article texts for validity and support checks: a Markdown folder, a catalog, or None."""
    from assistant.evaluation.corpus import index_from_catalog, index_from_markdown

    threshold = settings.answer.support_threshold
    if markdown_corpus is not None:
        return index_from_markdown(markdown_corpus, support_threshold=threshold)
    catalog_path = (corpus_home / "catalog.sqlite3") if corpus_home else settings.catalog_path
    if catalog_path.is_file():
        return index_from_catalog(catalog_path, support_threshold=threshold)
    if corpus_home is not None:
        raise click.UsageError(f"--corpus-home {corpus_home} holds no catalog.sqlite3; build the corpus there first")
    return None


@evaluate.command()
@click.argument("questions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("results", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--report",
    "report_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for report.md, report.html and the figures.",
)
@click.option(
    "--corpus-home",
    type=click.Path(file_okay=False, path_type=Path),
    help="Home whose catalog gives article texts (citation validity and support); default: --home.",
)
@click.option(
    "--markdown-corpus",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Read article texts from a folder of Markdown regulations instead of a catalog.",
)
@click.option(
    "--also",
    "also",
    nargs=2,
    multiple=True,
    metavar="QUESTIONS RESULTS",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Another question set and a result file of it, reported beside (e.g. STARD; repeatable: result files "
    "of the same question file are compared side by side).",
)
@click.option(
    "--only-answered", is_flag=True, help="Score only the questions every result file answers (runs with --limit)."
)
@click.option("--title", default="Evaluation report", show_default=True, help="Report title.")
@click.option(
    "--sealed", is_flag=True,
    help="The question set is a sealed half: report its figures but list none of its failures (--also sets still do).",
)
@pass_app
def score(
    app: AppContext,
    questions: Path,
    results: tuple[Path, ...],
    report_dir: Path,
    corpus_home: Path | None,
    markdown_corpus: Path | None,
    also: tuple[tuple[Path, Path], ...],
    only_answered: bool,
    title: str,
    sealed: bool,
) -> None:
    """Score result files against a question set and write a Markdown and HTML report.

    Several result files are compared side by side (hybrid vs dense vs keyword; composer vs model).

    \b
    Examples:
        assistant eval score eval/devset.jsonl eval/results/composer.jsonl eval/results/dense.jsonl \\
            --report eval/results/report
        assistant eval score eval/devset.jsonl eval/results/hybrid.jsonl --report eval/results/report \\
            --also ../shared/evalsets/stard-train/queries.jsonl eval/results/stard.jsonl
    """
    from assistant.evaluation.metrics import summarize
    from assistant.evaluation.report import write_report

    try:
        index = load_index(app.settings, corpus_home, markdown_corpus)
    except AssistantError as err:
        raise fail(err) from err
    sets = [_score_set(questions, results, index, only_answered)]
    sets += [_score_set(extra, extra_results, index, True) for extra, extra_results in _group_also(also)]
    written = write_report(sets, report_dir, title=title, list_failures=not sealed)
    for question_set in sets:
        for run_scores in question_set.runs:
            s = summarize(run_scores.scores)
            click.echo(
                f"{question_set.name}/{run_scores.name}: {int(s['questions'] or 0)} questions, "
                + ", ".join(
                    f"{m}={_short(s[m])}"
                    for m in (
                        "recall@5",
                        "recall@1",
                        "all_gold@5",
                        "mrr@10",
                        "citation_recall",
                        "citation_validity",
                        "version_correct",
                        "key_points",
                        "decline_unanswerable",
                        "false_decline",
                        "latency_p50_ms",
                    )
                )
            )
    click.echo(f"report: {written['markdown']} and {written['html']}")


def _group_also(also: tuple[tuple[Path, Path], ...]) -> list[tuple[Path, tuple[Path, ...]]]:
    """Return each --also question file with all its result files, so runs of one set sit side by side."""
    grouped: dict[Path, list[Path]] = {}
    for questions, results in also:
        grouped.setdefault(questions.resolve(), []).append(results)
    return [(questions, tuple(results)) for questions, results in grouped.items()]


def _short(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _score_set(
    questions: Path, results: tuple[Path, ...], index: ArticleIndex | None, only_answered: bool
) -> QuestionSet:
    """Return the QuestionSet of one question file scored against its result files."""
    from assistant.evaluation.report import QuestionSet, Run
    from assistant.evaluation.scoring import limit_to_answered, score_results

    items, errors = read_questions(questions)
    report_line_errors(errors)
    loaded = []
    for path in results:
        run_results, result_errors = read_results(path)
        report_line_errors(result_errors)
        loaded.append((path, run_results))
    scoped = items
    if only_answered:  # the questions every run answered, so runs are compared on the same questions
        for _, run_results in loaded:
            scoped = limit_to_answered(scoped, run_results)
    runs = []
    for path, run_results in loaded:
        scores, unknown = score_results(scoped, run_results, index)
        if unknown:
            click.echo(f"{path}: {len(unknown)} results name no question of {questions} (e.g. {unknown[0]})", err=True)
        runs.append(Run(_run_name(path, results), scores))
    return QuestionSet(questions.stem if questions.stem != "queries" else questions.parent.name, runs)


def _run_name(path: Path, all_paths: tuple[Path, ...]) -> str:
    """Return the run's name: the file stem, with the folder when two files share a stem."""
    stems = [p.stem for p in all_paths]
    return f"{path.parent.name}/{path.stem}" if stems.count(path.stem) > 1 else path.stem
