"""Metadata overrides: a sidecar file next to a source (NAME.meta.toml / NAME.meta.json) or command-line options.

Precedence: what the parser read from the header < a folder's MANIFEST.tsv < the sidecar file < options given
on the command line.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from assistant.errors import CorpusError
from assistant.records import STATUSES, DocumentMeta

# Accepted spellings (sidecar keys and CLI option names) -> DocumentMeta field.
META_KEYS = {
    "title": "title",
    "type": "doc_type",
    "doc_type": "doc_type",
    "issuing_body": "issuing_body",
    "issuing-body": "issuing_body",
    "doc_number": "doc_number",
    "doc-number": "doc_number",
    "promulgated": "promulgation_date",
    "promulgation_date": "promulgation_date",
    "effective": "effective_date",
    "effective_date": "effective_date",
    "status": "status",
    "version": "version",
    "amendment_dates": "amendment_dates",
    "standard_code": "standard_code",
}
_DATE_FIELDS = ("promulgation_date", "effective_date", "version")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?|(\d{4})(\d{2})(\d{2})")
SIDECAR_SUFFIXES = (".meta.toml", ".meta.json")


def sidecar_path(source: Path) -> Path | None:
    """Return the sidecar file of a source (数据安全法.meta.toml or 数据安全法.pdf.meta.toml), if one exists."""
    source = Path(source)
    for suffix in SIDECAR_SUFFIXES:
        for candidate in (source.with_name(source.stem + suffix), source.with_name(source.name + suffix)):
            if _is_file(candidate):
                return candidate
    return None


def _is_file(path: Path) -> bool:
    """Return True when path is a readable file; a name too long for the file system is simply absent."""
    try:
        return path.is_file()
    except OSError:  # ENAMETOOLONG: a source name near 255 bytes plus ".meta.toml"
        return False


def is_sidecar(path: Path) -> bool:
    """Return True for a metadata sidecar file (never ingested as a document itself)."""
    return Path(path).name.lower().endswith(SIDECAR_SUFFIXES)


def read_sidecar(source: Path) -> dict[str, object]:
    """Return the overrides in a source's sidecar file, or {} when it has none.

    Raises:
        CorpusError: the sidecar cannot be parsed or names an unknown field.
    """
    path = sidecar_path(source)
    if path is None:
        return {}
    try:
        if path.name.lower().endswith(".toml"):
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        else:
            data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, json.JSONDecodeError) as err:
        raise CorpusError(f"{path}: the metadata file cannot be read ({err}). Fix its syntax or delete it.") from err
    if not isinstance(data, dict):
        raise CorpusError(f"{path}: the metadata file must hold a table of fields such as title = \"...\".")
    return {str(key): value for key, value in data.items()}


def normalize_date(value: str, *, field: str, origin: str) -> str:
    """Return a date as YYYY-MM-DD from 2026-01-01, 2026/1/1, 20260101 or 2026年1月1日.

    Raises:
        CorpusError: the value is not a date.
    """
    match = _DATE.fullmatch(str(value).strip())
    if not match:
        raise CorpusError(f"{origin}: {field} {value!r} is not a date. Write it as YYYY-MM-DD, e.g. 2026-01-01.")
    year, month, day = (int(part) for part in match.groups() if part is not None)
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise CorpusError(f"{origin}: {field} {value!r} is not a valid date. Write it as YYYY-MM-DD.")
    return f"{year:04d}-{month:02d}-{day:02d}"


def apply_overrides(meta: DocumentMeta, overrides: Mapping[str, object], *, origin: str) -> DocumentMeta:
    """Return meta with the given fields replaced; None values are ignored.

    Raises:
        CorpusError: an unknown field, a malformed date or an unknown status.
    """
    changes: dict[str, object] = {}
    for key, value in overrides.items():
        if value is None or value == "":
            continue
        field = META_KEYS.get(key)
        if field is None:
            raise CorpusError(
                f"{origin}: unknown metadata field {key!r}. Known fields: {', '.join(sorted(set(META_KEYS)))}."
            )
        if field == "amendment_dates":
            items = value if isinstance(value, list | tuple) else str(value).split(",")
            changes[field] = tuple(normalize_date(str(item), field=key, origin=origin) for item in items)
        elif field in _DATE_FIELDS:
            changes[field] = normalize_date(str(value), field=key, origin=origin)
        elif field == "status" and str(value) not in STATUSES:
            raise CorpusError(f"{origin}: status {value!r} is not one of {'、'.join(STATUSES)}.")
        else:
            changes[field] = str(value).strip()
    return dataclasses.replace(meta, **changes) if changes else meta


MANIFEST_NAME = "MANIFEST.tsv"
# Manifest columns taken as metadata; the title stays as printed at the document's head.
_MANIFEST_COLUMNS = {
    "type": "type",
    "issuing_body": "issuing_body",
    "doc_number": "doc_number",
    "promulgation_date": "promulgated",
    "effective_date": "effective",
    "status": "status",
    "omitted": "omitted",
}
# Keys that describe the source rather than the document: they become catalog warnings, not metadata.
OMITTED_KEY = "omitted"
SOURCE_GAP_PREFIX = "来源缺漏："
SOURCE_GAP_SUFFIX = "（this copy leaves part of the official text out）"
_FIRST_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_UNVERIFIED = ("未核对", "unverified")


def _manifest_value(column: str, raw: str) -> str | None:
    """Return the usable part of a manifest cell: its first date, its leading status, or the text itself."""
    text = raw.strip()
    if not text or any(mark in text for mark in _UNVERIFIED):
        return None
    if column in ("promulgation_date", "effective_date"):
        match = _FIRST_DATE.search(text)
        return match.group(0) if match else None
    if column == "status":
        return next((status for status in STATUSES if text.startswith(status)), None)
    return text


def _find_manifest(source: Path, levels: int = 1) -> tuple[Path, str] | None:
    """Return the nearest MANIFEST.tsv above a source (its folder or up to `levels` parents) and the source's
    path relative to the manifest's folder."""
    folder = source.parent
    for _ in range(levels + 1):
        manifest = folder / MANIFEST_NAME
        if _is_file(manifest):
            return manifest, source.relative_to(folder).as_posix()
        if folder.parent == folder:
            return None
        folder = folder.parent
    return None


