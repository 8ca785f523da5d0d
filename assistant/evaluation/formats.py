"""Question and result files of ../shared/docs/eval-format.md: reading with line-numbered errors, writing exactly."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any


@dataclass(frozen=True)
class GoldRef:
    """An article a correct answer rests on."""

    document: str
    article: str
    version: str | None = None


@dataclass(frozen=True)
class ArticleRef:
    """An article an answer cited or retrieval ranked; score only for retrieval."""

    document: str
    article: str
    version: str | None = None
    score: float | None = None


@dataclass(frozen=True)
class Question:
    """One line of a question file."""

    id: str
    question: str
    history: tuple[str, ...] = ()
    gold: tuple[GoldRef, ...] = ()
    gold_any: bool = False
    key_points: tuple[str, ...] = ()
    answerable: bool = True
    category: str = "uncategorised"


@dataclass(frozen=True)
class Result:
    """One line of a result file."""

    id: str
    answer: str
    declined: bool
    citations: tuple[ArticleRef, ...]
    retrieved: tuple[ArticleRef, ...]
    latency_ms: float
    extra: dict[str, Any] = field(default_factory=dict, compare=False)  # optional fields such as "error"


@dataclass(frozen=True)
class LineError:
    """A line of an input file that could not be used, and why."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class FormatError(ValueError):
    """A record does not follow the evaluation format."""


def _string(record: dict[str, Any], key: str, *, required: bool = True) -> str:
    value = record.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise FormatError(f"field {key!r} must be a non-empty string, got {value!r}")
    return value


def _id(record: dict[str, Any]) -> str:
    value = record.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # numeric ids are common in other people's sets
    return _string(record, "id")


def _bool(record: dict[str, Any], key: str, default: bool) -> bool:
    value = record.get(key, default)
    if not isinstance(value, bool):
        raise FormatError(f"field {key!r} must be true or false, got {value!r}")
    return value


def _strings(record: dict[str, Any], key: str) -> tuple[str, ...]:
    value = record.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise FormatError(f"field {key!r} must be a list of strings, got {value!r}")
    return tuple(value)


def _version(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, int):  # "version": 2016 written without quotes
        return str(value)
    if not isinstance(value, str):
        raise FormatError(f'{where}: version must be a string such as "2016" or "2016-11-07", got {value!r}')
    return value.strip() or None


def _refs(record: dict[str, Any], key: str, *, scored: bool = False) -> tuple[ArticleRef, ...]:
    value = record.get(key) or []
    if not isinstance(value, list):
        raise FormatError(f"field {key!r} must be a list of objects, got {value!r}")
    refs = []
    for index, item in enumerate(value):
        where = f"{key}[{index}]"
        if not isinstance(item, dict):
            raise FormatError(f"{where} must be an object with document and article, got {item!r}")
        document, article = item.get("document"), item.get("article")
        if not isinstance(document, str) or not isinstance(article, str) or not document or not article:
            raise FormatError(f"{where} needs string fields document and article, got {item!r}")
        score = item.get("score") if scored else None
        if score is not None and not isinstance(score, (int, float)):
            raise FormatError(f"{where}: score must be a number, got {score!r}")
        refs.append(ArticleRef(document, article, _version(item.get("version"), where), score))
    return tuple(refs)


def parse_question(record: Any) -> Question:
    """Return the Question of one decoded JSON line; raise FormatError naming the bad field."""
    if not isinstance(record, dict):
        raise FormatError(f"a question line must be a JSON object, got {type(record).__name__}")
    gold = tuple(GoldRef(r.document, r.article, r.version) for r in _refs(record, "gold"))
    category = record.get("category") or "uncategorised"
    if not isinstance(category, str):
        raise FormatError(f"field 'category' must be a string, got {category!r}")
    return Question(
        id=_id(record),
        question=_string(record, "question"),
        history=_strings(record, "history"),
        gold=gold,
        gold_any=_bool(record, "gold_any", False),
        key_points=_strings(record, "key_points"),
        answerable=_bool(record, "answerable", bool(gold)),
        category=category,
    )


