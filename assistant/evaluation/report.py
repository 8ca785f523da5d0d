"""The evaluation report: Markdown and HTML with matplotlib figures, runs side by side, failures one by one."""

from __future__ import annotations

import html
import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.evaluation.matching import Ref
from assistant.evaluation.metrics import (
    METRIC_LABELS,
    QuestionScore,
    decline_sweep,
    failure_reasons,
    recall_curve,
    summarize,
    summarize_by_category,
)

logger = logging.getLogger(__name__)

OVERALL_METRICS = (
    "questions",
    "recall@1",
    "recall@3",
    "recall@5",
    "recall@10",
    "all_gold@5",
    "mrr@10",
    "ndcg@10",
    "citation_recall",
    "citation_precision",
    "citation_precision_gold",
    "citation_validity",
    "version_correct",
    "key_points",
    "decline_unanswerable",
    "false_decline",
    "latency_p50_ms",
    "latency_p95_ms",
)
CATEGORY_METRICS = ("recall@5", "mrr@10", "citation_recall", "version_correct", "key_points", "decline_unanswerable",
                    "false_decline")
COMPARISON_METRICS = (
    "recall@5",
    "mrr@10",
    "ndcg@10",
    "citation_recall",
    "citation_precision",
    "citation_validity",
    "key_points",
    "decline_unanswerable",
)
MAX_FAILURES = 300  # per run; a STARD-sized run would otherwise make the report unreadable


@dataclass(frozen=True)
class Run:
    """The scores of one result file."""

    name: str
    scores: list[QuestionScore]


@dataclass(frozen=True)
class QuestionSet:
    """A question set with the runs scored on it; the first set is the main one, others get recall beside it."""

    name: str
    runs: list[Run]


@dataclass
class Document:
    """A report as blocks, rendered to Markdown and to HTML from the same content."""

    blocks: list[tuple[str, object]] = field(default_factory=list)

    def heading(self, level: int, text: str) -> None:
        self.blocks.append(("heading", (level, text)))

    def paragraph(self, text: str) -> None:
        self.blocks.append(("paragraph", text))

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        self.blocks.append(("table", (list(header), [list(r) for r in rows])))

    def image(self, path: str, alt: str) -> None:
        self.blocks.append(("image", (path, alt)))

    def bullets(self, items: Sequence[str]) -> None:
        self.blocks.append(("bullets", list(items)))


def format_value(metric: str, value: float | None) -> str:
    """Return a metric value as shown in tables: fractions with three decimals, latencies in whole ms."""
    if value is None:
        return "n/a"
    if metric == "questions":
        return str(int(value))
    if metric.startswith("latency"):
        return f"{value:.0f}"
    return f"{value:.3f}"


