"""What the last `corpus init` took from corpus/ and laws.db, so the next one can tell changed and removed texts.

Kept as default-corpus.json in the home folder: source key (a path relative to corpus/, or laws.db:TITLE@DATE)
-> the SHA-256 of the text and the version it became. A text whose key is gone from corpus/ is reported once
and then forgotten; its document stays in the library (removing it is a maintainer's explicit
`assistant corpus remove`).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from assistant.errors import ConfigError

RECORD_NAME = "default-corpus.json"


@dataclass(frozen=True)
class SourceEntry:
    """One text of the default corpus as the last init left it."""

    sha256: str
    version_id: str | None
    title: str | None


def read_record(home: Path) -> dict[str, SourceEntry]:
    """Return the record of the last init in home ({} before the first).

    Raises:
        ConfigError: the record exists but cannot be read.
    """
    path = home / RECORD_NAME
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {key: SourceEntry(**value) for key, value in data["sources"].items()}
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ConfigError(f"{path}: the record of the last `corpus init` cannot be read ({err}). Delete it; the "
                          "next init then reports no changed or removed texts, and adds what is missing.") from err


def write_record(home: Path, entries: dict[str, SourceEntry]) -> None:
    """Replace the record in home atomically."""
    path = home / RECORD_NAME
    partial = path.with_name(RECORD_NAME + ".part")
    body = {"sources": {key: asdict(entry) for key, entry in sorted(entries.items())}}
    partial.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(partial, path)
