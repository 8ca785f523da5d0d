"""Hostile files through Library.add: each must be refused with a CorpusError naming it, in bounded time,
leaving catalog and index exactly as they were.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/hostile_files.py            # ~1,050 files
    .venv/bin/python benchmarks/hostile_files.py --per-kind 3 --time-limit 30  # quick look

Files are generated under a temporary folder from seeds (truncated and bit-flipped real PDFs, random bytes,
wrong encodings, enormous lines, deeply nested / huge / zip-bomb .docx, HTML bombs, regex bait). A worker
process adds them one at a time and reports each outcome; a file taking longer than --time-limit is a hang:
the worker is killed and restarted after it. Results: benchmarks/results/hostile_files.json.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import PYTHON, ROOT, SHARED, write_result  # noqa: E402

SCRIPT = str(Path(__file__).resolve())
REGULATION = "第一条 为了保障网络安全，制定本法。\n\n第二条 网络运营者应当履行安全保护义务。\n"


# ---- generators: each returns (name, bytes) ----------------------------------------------------------------
def _pdfs() -> list[bytes]:
    pdf_dir = SHARED / "corpus" / "pdf"
    found = [p.read_bytes() for p in sorted(pdf_dir.glob("*.pdf"))[:3]] if pdf_dir.is_dir() else []
    return found or [_tiny_pdf()]


def _tiny_pdf() -> bytes:
    """Return a small valid PDF (used when ../shared is absent)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def truncated_pdf(rng: random.Random, i: int) -> tuple[str, bytes]:
    data = rng.choice(_PDF_CACHE)
    return f"truncated_{i}.pdf", data[: rng.randint(0, max(1, len(data) - 1))]


def corrupted_pdf(rng: random.Random, i: int) -> tuple[str, bytes]:
    data = bytearray(rng.choice(_PDF_CACHE))
    for _ in range(rng.choice([1, 10, 100, 1000])):
        data[rng.randrange(len(data))] = rng.randrange(256)
    if rng.random() < 0.3:  # a damaged cross-reference table or trailer
        cut = data.rfind(b"xref")
        data[cut:] = os.urandom(64) if cut > 0 else data[cut:]
    return f"corrupted_{i}.pdf", bytes(data)


def fake_pdf(rng: random.Random, i: int) -> tuple[str, bytes]:
    kinds = [
        b"%PDF-1.7\n" + rng.randbytes(rng.randint(10, 50_000)),
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 1 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
        b"%PDF-1.4\n" + b"1 0 obj [" * 5000 + b"\n%%EOF",  # deeply nested arrays
        b"%PDF-1.4\n1 0 obj << /Length 999999999 >> stream\n" + rng.randbytes(1000) + b"\nendstream endobj\n%%EOF",
        REGULATION.encode("utf-8"),  # a text file named .pdf
    ]
    return f"fake_{i}.pdf", kinds[i % len(kinds)]


def random_bytes(rng: random.Random, i: int) -> tuple[str, bytes]:
    suffix = [".md", ".txt", ".html", ".docx", ".pdf", ".htm", ".markdown"][i % 7]
    return f"random_{i}{suffix}", rng.randbytes(rng.choice([1, 17, 1024, 65536, 1 << 20]))


def wrong_encoding(rng: random.Random, i: int) -> tuple[str, bytes]:
    text = REGULATION * rng.randint(1, 20)
    variants: list[Callable[[], bytes]] = [
        lambda: text.encode("utf-16-le"),  # no BOM
        lambda: text.encode("utf-16-be"),
        lambda: text.encode("utf-32"),
        lambda: text.encode("big5", errors="replace"),
        lambda: text.encode("shift_jis", errors="replace"),
        lambda: text.encode("euc-kr", errors="replace"),
        lambda: text.encode("cp500", errors="replace"),
        lambda: text.encode("utf-8")[:-1] + b"\xff\xfe\xc3",  # broken tail
        lambda: b"\xef\xbb\xbf" + text.encode("gb18030"),  # UTF-8 BOM, GB18030 body
        lambda: b"\xff\xfe" + text.encode("utf-8"),  # UTF-16 BOM, UTF-8 body
        lambda: bytes(b ^ 0x80 for b in text.encode("utf-8")),
        lambda: b"".join(rng.choice([text.encode("utf-8"), text.encode("gb18030")]) for _ in range(5)),
        lambda: b"\x00".join(text.encode("utf-8")[k:k + 1] for k in range(len(text.encode("utf-8")))),
    ]
    suffix = [".md", ".txt", ".html"][i % 3]
    return f"encoding_{i}{suffix}", variants[i % len(variants)]()


