"""Append-only JSONL audit log: every question, its answer's citations, and every console change."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from assistant.records import Answer

logger = logging.getLogger(__name__)

# Keys that must never reach the log, whoever builds the record.
_SECRET_WORDS = ("password", "passwd", "secret", "token", "api_key", "cookie", "hash")


def utc_now() -> str:
    """Return the current UTC time as an ISO 8601 string with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def strip_secrets(record: Mapping[str, object]) -> dict[str, object]:
    """Return record without any key that names a password, token or other secret."""
    return {k: v for k, v in record.items() if not any(word in k.lower() for word in _SECRET_WORDS)}


def question_record(user: str, answer: Answer, *, filters: Mapping[str, object] | None = None) -> dict[str, object]:
    """Return the audit entry of one answered question."""
    return {
        "time": utc_now(),
        "event": "question",
        "user": user,
        "question": answer.question,
        "answer": answer.text,
        "declined": answer.declined,
        "cited": [f"{c.label}@{c.version or c.version_id}" for c in answer.citations],
        "cited_keys": [f"{c.version_id}#{c.ordinal}" for c in answer.citations],
        "mode": answer.mode,
        "latency_ms": round(answer.latency_ms, 1),
        "filters": dict(filters or {}),
    }


def action_record(user: str, action: str, **details: object) -> dict[str, object]:
    """Return the audit entry of a console action (upload, replace, remove) or a refusal."""
    return {"time": utc_now(), "event": action, "user": user, **details}


class AuditLog:
    """Appends one JSON line per event; lines are never rewritten."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, record: Mapping[str, object]) -> None:
        """Append record as one JSON line, flushed to disk before returning."""
        line = json.dumps(strip_secrets(record), ensure_ascii=False, default=str)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Questions may be sensitive: a new log is readable by the server's account only.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        logger.debug("audit event=%s user=%s", record.get("event"), record.get("user"))


def read_jsonl(path: Path, limit: int | None = None) -> list[dict[str, object]]:
    """Return the last `limit` records of a JSONL file (all when limit is None), skipping broken lines."""
    if not path.exists():
        return []
    records = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                logger.warning("skipping broken line in %s", path)
    return records[-limit:] if limit else records