def render_markdown(document: Document) -> str:
    """Return the document as GitHub-flavoured Markdown."""
    out: list[str] = []
    for kind, content in document.blocks:
        if kind == "heading":
            level, text = content  # type: ignore[misc]
            out.append(f"{'#' * level} {text}\n")
        elif kind == "paragraph":
            out.append(f"{content}\n")
        elif kind == "table":
            header, rows = content  # type: ignore[misc]
            out.append("| " + " | ".join(_md_cell(h) for h in header) + " |")
            out.append("|" + "---|" * len(header))
            out.extend("| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows)
            out.append("")
        elif kind == "image":
            path, alt = content  # type: ignore[misc]
            out.append(f"![{alt}]({path})\n")
        elif kind == "bullets":
            out.extend(f"- {item}" for item in content)  # type: ignore[attr-defined]
            out.append("")
    return "\n".join(out)


def render_html(document: Document, title: str) -> str:
    """Return the document as a self-contained HTML page (figures referenced beside it)."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
        "th{background:#f3f3f3}img{max-width:100%}li{margin:2px 0}</style></head><body>",
    ]
    for kind, content in document.blocks:
        if kind == "heading":
            level, text = content  # type: ignore[misc]
            out.append(f"<h{level}>{html.escape(text)}</h{level}>")
        elif kind == "paragraph":
            out.append(f"<p>{html.escape(str(content))}</p>")
        elif kind == "table":
            header, rows = content  # type: ignore[misc]
            out.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>")
            out.extend("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
            out.append("</table>")
        elif kind == "image":
            path, alt = content  # type: ignore[misc]
            out.append(f'<p><img src="{html.escape(path)}" alt="{html.escape(alt)}"></p>')
        elif kind == "bullets":
            items = "".join(f"<li>{html.escape(item)}</li>" for item in content)  # type: ignore[attr-defined]
            out.append(f"<ul>{items}</ul>")
    out.append("</body></html>")
    return "\n".join(out)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _ref(ref: Ref) -> str:
    text = f"《{ref.document}》{ref.article}"
    return f"{text} ({ref.version})" if ref.version else text


def failure_lines(score: QuestionScore, reasons: Sequence[str]) -> list[str]:
    """Return the lines describing one failed question: what was asked, expected, retrieved, cited and answered."""
    question, result = score.question, score.result
    lines = [f"Question: {question.question}"]
    if question.history:
        lines.append("History: " + " / ".join(question.history))
    if question.gold:
        joiner = " or " if question.gold_any else " and "
        lines.append("Gold: " + joiner.join(_ref(g) for g in question.gold))
    else:
        lines.append("Gold: none (unanswerable)")
    if result is not None:
        top = ", ".join(f"{i + 1}. {_ref(r)}" for i, r in enumerate(result.retrieved[:5])) or "nothing"
        lines.append(f"Retrieved top 5: {top}")
        if score.first_gold_rank:
            lines.append(f"First gold at rank {score.first_gold_rank}")
        lines.append("Cited: " + (", ".join(_ref(c) for c in result.citations) or "nothing"))
        lines.append(f"Declined: {'yes' if result.declined else 'no'}")
        if score.missing_points:
            lines.append("Missing key points: " + "；".join(score.missing_points))
        if result.answer:
            excerpt = result.answer.replace("\n", " ")
            lines.append("Answer: " + (excerpt[:120] + "…" if len(excerpt) > 120 else excerpt))
    lines.append("Why it failed: " + "; ".join(reasons))
    return lines


def build_document(
    sets: Sequence[QuestionSet], figures: dict[str, str], title: str, *, list_failures: bool = True
) -> Document:
    """Return the report content: overall comparison, per-category tables, other sets, failures by question.

    Without list_failures (a sealed half) the first set's failures are counted but not shown, so nobody tunes to them.
    """
    main = sets[0]
    doc = Document()
    doc.heading(1, title)
    doc.paragraph(
        f"Question set: {main.name}. Runs: {', '.join(r.name for r in main.runs)}. Retrieval metrics use the top "
        "10 retrieved articles (gold_any: one gold article is enough). Citation and decline metrics are n/a for "
        "retrieval-only runs; citation validity is n/a without a catalog."
    )
    doc.heading(2, "Overall")
    summaries = {run.name: summarize(run.scores) for run in main.runs}
    doc.table(
        ["Metric", *summaries],
        [[METRIC_LABELS[m], *(format_value(m, s[m]) for s in summaries.values())] for m in OVERALL_METRICS],
    )
    for key, alt in (("comparison", "Runs compared"), ("recall", "Recall@k"), ("latency", "Latency")):
        if key in figures:
            doc.image(figures[key], alt)
    doc.heading(2, "By category")
    if "categories" in figures:
        doc.image(figures["categories"], "Per-category recall@5")
    by_category = {run.name: summarize_by_category(run.scores) for run in main.runs}
    categories = sorted({c for per_run in by_category.values() for c in per_run})
    for metric in CATEGORY_METRICS:
        rows = []
        for category in categories:
            values = [by_category[name].get(category, {}).get(metric) for name in by_category]
            if any(v is not None for v in values):
                count = next(
                    int(by_category[n][category]["questions"] or 0) for n in by_category if category in by_category[n]
                )
                rows.append([category, str(count), *(format_value(metric, v) for v in values)])
        if rows:
            doc.heading(3, METRIC_LABELS[metric])
            doc.table(["Category", "Questions", *by_category], rows)
    sweeps = {run.name: sweep for run in main.runs if (sweep := decline_sweep(run.scores))}
    if sweeps:
        doc.heading(2, "Decline threshold on retrieval evidence")
        doc.paragraph(
            "If the assistant declined every question whose retrieval evidence is below the threshold: the share "
            "of unanswerable questions declined (higher is better) and of answerable ones declined (lower is better)."
        )
        if "sweep" in figures:
            doc.image(figures["sweep"], "Decline threshold sweep")
        for name, sweep in sweeps.items():
            doc.heading(3, name)
            doc.table(
                ["Threshold", "Unanswerable declined", "Answerable declined"],
                [[f"{t:.2f}", f"{u:.3f}", f"{a:.3f}"] for t, u, a in sweep],
            )
    if len(sets) > 1:
        doc.heading(2, "Other question sets")
        header = ["Set / run", "Questions", "Recall@1", "Recall@5", "Recall@10", "MRR@10", "nDCG@10"]
        rows = []
        for question_set in sets:
            for run in question_set.runs:
                s = summarize(run.scores)
                rows.append(
                    [
                        f"{question_set.name} / {run.name}",
                        format_value("questions", s["questions"]),
                        *(format_value(m, s[m]) for m in ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")),
                    ]
                )
        doc.table(header, rows)
    doc.heading(2, "Failures, question by question")
    for run in main.runs:
        failures = [(s, reasons) for s in run.scores if (reasons := failure_reasons(s))]
        doc.heading(3, f"{run.name}: {len(failures)} of {len(run.scores)} questions failed")
        if not list_failures:
            doc.paragraph("Sealed half: the failures are not listed, so that nobody tunes to them.")
            continue
        for score, reasons in failures[:MAX_FAILURES]:
            doc.heading(4, f"{score.question.id} ({score.question.category})")
            doc.bullets(failure_lines(score, reasons))
        if len(failures) > MAX_FAILURES:
            doc.paragraph(f"… {len(failures) - MAX_FAILURES} more failures not listed.")
    return doc


def draw_figures(sets: Sequence[QuestionSet], out_dir: Path) -> dict[str, str]:
    """Draw the report's figures as PNG files in out_dir; return their file names by figure key."""
    import matplotlib

    matplotlib.use("Agg")  # no display here; figures go to files
    import matplotlib.pyplot as plt

    warnings.filterwarnings("ignore", message="Glyph .* missing from font")  # no CJK font is installed
    out_dir.mkdir(parents=True, exist_ok=True)
    figures: dict[str, str] = {}
    main = sets[0]

    fig, ax = plt.subplots(figsize=(7, 4) if len(sets) == 1 else (10, 4.5))
    for question_set in sets:
        for run in question_set.runs:
            curve = recall_curve(run.scores)
            if any(v is not None for v in curve):
                style = "-" if question_set is main else "--"
                label = run.name if question_set is main else f"{question_set.name}/{run.name}"
                ax.plot(range(1, len(curve) + 1), [v or 0.0 for v in curve], style, marker="o", label=label)
    ax.set(xlabel="k", ylabel="recall@k", ylim=(0, 1.02), title="Recall of gold articles in the top k")
    ax.grid(alpha=0.3)
    # Beside the plot: with other question sets the curves fill the lower right, where a legend inside sits.
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figures["recall"] = _save(fig, out_dir / "recall_at_k.png")

    latencies = {r.name: [s.latency_ms for s in r.scores if s.latency_ms is not None] for r in main.runs}
    if any(latencies.values()):
        fig, ax = plt.subplots(figsize=(7, 4))
        ax.hist(
            [v for v in latencies.values() if v],
            bins=30,
            histtype="step",
            linewidth=1.5,
            label=[k for k, v in latencies.items() if v],
        )
        ax.set(xlabel="latency (ms)", ylabel="questions", title="Latency per question")
        ax.legend(fontsize=8)
        figures["latency"] = _save(fig, out_dir / "latency.png")

    by_category = {run.name: summarize_by_category(run.scores) for run in main.runs}
    categories = sorted(
        {c for per_run in by_category.values() for c, s in per_run.items() if s["recall@5"] is not None}
    )
    if categories:
        fig, ax = plt.subplots(figsize=(max(7, len(categories) * 0.8), 4))
        _grouped_bars(
            ax, categories, {n: [by_category[n].get(c, {}).get("recall@5") for c in categories] for n in by_category}
        )
        ax.set(ylabel="recall@5", ylim=(0, 1.05), title="Recall@5 by category")
        ax.tick_params(axis="x", rotation=35)
        figures["categories"] = _save(fig, out_dir / "categories.png")

    summaries = {run.name: summarize(run.scores) for run in main.runs}
    metrics = [m for m in COMPARISON_METRICS if any(s[m] is not None for s in summaries.values())]
    if metrics:
        fig, ax = plt.subplots(figsize=(max(7, len(metrics) * 1.1), 4))
        _grouped_bars(
            ax, [METRIC_LABELS[m] for m in metrics], {n: [s[m] for m in metrics] for n, s in summaries.items()}
        )
        ax.set(ylim=(0, 1.05), title="Runs compared")
        ax.tick_params(axis="x", rotation=30)
        figures["comparison"] = _save(fig, out_dir / "comparison.png")
    sweeps = {run.name: sweep for run in main.runs if (sweep := decline_sweep(run.scores))}
    if sweeps:
        fig, ax = plt.subplots(figsize=(7, 4))
        for name, sweep in sweeps.items():
            ax.plot([t for t, _, _ in sweep], [u for _, u, _ in sweep], "-", label=f"{name}: unanswerable declined")
            ax.plot([t for t, _, _ in sweep], [a for _, _, a in sweep], "--", label=f"{name}: answerable declined")
        ax.set(xlabel="evidence threshold", ylabel="share declined", ylim=(0, 1.02), title="Decline threshold sweep")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        figures["sweep"] = _save(fig, out_dir / "decline_sweep.png")
    plt.close("all")
    return figures


def _grouped_bars(ax: object, labels: Sequence[str], series: dict[str, list[float | None]]) -> None:
    width = 0.8 / max(1, len(series))
    for index, (name, values) in enumerate(series.items()):
        positions = [i + index * width - 0.4 + width / 2 for i in range(len(labels))]
        ax.bar(positions, [v or 0.0 for v in values], width, label=name)  # type: ignore[attr-defined]
    ax.set_xticks(range(len(labels)), labels, ha="right")  # type: ignore[attr-defined]
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))  # type: ignore[attr-defined]
    ax.grid(axis="y", alpha=0.3)  # type: ignore[attr-defined]


def _save(fig: object, path: Path) -> str:
    fig.tight_layout()  # type: ignore[attr-defined]
    fig.savefig(path, dpi=110)  # type: ignore[attr-defined]
    return path.name


def write_report(
    sets: Sequence[QuestionSet], out_dir: Path, *, title: str = "Evaluation report", list_failures: bool = True
) -> dict[str, Path]:
    """Write report.md, report.html and the figures into out_dir; return the paths written by kind."""
    if not sets or not sets[0].runs:
        raise ValueError("write_report needs at least one question set with one run")
    out_dir.mkdir(parents=True, exist_ok=True)
    figures = draw_figures(sets, out_dir)
    document = build_document(sets, figures, title, list_failures=list_failures)
    markdown, page = out_dir / "report.md", out_dir / "report.html"
    markdown.write_text(render_markdown(document), encoding="utf-8")
    page.write_text(render_html(document, title), encoding="utf-8")
    logger.info("evaluation report=%s figures=%d", out_dir, len(figures))
    return {"markdown": markdown, "html": page, **{k: out_dir / v for k, v in figures.items()}}
