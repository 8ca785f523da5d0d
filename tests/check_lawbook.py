"""Parse every file of ../shared/lawbook and report counts, warnings, failures and the time taken.

Not collected by pytest (tests/test_structure.py samples the lawbook and, marked slow, runs all of it).
Usage: .venv/bin/python tests/check_lawbook.py [LAWBOOK_DIR] [--out report.tsv]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from assistant.errors import CorpusError
from assistant.parsing.readers import read_source
from assistant.parsing.structure import parse_document

DEFAULT_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "lawbook"


def check_tree(root: Path, out: Path | None) -> int:
    """Parse every .md under root, write one report line per file to out, and return the number of crashes."""
    files = sorted(root.rglob("*.md"))
    structures: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    rejected: list[str] = []
    crashed: list[str] = []
    lines = []
    units = 0
    started = time.perf_counter()
    for path in files:
        try:
            doc = parse_document(read_source(path, max_bytes=50 * 1024 * 1024))
        except CorpusError as err:
            rejected.append(str(err))
            continue
        except Exception as err:  # noqa: BLE001  (this script exists to find unexpected failures)
            crashed.append(f"{path}: {type(err).__name__}: {err}")
            continue
        structures[doc.structure] += 1
        kinds[doc.meta.doc_type] += 1
        units += len(doc.articles)
        lines.append(f"{path.relative_to(root)}\t{doc.structure}\t{len(doc.articles)}\t{doc.meta.doc_type}\t"
                     f"{doc.meta.version}\t{doc.meta.effective_date}\t{' | '.join(doc.warnings)}")
    elapsed = time.perf_counter() - started
    if out:
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sys.stdout.write(
        f"files={len(files)} units={units} seconds={elapsed:.1f} structures={dict(structures)} "
        f"doc_types={dict(kinds)}\nrejected with a CorpusError={len(rejected)}\n"
        + "".join(f"  {line}\n" for line in rejected)
        + f"crashed={len(crashed)}\n"
        + "".join(f"  {line}\n" for line in crashed)
    )
    return len(crashed)


def main() -> None:
    """Run the check from the command line; exit 1 when any file crashed the parser."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, default=DEFAULT_DIR, help="lawbook folder")
    parser.add_argument("--out", type=Path, help="write a per-file TSV report here")
    args = parser.parse_args()
    sys.exit(1 if check_tree(args.root, args.out) else 0)


if __name__ == "__main__":
    main()
