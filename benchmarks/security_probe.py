"""Security probe: the web chat attacked the way an outsider with an account would, over HTTP on loopback.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/security_probe.py

Starts the real server (app.py) on a free loopback port with a temp home, a users file (officials and a
maintainer) and its own Gradio upload folder, then posts crafted requests to /login, /gradio_api/upload and
/gradio_api/queue/join: FileData naming server files and URLs, uploads of the wrong type, size and role, login
timing of known and unknown names, /health under a login flood, forged log lines, a password typed as the name,
a lone surrogate in a question, plus the defences an earlier probe found holding. Each case records expected,
observed and pass. Different loopback source addresses (127.0.0.x) stand for different clients.
Results: benchmarks/results/security_probe.json.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import ROOT, write_result  # noqa: E402

PASSWORD = "correct-horse-42"
SECRET_TEXT = "第一条 服务器私密配置：数据库口令为 hunter2-secret。"
TIMING_ACCOUNTS = ("timing_a", "timing_b", "timing_c")
UPLOAD_BODY = "# 探测上传办法\n\n第一条 数据处理者应当履行数据安全保护义务。\n".encode()


def client(url: str, address: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
    """Return an httpx client whose requests come from the given loopback address."""
    import httpx

    return httpx.Client(base_url=url, timeout=60, transport=httpx.HTTPTransport(local_address=address))


def login(http, name: str, password: str) -> tuple[int, float, str]:  # type: ignore[no-untyped-def]
    """Post the login form; return (status, seconds, reply text)."""
    started = time.perf_counter()
    reply = http.post("/login", data={"username": name, "password": password})
    return reply.status_code, time.perf_counter() - started, reply.text


class Session:
    """A logged-in client: finds event ids in /config and runs events through the queue like the page does."""

    def __init__(self, url: str, name: str, address: str = "127.0.0.1") -> None:
        self.http = client(url, address)
        status, _, text = login(self.http, name, PASSWORD)
        if status != 200:
            raise RuntimeError(f"login of {name} failed: {status} {text}")
        self.config = self.http.get("/config").json()

    def event(self, match: Callable[[dict], bool]) -> int:
        """Return the id of the click event of the first component matching."""
        target = next(c["id"] for c in self.config["components"] if match(c))
        for index, dep in enumerate(self.config["dependencies"]):
            if any(t[0] == target and t[1] == "click" for t in dep.get("targets", [])):
                return int(dep.get("id", index))
        raise RuntimeError("event not found")

    def run(self, fn_index: int, data: list, raw: bytes | None = None) -> dict[str, Any]:
        """Join the queue with data (or a raw JSON body); return {status, completed message or refusal}."""
        session = uuid.uuid4().hex[:10]
        body = raw if raw is not None else json.dumps({"data": data, "fn_index": fn_index,
                                                       "session_hash": session}).encode()
        if raw is not None:
            body = body.replace(b"SESSION", session.encode())
        reply = self.http.post("/gradio_api/queue/join", content=body, headers={"Content-Type": "application/json"})
        if reply.status_code != 200:
            return {"status": reply.status_code, "text": reply.text}
        with self.http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                    if message.get("msg") == "process_completed":
                        return {"status": 200, "completed": message}
        return {"status": 200, "completed": None}

    def upload(self, name: str, content: bytes) -> tuple[int, Any]:
        """Post one file to Gradio's upload route; return (status, JSON or text)."""
        reply = self.http.post("/gradio_api/upload", files={"files": (name, content)})
        try:
            return reply.status_code, reply.json()
        except ValueError:
            return reply.status_code, reply.text


def file_data(path: str, meta: bool = True) -> dict[str, Any]:
    """Return the FileData a client sends for a file input."""
    data: dict[str, Any] = {"path": path, "orig_name": Path(path).name or "x", "url": None}
    if meta:
        data["meta"] = {"_type": "gradio.FileData"}
    return data


