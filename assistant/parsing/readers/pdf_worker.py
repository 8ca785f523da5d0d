"""Extract page texts from one PDF in a child process and print them as JSON.

Run as a script by assistant.parsing.readers.pdf, so a hostile PDF that hangs, eats memory or crashes pypdf only
takes this process down. It imports nothing from the assistant package on purpose.
"""

from __future__ import annotations

import json
import sys


def _extract(path: str) -> dict[str, object]:
    """Return {"pages": [...]} or {"error": kind, "detail": text} for the PDF at path."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            # Many PDFs carry only an owner password: an empty user password opens them for reading.
            try:
                opened = reader.decrypt("")
            except (DependencyError, NotImplementedError) as err:
                return {"error": "encrypted", "detail": f"unsupported encryption ({err})"}
            if not opened:
                return {"error": "encrypted", "detail": "a password is needed to open it"}
        pages = [page.extract_text() or "" for page in reader.pages]
    except FileNotDecryptedError as err:
        return {"error": "encrypted", "detail": str(err)}
    except PdfReadError as err:
        return {"error": "corrupt", "detail": str(err)}
    # pypdf raises many kinds of exceptions on damaged files (KeyError, ValueError, RecursionError…);
    # this process exists to turn every one of them into a report the parent can explain.
    except Exception as err:  # noqa: BLE001
        return {"error": "corrupt", "detail": f"{type(err).__name__}: {err}"}
    return {"pages": pages}


def main() -> None:
    """Print the JSON report for the PDF named on the command line."""
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    if limit:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    sys.stdout.write(json.dumps(_extract(sys.argv[1]), ensure_ascii=False))


if __name__ == "__main__":
    main()
