"""What the library holds, as officials and `assistant corpus list` see it: one row per version, searchable.

The web chat's 收录法规 tab and the CLI's table show the same columns from here: title, type, issuing body,
version, effective date, status and article count, plus a note when the stored copy leaves part of the official
text out (来源缺漏, from the corpus manifest). Rows are plain strings; the views show them as text.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.corpus.sidecar import SOURCE_GAP_PREFIX, SOURCE_GAP_SUFFIX
from assistant.language.textnorm import normalize_text
from assistant.records import DocumentVersion

LIBRARY_HEADERS = ("标题", "类型", "发布机关", "版本", "施行日期", "状态", "条数", "说明")


def source_gaps(version: DocumentVersion) -> str:
    """Return what the stored copy of a version leaves out (empty when it is complete as far as is known)."""
    return "；".join(w.removeprefix(SOURCE_GAP_PREFIX).removesuffix(SOURCE_GAP_SUFFIX)
                    for w in version.warnings if w.startswith(SOURCE_GAP_PREFIX))


def library_row(version: DocumentVersion) -> list[str]:
    """Return the row of one version, in LIBRARY_HEADERS order."""
    meta = version.meta
    status = meta.status + ("（现行版本）" if version.is_current else "")
    return [meta.title, meta.doc_type, meta.issuing_body or "", meta.version or meta.promulgation_date or "",
            meta.effective_date or "", status, str(version.article_count),
            SOURCE_GAP_PREFIX + gaps if (gaps := source_gaps(version)) else ""]


def matches(version: DocumentVersion, query: str) -> bool:
    """Return True when every word of the query occurs in the version's row (traditional script and
    full-width forms match their simplified, half-width equivalents)."""
    haystack = normalize_text(" ".join(library_row(version)) + " " + version.version_id).lower()
    return all(normalize_text(word).lower() in haystack for word in query.split())


def library_rows(versions: Sequence[DocumentVersion], query: str = "") -> list[list[str]]:
    """Return the rows of the versions matching the query: by title, the current version before history."""
    newest_first = sorted(versions, key=lambda v: v.meta.version or v.meta.promulgation_date or "", reverse=True)
    ordered = sorted(newest_first, key=lambda v: (v.meta.title, not v.is_current))  # stable: newest first within
    return [library_row(v) for v in ordered if matches(v, query)]


def library_summary(versions: Sequence[DocumentVersion], shown: int | None = None) -> str:
    """Return one line counting documents, versions and the current versions' articles (and how many are shown)."""
    current = [v for v in versions if v.is_current]
    line = (f"共收录 {len({v.doc_id for v in versions})} 部法规、{len(versions)} 个版本；"
            f"现行版本共 {sum(v.article_count for v in current)} 条。")
    return line if shown is None or shown == len(versions) else f"{line} 与检索词匹配的版本：{shown} 个。"
