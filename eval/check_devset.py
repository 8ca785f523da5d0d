"""Check a question file against the regulation texts it cites: every gold article must exist, every key point must
be printed in a gold article.

Usage: .venv/bin/python eval/check_devset.py [QUESTIONS] [--corpus DIR] [--parser auto|structure|regex]

Gold documents are matched by normalised title (assistant.language.textnorm.normalize_title); a gold "version" (a year
or a date) picks the file whose name, MANIFEST title or promulgation date carries that year.
Exit status 1 lists problems.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from assistant.language.numerals import ARTICLE_LABEL_PATTERN, parse_article_label  # noqa: E402
from assistant.language.textnorm import compact, normalize_title  # noqa: E402

CATEGORIES = {
    "lookup",
    "obligation",
    "penalty",
    "definition",
    "procedure",
    "multi_regulation",
    "version",
    "followup",
    "unanswerable",
    "missing_regulation",
    "false_premise",
    "colloquial",
    "traditional",
    "typo",
}
_ARTICLE_LINE = re.compile(
    r"^\s*(第[零〇一二两三四五六七八九十百千万\d]+条(?:之[一二三四五六七八九十\d]+)?)[\s\u3000]*(.*)$"
)
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


@dataclass
class CorpusFile:
    """One regulation file: its printed title, the years naming its version, its articles by (number, suffix)."""

    path: Path
    title: str
    years: set[str]
    articles: dict[tuple[int, int], str] = field(default_factory=dict)


def parse_articles_regex(text: str) -> dict[tuple[int, int], str]:
    """Return article texts keyed by (number, suffix), reading `第X条` paragraphs of the corpus Markdown."""
    articles: dict[tuple[int, int], list[str]] = {}
    current: tuple[int, int] | None = None
    for line in text.splitlines():
        if line.startswith("#") or line.startswith("<!--"):
            current = None
            continue
        match = _ARTICLE_LINE.match(line)
        if match and ARTICLE_LABEL_PATTERN.fullmatch(match.group(1)):
            current = parse_article_label(match.group(1))
            articles.setdefault(current, []).append(match.group(2))
        elif current is not None and line.strip():
            articles[current].append(line.strip())
    return {key: "\n".join(parts) for key, parts in articles.items()}


def parse_articles_structure(path: Path) -> dict[tuple[int, int], str]:
    """Return article texts keyed by (number, suffix) using the project's own reader and parser."""
    from assistant.parsing.readers import read_source
    from assistant.parsing.structure import parse_document

    parsed = parse_document(read_source(path, max_bytes=50 * 1024 * 1024))
    return {(a.number, a.suffix): a.text for a in parsed.articles if a.kind == "article"}


def read_manifest(corpus: Path) -> dict[str, dict[str, str]]:
    """Return MANIFEST.tsv rows keyed by file name."""
    manifest = corpus / "MANIFEST.tsv"
    if not manifest.is_file():
        return {}
    with manifest.open(encoding="utf-8") as handle:
        return {row["file"]: row for row in csv.DictReader(handle, delimiter="\t")}


def load_corpus(corpus: Path, parser: str = "auto") -> list[CorpusFile]:
    """Return every Markdown regulation under corpus with its title, version years and articles."""
    manifest = read_manifest(corpus)
    use_structure = parser == "structure"
    if parser == "auto":
        try:
            import assistant.parsing.structure  # noqa: F401

            use_structure = True
        except ImportError:
            use_structure = False
    files = []
    for path in sorted(corpus.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        head = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), path.stem)
        row = manifest.get(path.name, {})
        years = set(_YEAR.findall(path.stem)) | set(_YEAR.findall(row.get("title", "")))
        years |= set(_YEAR.findall(row.get("promulgation_date", "")[:4]))
        articles = parse_articles_structure(path) if use_structure else parse_articles_regex(text)
        files.append(CorpusFile(path, head, years, articles))
    return files


def find_files(files: list[CorpusFile], document: str, version: str | None) -> list[CorpusFile]:
    """Return the files whose title matches document (and whose years include the version's year)."""
    wanted = normalize_title(document)
    matches = [f for f in files if normalize_title(f.title) == wanted]
    if version:
        matches = [f for f in matches if version[:4] in f.years]
    return matches


def check_record(record: dict, files: list[CorpusFile]) -> list[str]:
    """Return the problems of one question record."""
    problems = []
    for key in ("id", "question"):
        if not isinstance(record.get(key), str) or not record.get(key, "").strip():
            problems.append(f"missing or empty {key!r}")
    gold = record.get("gold") or []
    answerable = record.get("answerable", bool(gold))
    category = record.get("category")
    if category is not None and category not in CATEGORIES:
        problems.append(f"unknown category {category!r}")
    if not answerable:
        if gold or record.get("key_points"):
            problems.append("answerable=false but gold or key_points given")
        return problems
    if not gold:
        problems.append("answerable question without gold")
    texts = []
    for item in gold:
        document, article, version = item.get("document", ""), item.get("article", ""), item.get("version")
        try:
            number = parse_article_label(article)
        except ValueError:
            problems.append(f"gold article {article!r} is not an article label")
            continue
        matches = find_files(files, document, version)
        if not matches:
            problems.append(f"gold document {document!r} (version {version}) not in the corpus")
            continue
        if len(matches) > 1:
            problems.append(f'gold document {document!r} has {len(matches)} versions: add "version"')
            continue
        text = matches[0].articles.get(number)
        if text is None:
            problems.append(f"{document} {article} (version {version}) does not exist in {matches[0].path.name}")
            continue
        texts.append(compact(text))
    for point in record.get("key_points") or []:
        if texts and not any(compact(point) in text for text in texts):
            problems.append(f"key point {point!r} is in no gold article")
    history = record.get("history")
    if history is not None and not (isinstance(history, list) and all(isinstance(h, str) for h in history)):
        problems.append("history must be a list of strings")
    return problems


def check_file(questions: Path, files: list[CorpusFile]) -> tuple[int, list[str]]:
    """Return (number of questions, problems with their line numbers) for a question file."""
    problems, seen, count = [], set(), 0
    for line_no, line in enumerate(questions.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            problems.append(f"line {line_no}: not JSON ({err})")
            continue
        count += 1
        if record.get("id") in seen:
            problems.append(f"line {line_no}: duplicate id {record.get('id')!r}")
        seen.add(record.get("id"))
        problems.extend(f"line {line_no} ({record.get('id')}): {p}" for p in check_record(record, files))
    return count, problems


def main(argv: list[str] | None = None) -> int:
    """Check the question file; print problems and a summary; return the exit status."""
    shared = Path(os.environ.get("ASSISTANT_SHARED_DIR", PROJECT_ROOT.parent / "shared"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", nargs="?", type=Path, default=PROJECT_ROOT / "eval" / "devset.jsonl")
    parser.add_argument("--corpus", type=Path, default=shared / "corpus", help="folder of the regulation Markdown")
    parser.add_argument("--parser", choices=("auto", "structure", "regex"), default="auto")
    args = parser.parse_args(argv)
    files = load_corpus(args.corpus, args.parser)
    count, problems = check_file(args.questions, files)
    for problem in problems:
        print(problem)
    print(f"{count} questions checked against {len(files)} regulations: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
