"""How a text becomes a document and a version: ids from titles and version dates, and which version is current.

The catalog stores what these rules decide; the Library asks them before it records a file, so the same
regulation arriving twice is one document, and a new version date is a new version of it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from assistant.errors import CorpusError
from assistant.language.textnorm import document_title_key
from assistant.records import (
    STATUS_AMENDED,
    STATUS_IN_FORCE,
    STATUS_NOT_YET,
    STATUS_REPEALED,
    DocumentMeta,
    DocumentVersion,
)

_SAFE_ID = re.compile(r"[^0-9A-Za-z]+")


def make_doc_id(title: str) -> str:
    """Return the stable ASCII id of a document: a hash of its title key (version notes dropped)."""
    norm = document_title_key(title)
    if not norm:
        raise CorpusError(f"cannot derive a document id from the empty title {title!r}. Give the document a title.")
    return "d" + hashlib.sha256(norm.encode("utf-8")).hexdigest()[:11]


def version_key(meta: DocumentMeta, sha256: str) -> str:
    """Return the part of a version id after the doc id: the text's version date, else a content hash prefix."""
    when = meta.version or meta.promulgation_date
    if when and re.fullmatch(r"\d{4}-\d{2}-\d{2}", when):
        return when.replace("-", "")
    return "h" + sha256[:10]


def is_same_version(meta: DocumentMeta, sha256: str, other: DocumentMeta, other_sha256: str) -> bool:
    """Return True when two texts of one document are the same version (same date, or undated but same effect)."""
    if version_key(meta, sha256) == version_key(other, other_sha256):
        return True
    # A PDF often lacks the header dates; the same effective date then identifies the same version.
    undated = not (meta.version or meta.promulgation_date) or not (other.version or other.promulgation_date)
    return undated and meta.effective_date is not None and meta.effective_date == other.effective_date


def make_version_id(doc_id: str, meta: DocumentMeta, sha256: str) -> str:
    """Return the version id {doc_id}-{YYYYMMDD or hash prefix}; short, ASCII, safe as a Chroma id."""
    return _SAFE_ID.sub("", doc_id) + "-" + version_key(meta, sha256)


@dataclass(frozen=True)
class Currency:
    """Derived standing of one version within its document."""

    is_current: bool
    status: str
    superseded_by: str | None


def order_key(meta: DocumentMeta, added_at: str) -> tuple[str, str]:
    """Return the sort key putting a document's versions oldest first."""
    return (meta.version or meta.promulgation_date or meta.effective_date or "", added_at)


def assign_currency(versions: Sequence[DocumentVersion], declared: dict[str, str], today: date) -> dict[str, Currency]:
    """Return each version's current flag, status and successor: the newest version in force is current.

    A version whose effective date lies after today is 尚未施行 and never current; an older version in force
    is 已修改 and superseded by the next newer version in force; a version declared 已废止 stays repealed.
    """
    iso_today = today.isoformat()
    ordered = sorted(versions, key=lambda v: order_key(v.meta, v.added_at))
    in_force = [
        v for v in ordered
        if declared[v.version_id] != STATUS_REPEALED
        and (v.meta.effective_date or "") <= iso_today
        and not (declared[v.version_id] == STATUS_NOT_YET and not v.meta.effective_date)
    ]
    current = in_force[-1].version_id if in_force else None
    result: dict[str, Currency] = {}
    for version in ordered:
        vid, said = version.version_id, declared[version.version_id]
        if said == STATUS_REPEALED:
            result[vid] = Currency(False, STATUS_REPEALED, None)
        elif version not in in_force:
            result[vid] = Currency(False, STATUS_NOT_YET, None)
        elif vid == current:
            result[vid] = Currency(True, STATUS_IN_FORCE if said == STATUS_NOT_YET else said, None)
        else:
            successor = in_force[in_force.index(version) + 1].version_id
            result[vid] = Currency(False, STATUS_AMENDED, successor)
    return result
