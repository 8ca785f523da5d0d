"""Officials' feedback on answers, kept as JSONL for maintainers to review."""

from __future__ import annotations

from pathlib import Path

from assistant.records import Answer
from assistant.ui.audit import AuditLog, read_jsonl, utc_now

MAX_COMMENT_CHARS = 2000


def feedback_record(user: str, answer: Answer, helpful: bool, comment: str = "") -> dict[str, object]:
    """Return the feedback entry for one answer."""
    return {
        "time": utc_now(),
        "user": user,
        "question": answer.question,
        "answer": answer.text,
        "declined": answer.declined,
        "cited": [c.label for c in answer.citations],
        "cited_keys": [f"{c.version_id}#{c.ordinal}" for c in answer.citations],
        "helpful": helpful,
        "comment": comment.strip()[:MAX_COMMENT_CHARS],
    }


class FeedbackStore:
    """Appends feedback entries to settings.feedback_path and reads the latest back."""

    def __init__(self, path: Path) -> None:
        self._log = AuditLog(path)
        self.path = path

    def record(self, user: str, answer: Answer, helpful: bool, comment: str = "") -> dict[str, object]:
        """Store one feedback entry and return it."""
        entry = feedback_record(user, answer, helpful, comment)
        self._log.append(entry)
        return entry

    def latest(self, limit: int = 50) -> list[dict[str, object]]:
        """Return the newest entries, newest first."""
        return list(reversed(read_jsonl(self.path, limit)))
