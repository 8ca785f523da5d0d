"""Source files on disk: which files of a folder are documents, and keeping every ingested file by its SHA-256."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from assistant.corpus.sidecar import is_sidecar

_SKIPPED_NAMES = re.compile(r"^(readme(\..*)?|default_laws\.txt)$", re.IGNORECASE)


def document_files(root: Path, allowed_suffixes: Sequence[str]) -> list[Path]:
    """Return the document files under a folder, sorted; hidden files, READMEs and sidecars are left out."""
    allowed = {suffix.lower() for suffix in allowed_suffixes}
    found = []
    for path in sorted(Path(root).rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if path.suffix.lower() in allowed and not is_sidecar(path) and not _SKIPPED_NAMES.match(path.name):
            found.append(path)
    return found


def store_source(sources_dir: Path, content: bytes, sha256: str, source_name: str) -> str:
    """Copy the source bytes to sources/<sha256><suffix> (atomically) and return the file name."""
    name = source_file_name(sha256, source_name)
    target = sources_dir / name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(name + ".part")
        with open(partial, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, target)
    return name


def source_file_name(sha256: str, source_name: str) -> str:
    """Return the file name a source is kept under in sources/."""
    suffix = Path(source_name).suffix.lower()
    return sha256 + (suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ".bin")