class Probe:
    """Holds the server, the temp folders and the recorded cases."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.cases: list[dict[str, Any]] = []
        self.figures: dict[str, Any] = {}

    def record(self, case: str, expected: str, observed: object, ok: bool) -> None:
        self.cases.append({"case": case, "expected": expected, "observed": observed, "pass": bool(ok)})
        print(("PASS " if ok else "FAIL ") + case + ": " + json.dumps(observed, ensure_ascii=False)[:300])

    def audit(self) -> list[dict[str, Any]]:
        path = self.home / "audit.jsonl"
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []

    def start(self) -> None:
        from assistant.ui.auth import save_user
        from benchmarks.load_test import free_port, start_app, tiny_home

        self.home = tiny_home(self.base / "tiny")
        self.uploads = self.base / "gradio-uploads"
        users = self.base / "users.toml"
        for name, role in (("guanyuan", "official"), ("weihu", "maintainer"), ("busy", "official"),
                           *((n, "official") for n in TIMING_ACCOUNTS)):
            save_user(users, name, role, PASSWORD)
        self.secret = self.base / "server-secret.md"
        self.secret.write_text(SECRET_TEXT, encoding="utf-8")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.base / "app.log"
        self.server = start_app(self.home, self.port, "hash", self.log,
                                {"ASSISTANT_UI__USERS_FILE": str(users), "GRADIO_TEMP_DIR": str(self.uploads)})

    def stop(self) -> None:
        self.server.terminate()
        try:
            self.server.wait(timeout=30)
        except Exception:  # noqa: BLE001 - uvicorn may wait on open connections
            self.server.kill()

    def catalog_titles(self) -> list[str]:
        from assistant.corpus.catalog import Catalog

        return sorted(v.meta.title for v in Catalog(self.home / "catalog.sqlite3").versions())

    def cached_copies(self, text: str) -> list[str]:
        """Return files under the Gradio upload folder whose bytes contain text."""
        needle = text.encode()
        return [str(p) for p in self.uploads.rglob("*") if p.is_file() and needle in p.read_bytes()]


def case_anonymous(probe: Probe) -> None:
    http = client(probe.url)
    statuses = {path: http.request(method, path, **kw).status_code for method, path, kw in (
        ("GET", "/config", {}), ("GET", "/gradio_api/info", {}),
        ("POST", "/gradio_api/queue/join", {"json": {"data": [], "fn_index": 0, "session_hash": "x"}}),
        ("POST", "/gradio_api/upload", {"files": {"files": ("a.md", b"x")}}),
        ("GET", f"/gradio_api/file={probe.secret}", {}))}
    probe.record("anonymous API and file routes refused", "401 or 403 on every route", statuses,
                 all(s in (401, 403) for s in statuses.values()))


def case_loopback_without_users(probe: Probe) -> None:
    from assistant.errors import ConfigError
    from assistant.ui.app import auth_for

    try:
        auth_for("0.0.0.0", False, None)
        observed = "started without login"
    except ConfigError as err:
        observed = str(err)[:120]
    probe.record("no users file: loopback only", "refuses to listen beyond loopback", observed,
                 "no users file" in observed)


def _crafted_upload(probe: Probe, maintainer: Session, upload: int, replace: int, doc_id: str) -> None:
    before, count = probe.catalog_titles(), len(probe.audit())
    paths = {"planted server file": str(probe.secret), "repository README": str(ROOT / "README.md"),
             "traversal inside the upload folder": str(probe.uploads / ".." / probe.secret.name)}
    observed = {}
    for label, path in paths.items():
        for meta in (True, False):
            for fn, data in ((upload, [[file_data(path, meta)], "", None, "", None, ""]),
                             (replace, [doc_id, file_data(path, meta), "", None, "", None, ""])):
                reply = maintainer.run(fn, data)
                observed[f"{label} {'upload' if fn == upload else 'replace'} meta={meta}"] = \
                    reply["status"], reply.get("text", "")[:80]
    refusals = [r for r in probe.audit()[count:] if r.get("reason") == "file_not_uploaded"]
    audited = {r.get("path") for r in refusals}
    ok = (all(status == 403 for status, _ in observed.values()) and probe.catalog_titles() == before
          and set(paths.values()) <= audited and not probe.cached_copies("hunter2-secret"))
    probe.record("crafted FileData path naming a server file", "403 in Chinese, audited with the path, not ingested, "
                 "no copy in Gradio's cache", {"replies": observed, "audited_paths": sorted(audited)}, ok)


def _url_upload(probe: Probe, maintainer: Session, upload: int) -> None:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(SECRET_TEXT.encode())

        def log_message(self, *args: object) -> None:
            pass

    bait = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=bait.serve_forever, daemon=True).start()
    count = len(probe.audit())
    try:
        url = f"http://127.0.0.1:{bait.server_address[1]}/secret.md"
        replies = [maintainer.run(upload, [[file_data(u)], "", None, "", None, ""])["status"]
                   for u in (url, "file:///etc/passwd")]
    finally:
        bait.shutdown()
    audited = [r.get("path") for r in probe.audit()[count:] if r.get("reason") == "file_not_uploaded"]
    probe.record("FileData path that is a URL", "403, audited, nothing fetched",
                 {"statuses": replies, "requests_seen_by_bait_server": hits, "audited": audited},
                 replies == [403, 403] and not hits and len(audited) == 2)


def case_console_files(probe: Probe) -> None:
    maintainer = Session(probe.url, "weihu")
    upload = maintainer.event(lambda c: c.get("props", {}).get("elem_id") == "upload")
    replace = maintainer.event(lambda c: c.get("props", {}).get("value") == "替换")
    from assistant.corpus.catalog import Catalog

    doc_id = Catalog(probe.home / "catalog.sqlite3").versions()[0].doc_id
    _crafted_upload(probe, maintainer, upload, replace, doc_id)
    _url_upload(probe, maintainer, upload)
    # Positive control: a real upload is ingested, and the uploaded file leaves the upload folder at once.
    status, paths = maintainer.upload("探测上传办法.md", UPLOAD_BODY)
    reply = maintainer.run(upload, [[file_data(paths[0])], "", None, "", None, ""]) if status == 200 else {}
    output = json.dumps((reply.get("completed") or {}).get("output", {}), ensure_ascii=False)
    left = [p for p in probe.uploads.rglob("*.md") if p.is_file()]
    probe.record("maintainer's real upload (positive control)", "ingested; upload removed from the temp folder",
                 {"upload_status": status, "ingested": "探测上传办法" in output, "left_in_temp": list(map(str, left))},
                 status == 200 and "探测上传办法" in output and not left)
    # A file that is not what its name says: the refusal is Chinese and says what to do.
    status, paths = maintainer.upload("伪装.pdf", b"this is not a pdf at all")
    reply = maintainer.run(upload, [[file_data(paths[0])], "", None, "", None, ""]) if status == 200 else {}
    output = json.dumps((reply.get("completed") or {}).get("output", {}), ensure_ascii=False)
    probe.record("broken PDF refused in Chinese", "【未入库】 with a Chinese reason and the fix", output[:300],
                 "【未入库】" in output and "请用原软件重新导出" in output)
    for name, content, expected in (("tool.exe", b"MZ\x90\x00", 400), ("big.md", b"#" * (21 * 1024 * 1024), 400)):
        status, body = maintainer.upload(name, content)
        left = [str(p) for p in probe.uploads.rglob(name)]
        probe.record(f"maintainer uploads {name} to /gradio_api/upload", f"{expected} in Chinese, file deleted",
                     {"status": status, "reply": str(body)[:160], "left": left},
                     status == expected and "请" in str(body) and not left)
    status, text = _announce_huge_upload(probe, maintainer)
    probe.record("200 MB upload announced", "413 in Chinese before the body is read",
                 {"status": status, "reply": text[:160]}, status == 413 and "超过上限" in text)


def _announce_huge_upload(probe: Probe, maintainer: Session) -> tuple[int, str]:
    """Send only the headers of a 200 MB upload (a raw socket: HTTP clients refuse to under-send)."""
    import socket

    cookie = "; ".join(f"{k}={v}" for k, v in maintainer.http.cookies.items())
    head = (f"POST /gradio_api/upload HTTP/1.1\r\nHost: 127.0.0.1:{probe.port}\r\nCookie: {cookie}\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 209715200\r\n"
            "Connection: close\r\n\r\n--x\r\n")
    with socket.create_connection(("127.0.0.1", probe.port), timeout=30) as sock:
        sock.sendall(head.encode("latin-1"))
        reply = b""
        while b"\r\n\r\n" not in reply or len(reply.partition(b"\r\n\r\n")[2]) < _length(reply):
            chunk = sock.recv(65536)  # the server answers without reading the body, and may keep the socket
            if not chunk:
                break
            reply += chunk
    head_bytes, _, body = reply.partition(b"\r\n\r\n")
    return int(head_bytes.split()[1]), body.decode("utf-8", "replace")


def _length(reply: bytes) -> int:
    """Return the Content-Length of a raw HTTP reply's headers (0 when absent)."""
    for line in reply.partition(b"\r\n\r\n")[0].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def case_official(probe: Probe) -> None:
    official = Session(probe.url, "guanyuan")
    status, body = official.upload("办法.md", UPLOAD_BODY)
    probe.record("official posts a file to /gradio_api/upload", "403 in Chinese, nothing kept",
                 {"status": status, "reply": str(body)[:120]}, status == 403 and "维护人员" in str(body))
    count = len(probe.audit())
    remove = official.event(lambda c: c.get("props", {}).get("value") == "删除")
    reply = official.run(remove, ["no-such-doc", True])
    completed = reply.get("completed") or {}
    error = str((completed.get("output") or {}).get("error"))
    audited = [r for r in probe.audit()[count:] if r.get("event") == "refused"]
    probe.record("Gradio's own refusal (choice not offered)", "Chinese message, audited with user and reason",
                 {"error": error[:160], "audited": audited[:1]},
                 "刷新" in error and any(r.get("user") == "guanyuan" and r.get("reason") for r in audited))
    ask = official.event(lambda c: c.get("props", {}).get("elem_id") == "send")
    raw = ('{"data": ["数据安全法\\ud800规定了什么？", [], [], null, [], [], false], '
           f'"fn_index": {ask}, "session_hash": "SESSION"}}').encode()
    reply = official.run(ask, [], raw=raw)
    completed = reply.get("completed") or {}
    probe.record("lone surrogate in a question", "the event completes; the stream is not broken",
                 {"status": reply["status"], "success": completed.get("success")},
                 reply["status"] == 200 and completed.get("success") is True)
    upload = official.event(lambda c: c.get("props", {}).get("elem_id") == "upload")
    status, paths = Session(probe.url, "weihu").upload("办法.md", UPLOAD_BODY)
    reply = official.run(upload, [[file_data(paths[0])], "", None, "", None, ""])
    error = str(((reply.get("completed") or {}).get("output") or {}).get("error"))
    probe.record("official calls the console's upload event", "refused by the role check (权限)", error[:120],
                 "权限" in error)