def enormous_line(rng: random.Random, i: int) -> tuple[str, bytes]:
    size = [1 << 20, 5 << 20, 20 << 20, 49 << 20][i % 4]
    fillers = ["网", "a", "第", "第一条", " ", "<div>", "。", "\t"]
    body = (fillers[i % len(fillers)] * (size // max(1, len(fillers[i % len(fillers)].encode("utf-8"))) + 1))
    data = body.encode("utf-8")[:size]
    suffix = [".md", ".txt", ".html"][i % 3]
    return f"longline_{i}{suffix}", data


def oversized(rng: random.Random, i: int) -> tuple[str, bytes]:
    return f"oversized_{i}.md", (REGULATION * ((60 << 20) // len(REGULATION.encode("utf-8")) + 1)).encode("utf-8")


def regex_bait(rng: random.Random, i: int) -> tuple[str, bytes]:
    baits = [
        "第" * 200_000 + "条",
        "第一百二十三" * 50_000 + "条",
        "## 第一章" * 100_000,
        ("第" + "一" * 10_000 + "条 内容\n") * 50,
        "第一条" + "\n第二条" * 200_000,  # 200k empty articles
        "#" * 500_000 + " 标题",
        "<!-- " * 100_000,
        "第一条 " + "（一）" * 200_000,
        "\u202e第一条 反转文字\u202d" * 10_000,
        "\ufeff" * 100_000 + REGULATION,
    ]
    suffix = [".md", ".txt"][i % 2]
    return f"bait_{i}{suffix}", baits[i % len(baits)].encode("utf-8")


def _docx_from_xml(xml: bytes, compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compress) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("word/document.xml", xml)
    return out.getvalue()


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _zip_bomb(inner_name: str, size: int) -> bytes:
    """Return a zip holding inner_name of `size` zero bytes (deflate makes it ~1000x smaller)."""
    out = io.BytesIO()
    chunk = b"\0" * (1 << 20)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        with zf.open(inner_name, "w", force_zip64=True) as handle:
            for _ in range(size // len(chunk)):
                handle.write(chunk)
    return out.getvalue()


def hostile_docx(rng: random.Random, i: int) -> tuple[str, bytes]:
    kind = i % 10
    if kind == 0:  # deeply nested elements
        depth = rng.choice([300, 5_000, 100_000])
        xml = f"<w:document {_W}><w:body>".encode() + b"<w:p>" * depth + b"</w:p>" * depth + b"</w:body></w:document>"
        return f"nested_{i}.docx", _docx_from_xml(xml)
    if kind == 1:  # huge: a million paragraphs of real-looking text
        para = "<w:p><w:r><w:t>第一条 网络运营者应当履行安全保护义务。</w:t></w:r></w:p>"
        xml = f"<w:document {_W}><w:body>{para * rng.choice([100_000, 400_000])}</w:body></w:document>"
        return f"huge_{i}.docx", _docx_from_xml(xml.encode())
    if kind == 2:
        return f"zipbomb_{i}.docx", _BOMB_DOCUMENT
    if kind == 3:
        return f"zipbomb_other_{i}.docx", _BOMB_OTHER
    if kind == 4:  # billion laughs
        laughs = '<!DOCTYPE d [<!ENTITY a "哈哈哈哈哈哈哈哈哈哈">' + "".join(
            f'<!ENTITY {chr(98 + k)} "{("&" + chr(97 + k) + ";") * 10}">' for k in range(9)) + "]>"
        xml = f'<?xml version="1.0"?>{laughs}<w:document {_W}><w:body><w:p><w:r><w:t>&j;</w:t></w:r></w:p>' \
              "</w:body></w:document>"
        return f"laughs_{i}.docx", _docx_from_xml(xml.encode())
    if kind == 5:  # malformed XML
        return f"badxml_{i}.docx", _docx_from_xml(b"<w:document><w:body><w:p>" + rng.randbytes(200))
    if kind == 6:  # a zip without document.xml
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            zf.writestr("hello.txt", REGULATION)
        return f"nodoc_{i}.docx", out.getvalue()
    if kind == 7:  # truncated zip
        good = _docx_from_xml(f"<w:document {_W}><w:body><w:p><w:r><w:t>{REGULATION}</w:t></w:r></w:p></w:body>"
                              "</w:document>".encode())
        return f"truncated_{i}.docx", good[: rng.randint(10, len(good) - 10)]
    if kind == 8:  # external entity (XXE) pointing at a local file
        xml = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
               f"<w:document {_W}><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>")
        return f"xxe_{i}.docx", _docx_from_xml(xml.encode())
    return f"zip_in_zip_{i}.docx", _docx_from_xml(_BOMB_DOCUMENT[:4096])


def html_bomb(rng: random.Random, i: int) -> tuple[str, bytes]:
    kind = i % 6
    if kind == 0:
        depth = rng.choice([10_000, 100_000, 500_000])
        return f"nested_{i}.html", ("<div>" * depth + "第一条 内容" + "</div>" * depth).encode()
    if kind == 1:
        return f"unclosed_{i}.html", ("<div><p><span>" * 200_000).encode()
    if kind == 2:
        return f"many_{i}.html", ("<p>第一条 网络运营者应当履行安全保护义务。</p>" * 400_000).encode()
    if kind == 3:
        return f"entities_{i}.html", ("&amp;" * 3_000_000).encode()
    if kind == 4:
        return f"charset_{i}.html", b'<meta charset="x-no-such-charset">' + rng.randbytes(5000)
    return f"scripts_{i}.html", ("<script>" + "var a=1;" * 500_000 + "</script>").encode()


def empty_like(rng: random.Random, i: int) -> tuple[str, bytes]:
    contents = [b"", b" \n\t ", b"\xef\xbb\xbf", b"\0" * 1000, b"\xff\xfe", "\u3000\n".encode() * 100,
                b"<html></html>", b"# \n", "目录\n".encode() * 10]
    suffix = [".md", ".txt", ".html", ".docx", ".pdf"][i % 5]
    return f"empty_{i}{suffix}", contents[i % len(contents)]


def odd_name(rng: random.Random, i: int) -> tuple[str, bytes]:
    names = ["a" * 240 + ".md", "名字 带空格\t.md", "line\nbreak.md", "rtl\u202eexe.md", "-rf.md", "$(x).md",
             ".hidden_but_given.md", "no_suffix", "upper.PDF", "double.md.exe"]
    name = f"{i}_{names[i % len(names)]}"
    return name, rng.randbytes(300) if not name.endswith(".md") else b"\x00\x01garbage" + rng.randbytes(100)


_PDF_CACHE: list[bytes] = []
_BOMB_DOCUMENT = b""
_BOMB_OTHER = b""

# The enormous ones go last: once accepted, their giant units slow every later write to the same store.
KINDS: dict[str, tuple[Callable[[random.Random, int], tuple[str, bytes]], int]] = {
    "truncated_pdf": (truncated_pdf, 150),
    "corrupted_pdf": (corrupted_pdf, 150),
    "fake_pdf": (fake_pdf, 50),
    "random_bytes": (random_bytes, 200),
    "wrong_encoding": (wrong_encoding, 130),
    "regex_bait": (regex_bait, 40),
    "hostile_docx": (hostile_docx, 120),
    "html_bomb": (html_bomb, 60),
    "empty_like": (empty_like, 90),
    "odd_name": (odd_name, 40),
    "oversized": (oversized, 2),
    "enormous_line": (enormous_line, 24),
}


def generate(folder: Path, per_kind: int | None, seed: int, bomb_mb: int = 1024) -> list[tuple[str, Path]]:
    """Write the hostile files under folder and return (kind, path) pairs."""
    global _BOMB_DOCUMENT, _BOMB_OTHER
    _PDF_CACHE[:] = _pdfs()
    _BOMB_DOCUMENT = _zip_bomb("word/document.xml", bomb_mb << 20)  # zeros as the document (1 GiB by default)
    _BOMB_OTHER = _zip_bomb("word/media/image1.png", bomb_mb << 20)
    rng = random.Random(seed)
    made = []
    for kind, (make, count) in KINDS.items():
        sub = folder / kind
        sub.mkdir(parents=True, exist_ok=True)
        for i in range(min(count, per_kind) if per_kind else count):
            name, data = make(rng, i)
            path = sub / name.replace("/", "_")
            path.write_bytes(data)
            made.append((kind, path))
    return made


# ---- worker: adds files one by one, one JSON line each -----------------------------------------------------
def run_worker(home: Path, listing: Path, start: int) -> None:
    """Add the files of listing from index start, printing the outcome of each."""
    import assistant  # noqa: F401
    from assistant.wiring import build_library
    from benchmarks._common import bench_settings

    settings = bench_settings(home)
    library = build_library(settings)
    entries = json.loads(listing.read_text(encoding="utf-8"))
    for index in range(start, len(entries)):
        kind, path = entries[index]
        print(json.dumps({"start": index}), flush=True)
        began = time.perf_counter()
        try:
            report = library.add([Path(path)])
            outcome = report.outcomes[0] if report.outcomes else None
            result = {"outcome": outcome.outcome if outcome else "none", "message": outcome.message if outcome else ""}
            if outcome and outcome.outcome == "added" and outcome.version_id:
                articles = library.catalog.articles(outcome.version_id)
                result["preview"] = articles[0].article.text[:80] if articles else ""
        except Exception as err:  # noqa: BLE001 - an escaping exception is exactly what this script looks for
            result = {"outcome": "exception", "message": f"{type(err).__name__}: {err}"[:500]}
        result.update(index=index, kind=kind, path=path, seconds=round(time.perf_counter() - began, 3),
                      rss_mb=_rss())
        print(json.dumps(result, ensure_ascii=False), flush=True)


def _rss() -> float:
    from benchmarks._common import rss_mb

    return rss_mb()


def snapshot(home: Path) -> dict:
    """Return catalog versions and index state of a home, from a fresh process."""
    done = subprocess.run([PYTHON, SCRIPT, "snapshot", "--home", str(home)], capture_output=True, text=True,
                          check=True, cwd=str(ROOT))
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_snapshot(home: Path) -> None:
    """Print the catalog's versions and the indexes' state as one JSON line."""
    import assistant  # noqa: F401
    from assistant.wiring import build_catalog, build_indexer
    from benchmarks._common import bench_settings, check_consistency

    settings = bench_settings(home)
    catalog, indexer = build_catalog(settings), build_indexer(settings)
    check = check_consistency(catalog, indexer, settings)
    print(json.dumps({"versions": sorted((v.version_id, v.sha256) for v in catalog.versions()),
                      "indexed": sorted(indexer.indexed_versions()), "units": indexer.vectors.count(),
                      "lexical_units": indexer.lexical.unit_count(), "consistent": check.ok,
                      "problems": list(check.problems)}))


def seed_library(home: Path) -> None:
    """Put two small regulations in the library, so 'untouched' means something."""
    subprocess.run([PYTHON, SCRIPT, "seed", "--home", str(home)], check=True, cwd=str(ROOT))


def run_seed(home: Path) -> None:
    """Add the two seed regulations."""
    import assistant  # noqa: F401
    from assistant.wiring import build_library
    from benchmarks._common import bench_settings

    folder = home.parent / "seed"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "网络安全示例.md").write_text("# 网络安全示例规定\n\n" + REGULATION, encoding="utf-8")
    (folder / "数据示例.md").write_text("# 数据示例办法\n\n第一条 数据处理者应当建立数据安全管理制度。\n",
                                       encoding="utf-8")
    report = build_library(bench_settings(home)).add(sorted(folder.glob("*.md")))
    if len(report.added) != 2:
        raise SystemExit(f"seeding failed: {report.summary()}")


def _untouched(before: dict, after: dict, results: list[dict]) -> bool:
    """Return True when the index holds exactly what it held plus the files accepted, and agrees with the catalog."""
    accepted = {r["message"].split(" as ", 1)[1].split(" ", 1)[0] for r in results if r["outcome"] == "added"
                and " as " in r["message"]}
    old = {tuple(v) for v in before["versions"]}
    new = {tuple(v) for v in after["versions"]}
    return old <= new and {v for v, _ in new - old} == accepted and after["consistent"] and before["consistent"]


_LEGAL_CHARS = re.compile(r"[网络数据安全法条例规定]")


def judge(result: dict) -> str:
    """Return 'ok' for a clear refusal naming the file, else what went wrong."""
    name = Path(result["path"]).name
    if result["outcome"] == "exception":
        return "exception"
    if result["outcome"] == "hang":
        return "hang"
    if result["outcome"] == "added":
        # Heuristic: a correct decoding of our seed text or a real regulation shows these characters.
        return "accepted" if _LEGAL_CHARS.search(result.get("preview", "")) else "accepted-garbage"
    if "internal error" in result["message"]:
        return "unhandled"  # Library caught an exception a reader should have turned into CorpusError
    if result["outcome"] == "rejected" and name not in result["message"]:
        return "unnamed"
    return "ok"


def run_all(per_kind: int | None, time_limit: float, seed: int, out_name: str | None, bomb_mb: int = 1024,
            kinds: tuple[str, ...] | None = None) -> dict:
    """Generate, run, judge; return (and optionally write) the summary."""
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        base = Path(tmp)
        home = base / "home"
        seed_library(home)
        before = snapshot(home)
        made = [(k, p) for k, p in generate(base / "files", per_kind, seed, bomb_mb) if not kinds or k in kinds]
        listing = base / "listing.json"
        listing.write_text(json.dumps([(k, str(p)) for k, p in made], ensure_ascii=False), encoding="utf-8")
        results = drive(home, listing, len(made), time_limit)
        after = snapshot(home)
    verdicts = Counter(judge(r) for r in results)
    results.sort(key=lambda r: r["index"])
    by_kind: dict[str, Counter] = {}
    for r in results:
        by_kind.setdefault(r["kind"], Counter())[judge(r)] += 1
    bad = [r for r in results if judge(r) != "ok"]
    seconds = [r["seconds"] for r in results if r.get("seconds") is not None]
    summary = {
        "files": len(made), "time_limit_s": time_limit, "verdicts": dict(verdicts),
        "by_kind": {k: dict(v) for k, v in by_kind.items()},
        "index_untouched": _untouched(before, after, results), "before": before, "after": after,
        "slowest_s": sorted(seconds)[-5:], "max_worker_rss_mb": max((r.get("rss_mb", 0) for r in results), default=0),
        "problems": [{k: r.get(k) for k in ("kind", "path", "outcome", "message", "seconds", "preview")}
                     | {"verdict": judge(r)} for r in bad][:120],
        "example_messages": {k: next((r["message"][:300] for r in results if r["kind"] == k and judge(r) == "ok"), "")
                             for k in KINDS},
    }
    for r in summary["problems"]:
        r["path"] = Path(r["path"]).name
    if out_name:
        write_result(out_name, summary)
    return summary


def drive(home: Path, listing: Path, total: int, time_limit: float) -> list[dict]:
    """Run the worker over the listing; a file over the time limit is recorded as a hang and skipped."""
    import queue
    import threading

    results: list[dict] = []
    start = 0
    while start < total:
        worker = subprocess.Popen([PYTHON, SCRIPT, "worker", "--home", str(home), "--listing", str(listing),
                                   "--start", str(start)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  text=True, cwd=str(ROOT), preexec_fn=_limit_memory)
        lines: queue.Queue[str | None] = queue.Queue()

        threading.Thread(target=_pump, args=(worker.stdout, lines), daemon=True).start()
        # Start-up (imports, opening and reconciling the library) gets its own, longer allowance.
        current, began, hung, limit = start, time.monotonic(), False, max(5 * time_limit, 300.0)
        while True:
            try:
                line = lines.get(timeout=1.0)
            except queue.Empty:
                if time.monotonic() - began > limit:
                    worker.kill()
                    hung = True
                    break
                continue
            if line is None:
                break
            data = json.loads(line)
            if "start" in data:
                current, began, limit = data["start"], time.monotonic(), time_limit
                continue
            results.append(data)
            if len(results) % 100 == 0 or data["seconds"] > 5 or judge(data) != "ok":
                print(f"  {len(results)}/{total} {judge(data)} {data['seconds']:.1f} s "
                      f"{Path(data['path']).name[:60]!r}: {data['message'][:160]}", flush=True)
        worker.wait()
        if hung:
            results.append(_lost(listing, current, "hang", f"still running after {time_limit:g} s; killed"))
            print(f"  HANG {results[-1]['path']}", flush=True)
            start = current + 1
        elif worker.returncode != 0:
            if not any(r["index"] == current for r in results):
                results.append(_lost(listing, current, "exception", f"worker died (exit {worker.returncode})"))
            start = current + 1
        else:
            break
    return results


def _pump(stream, lines) -> None:  # type: ignore[no-untyped-def]
    """Move a worker's output lines into a queue (None at the end), so waiting can time out."""
    for raw in stream:
        lines.put(raw)
    lines.put(None)


def _lost(listing: Path, index: int, outcome: str, message: str) -> dict:
    """Return the result of a file whose worker hung or died."""
    kind, path = json.loads(listing.read_text(encoding="utf-8"))[index]
    return {"index": index, "kind": kind, "path": path, "outcome": outcome, "message": message, "seconds": None}


def _limit_memory() -> None:
    """Cap the worker's address space so a bomb fails inside it instead of swapping the shared machine."""
    import resource

    limit = 8 << 30
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("phase", nargs="?", default="all", choices=["all", "worker", "snapshot", "seed"])
    parser.add_argument("--per-kind", type=int, default=None, help="At most this many files of each kind.")
    parser.add_argument("--time-limit", type=float, default=60.0, help="Seconds one file may take.")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--kinds", default="", help="Comma-separated kinds to run (default: all).")
    parser.add_argument("--out", default="hostile_files", help="Result name under benchmarks/results/.")
    parser.add_argument("--home", type=Path)
    parser.add_argument("--listing", type=Path)
    parser.add_argument("--start", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    if args.phase == "worker":
        run_worker(args.home, args.listing, args.start)
        return 0
    if args.phase == "snapshot":
        run_snapshot(args.home)
        return 0
    if args.phase == "seed":
        run_seed(args.home)
        return 0
    kinds = tuple(k for k in args.kinds.split(",") if k) or None
    summary = run_all(args.per_kind, args.time_limit, args.seed, args.out if not args.per_kind else None,
                      kinds=kinds)
    print(json.dumps({k: summary[k] for k in ("files", "verdicts", "by_kind", "index_untouched", "slowest_s",
                                              "max_worker_rss_mb")}, ensure_ascii=False, indent=1))
    for problem in summary["problems"][:20]:
        print(json.dumps(problem, ensure_ascii=False)[:400])
    return 0 if set(summary["verdicts"]) == {"ok"} and summary["index_untouched"] else 1


if __name__ == "__main__":
    sys.exit(main())
