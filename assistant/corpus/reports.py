"""What an add, replace or import did: one outcome per file, the report grouping them, and the maintainer's line."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assistant.records import DocumentVersion


@dataclass(frozen=True)
class IngestOutcome:
    """What happened to one file or document."""

    path: str
    outcome: str  # "added" | "skipped" | "rejected"
    message: str
    version_id: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class IngestReport:
    """Per-file outcomes of an add or a bulk import."""

    added: tuple[IngestOutcome, ...] = ()
    skipped: tuple[IngestOutcome, ...] = ()
    rejected: tuple[IngestOutcome, ...] = ()

    @property
    def outcomes(self) -> tuple[IngestOutcome, ...]:
        """Return every outcome: added, then skipped, then rejected."""
        return self.added + self.skipped + self.rejected

    def summary(self) -> str:
        """Return a one-line count of added, skipped and rejected files."""
        return f"added {len(self.added)}, skipped {len(self.skipped)}, rejected {len(self.rejected)}"


def report_of(outcomes: Iterable[IngestOutcome]) -> IngestReport:
    """Return the report grouping outcomes by kind."""
    items = list(outcomes)
    return IngestReport(
        added=tuple(o for o in items if o.outcome == "added"),
        skipped=tuple(o for o in items if o.outcome == "skipped"),
        rejected=tuple(o for o in items if o.outcome == "rejected"),
    )


def describe_added(version: DocumentVersion, siblings: Sequence[DocumentVersion], retired: Sequence[str]) -> str:
    """Return the message telling a maintainer what adding this version did."""
    title, count = version.meta.title, version.article_count
    text = f"added 《{title}》 as {version.version_id} ({count} {version.structure}, {version.meta.status}"
    if " + " in version.source_name:
        text = f"added a part of 《{title}》: {version.version_id} now holds {count} articles from " \
               f"{version.source_name.count(' + ') + 1} files ({version.meta.status}"
    text += ", current)" if version.is_current else ", not current)"
    if retired and " + " not in version.source_name:
        text += f"; substituted {', '.join(retired)}"
    elif siblings:
        text += f"; new version of document {version.doc_id}, earlier versions kept as history: " + \
            ", ".join(v.version_id for v in siblings)
    if version.warnings:
        text += f"; {len(version.warnings)} warning(s): {version.warnings[0]}"
    return text