def parse_result(record: Any) -> Result:
    """Return the Result of one decoded JSON line; raise FormatError naming the bad field."""
    if not isinstance(record, dict):
        raise FormatError(f"a result line must be a JSON object, got {type(record).__name__}")
    latency = record.get("latency_ms", 0.0)
    if latency is None:
        latency = 0.0
    if not isinstance(latency, (int, float)):
        raise FormatError(f"field 'latency_ms' must be a number, got {latency!r}")
    known = {"id", "answer", "declined", "citations", "retrieved", "latency_ms"}
    return Result(
        id=_id(record),
        answer=_string(record, "answer", required=False),
        declined=_bool(record, "declined", False),
        citations=_refs(record, "citations"),
        retrieved=_refs(record, "retrieved", scored=True),
        latency_ms=float(latency),
        extra={key: value for key, value in record.items() if key not in known},
    )


def _read_lines(path: Path, parse: Any) -> tuple[list[Any], list[LineError]]:
    items, errors, seen = [], [], set()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        return [], [LineError(str(path), 0, f"not UTF-8 ({err}); save the file as UTF-8")]
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = parse(json.loads(line))
        except json.JSONDecodeError as err:
            errors.append(LineError(str(path), line_no, f"not valid JSON: {err.msg} at column {err.colno}"))
            continue
        except FormatError as err:
            errors.append(LineError(str(path), line_no, str(err)))
            continue
        if item.id in seen:
            errors.append(LineError(str(path), line_no, f"duplicate id {item.id!r}; the first one is kept"))
            continue
        seen.add(item.id)
        items.append(item)
    return items, errors


def read_questions(path: Path) -> tuple[list[Question], list[LineError]]:
    """Return the usable questions of a file and an error for every line skipped."""
    return _read_lines(path, parse_question)


def read_results(path: Path) -> tuple[list[Result], list[LineError]]:
    """Return the usable results of a file and an error for every line skipped."""
    return _read_lines(path, parse_result)


def ref_json(ref: ArticleRef, *, scored: bool = False) -> dict[str, Any]:
    """Return a citation or retrieval entry as the format writes it."""
    record: dict[str, Any] = {"document": ref.document, "article": ref.article, "version": ref.version}
    if scored:
        record["score"] = ref.score
    return record


def result_json(result: Result) -> dict[str, Any]:
    """Return a result as the JSON object of one result line (format fields first, extras after)."""
    record: dict[str, Any] = {
        "id": result.id,
        "answer": result.answer,
        "declined": result.declined,
        "citations": [ref_json(ref) for ref in result.citations],
        "retrieved": [ref_json(ref, scored=True) for ref in result.retrieved],
        "latency_ms": round(result.latency_ms, 1),
    }
    record.update({key: value for key, value in result.extra.items() if key not in record})
    return record


def question_json(question: Question) -> dict[str, Any]:
    """Return a question as the JSON object of one question line."""
    record: dict[str, Any] = {"id": question.id, "question": question.question}
    if question.history:
        record["history"] = list(question.history)
    if question.gold:
        record["gold"] = [
            {"document": g.document, "article": g.article, **({"version": g.version} if g.version else {})}
            for g in question.gold
        ]
    if question.gold_any:
        record["gold_any"] = True
    if question.key_points:
        record["key_points"] = list(question.key_points)
    if not question.answerable or not question.gold:  # explicit, since the default depends on gold
        record["answerable"] = question.answerable
    record["category"] = question.category
    return record


def write_result_line(handle: IO[str], result: Result) -> None:
    """Append one result line and flush, so an interrupted run keeps what it finished."""
    handle.write(json.dumps(result_json(result), ensure_ascii=False) + "\n")
    handle.flush()


def write_results(path: Path, results: Iterable[Result]) -> int:
    """Write a result file; return the number of lines written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for result in results:
            write_result_line(handle, result)
            count += 1
    return count