def read_manifest_entry(source: Path) -> dict[str, object]:
    """Return the metadata a folder's MANIFEST.tsv gives for a source, or {} when none lists it.

    A manifest is tab-separated with a header row and a `file` column naming each document relative to the
    manifest's folder (the layout of ../shared/corpus/MANIFEST.tsv). It ranks below the sidecar file.

    Raises:
        CorpusError: the manifest cannot be read or has no `file` column.
    """
    try:
        found = _find_manifest(Path(source).resolve())
    except OSError:  # a path the file system refuses to resolve has no manifest entry
        return {}
    if found is None:
        return {}
    manifest, relative = found
    try:
        lines = manifest.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise CorpusError(f"{manifest}: the manifest cannot be read ({err}). Save it as UTF-8 or remove it.") from err
    header = lines[0].split("\t") if lines else []
    if "file" not in header:
        raise CorpusError(f"{manifest}: the manifest has no 'file' column. Add a header row naming the columns.")
    for line in lines[1:]:
        row = dict(zip(header, line.split("\t"), strict=False))
        if row.get("file", "").strip() != relative:
            continue
        entry = {key: _manifest_value(column, row.get(column, "")) for column, key in _MANIFEST_COLUMNS.items()}
        return {key: value for key, value in entry.items() if value}
    return {}


def split_source_notes(overrides: Mapping[str, object]) -> tuple[dict[str, object], tuple[str, ...]]:
    """Return (the metadata overrides, the warnings flagging what the source left out).

    `omitted` (a manifest column or sidecar key, e.g. 附件《个人信息出境标准合同》未收录) is not metadata of the
    regulation but a gap of the copy at hand; the catalog shows it as a warning beside the version.
    """
    fields = dict(overrides)
    omitted = fields.pop(OMITTED_KEY, None)
    notes = (f"{SOURCE_GAP_PREFIX}{str(omitted).strip()}{SOURCE_GAP_SUFFIX}",) if omitted else ()
    return fields, notes