def case_timing(probe: Probe) -> None:
    http = client(probe.url, "127.0.0.2")
    known, unknown = [], []
    for round_ in range(4):  # four wrong passwords per account stays below the lockout (5)
        for account in TIMING_ACCOUNTS:
            known.append(login(http, account, f"wrong-{round_}-password")[1])
            unknown.append(login(http, f"nobody_{uuid.uuid4().hex[:8]}", "wrong-password")[1])
    k, u = statistics.median(known), statistics.median(unknown)
    probe.figures["login_median_ms"] = {"known_name": round(k * 1000, 1), "unknown_name": round(u * 1000, 1)}
    probe.record("refusal time of known and unknown names", "medians within 25 % of each other",
                 probe.figures["login_median_ms"], abs(k - u) <= 0.25 * max(k, u))


def case_health_under_logins(probe: Probe) -> None:
    """20 login attempts per second for 6 s (from 20 addresses, so the limits do not simply refuse them all)."""
    stop = threading.Event()
    health: list[float] = []
    statuses: list[int] = []

    def watch() -> None:
        http = client(probe.url)
        while not stop.is_set():
            started = time.perf_counter()
            http.get("/health")
            health.append(time.perf_counter() - started)
            time.sleep(0.1)

    clients = [client(probe.url, f"127.0.1.{n + 1}") for n in range(20)]

    def attempt(i: int) -> None:
        http = clients[i % 20]
        name = "guanyuan" if i % 2 else f"flood_{i}"
        statuses.append(login(http, name, PASSWORD if i % 4 == 1 else "wrong-password")[0])

    baseline = []
    http = client(probe.url)
    for _ in range(10):
        started = time.perf_counter()
        http.get("/health")
        baseline.append(time.perf_counter() - started)
    watcher = threading.Thread(target=watch)
    watcher.start()
    workers = []
    started = time.monotonic()
    for i in range(120):
        time.sleep(max(0.0, started + i / 20 - time.monotonic()))
        worker = threading.Thread(target=attempt, args=(i,))
        worker.start()
        workers.append(worker)
    for worker in workers:
        worker.join(timeout=60)
    stop.set()
    watcher.join()
    median = statistics.median(health)
    probe.figures["health_ms"] = {"idle_median": round(statistics.median(baseline) * 1000, 1),
                                  "under_logins_median": round(median * 1000, 1),
                                  "under_logins_max": round(max(health) * 1000, 1), "samples": len(health),
                                  "login_statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))}}
    probe.record("/health while 20 logins per second are attempted", "median under 50 ms",
                 probe.figures["health_ms"], median < 0.050)


def case_rate_limits(probe: Probe) -> None:
    http = client(probe.url, "127.0.0.3")
    statuses = [login(http, "busy", PASSWORD)[0] for _ in range(11)]
    probe.record("successful logins of one name are rate-limited", "the 11th within a minute gets 429",
                 statuses, statuses[:10] == [200] * 10 and statuses[10] == 429)
    http = client(probe.url, "127.0.0.5")
    statuses = [login(http, f"spray_{i}", "wrong-password")[0] for i in range(31)]
    probe.record("attempts from one address are rate-limited", "the 31st within a minute gets 429",
                 {"first": statuses[0], "last": statuses[-1]}, statuses[-1] == 429 and 429 not in statuses[:30])


def case_lockout(probe: Probe) -> None:
    http = client(probe.url, "127.0.0.6")
    count = len(probe.audit())
    for _ in range(5):
        login(http, "weihu", "wrong-password")
    status, _, text = login(http, "weihu", PASSWORD)
    locked = [r for r in probe.audit()[count:] if r.get("reason") == "locked"]
    probe.record("attempts while a name is locked are refused and audited", "400 with a Chinese reason; audited",
                 {"status": status, "reply": text[:100], "audited_locked": len(locked)},
                 status == 400 and "锁定" in text and len(locked) == 1)


def case_names_in_logs(probe: Probe) -> None:
    http = client(probe.url, "127.0.0.7")
    forged = "x\n2026-01-01 00:00:00 WARNING FORGED: admin granted"
    login(http, forged, "wrong-password")
    login(http, PASSWORD + "-typed-as-name", "wrong-password")
    time.sleep(0.5)
    log = probe.log.read_text(encoding="utf-8", errors="replace")
    audit = (probe.home / "audit.jsonl").read_text(encoding="utf-8")
    probe.record("newline in a user name does not forge a log line", "no line of the server log starts with "
                 "the forged text", [line[:80] for line in log.splitlines() if "FORGED" in line],
                 not any(line.startswith("2026-01-01 00:00:00 WARNING FORGED") for line in log.splitlines()))
    probe.record("a password typed into the name field is not stored", "not in the audit log or server log",
                 {"in_audit": PASSWORD in audit, "in_log": PASSWORD in log},
                 PASSWORD not in audit and PASSWORD not in log)


def case_traversal_names(probe: Probe) -> None:
    from benchmarks.access_check import check_names

    folder = probe.base / "names"
    folder.mkdir()
    source = folder / "示例办法.md"
    source.write_bytes(UPLOAD_BODY)
    results = check_names(folder / "staging", source)
    probe.record("path-traversal upload names", "every name refused or reduced to a plain name inside staging",
                 {"variants": len(results) - 1, "escaped": [r["name"] for r in results if not r["inside"]]},
                 all(r["inside"] for r in results))


def case_markup(probe: Probe) -> None:
    from assistant.ui import console
    from benchmarks.hostile_questions import live_markup
    from tests.ui_fakes import version_of

    planted = "![x](http://attacker.example/t.png)<img src=x onerror=alert(1)>"
    line = console._version_line(version_of(f"{planted}条例", "evil", "evil-1", warnings=(planted,)))
    problems = live_markup(line)
    probe.record("markup in uploaded titles shown as text", "no live markup, no outside request", problems,
                 not problems)


def case_no_secrets_logged(probe: Probe) -> None:
    log = probe.log.read_text(encoding="utf-8", errors="replace")
    audit = (probe.home / "audit.jsonl").read_text(encoding="utf-8")
    leaks = [word for word in (PASSWORD, "hunter2-secret", "$2b$") if word in log or word in audit]
    probe.record("nothing secret in the audit or server log", "no password, hash or planted secret", leaks, not leaks)


CASES = (case_loopback_without_users, case_anonymous, case_console_files, case_official, case_timing,
         case_rate_limits, case_lockout, case_names_in_logs, case_traversal_names, case_markup,
         case_health_under_logins, case_no_secrets_logged)


def run() -> dict[str, Any]:
    """Run every case against a fresh server and return the summary."""
    with tempfile.TemporaryDirectory(prefix="probe-") as tmp:
        probe = Probe(Path(tmp))
        probe.start()
        try:
            for case in CASES:
                try:
                    case(probe)
                except Exception as err:  # noqa: BLE001 - a case that crashes is recorded as failing
                    probe.record(case.__name__, "runs", f"{type(err).__name__}: {err}"[:300], False)
        finally:
            probe.stop()
    return {"cases": probe.cases, "figures": probe.figures, "ok": all(c["pass"] for c in probe.cases)}


def main() -> int:
    results = run()
    write_result("security_probe", results)
    print(json.dumps(results["figures"], ensure_ascii=False))
    print(f"{sum(c['pass'] for c in results['cases'])} of {len(results['cases'])} cases pass")
    return 0 if results["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
