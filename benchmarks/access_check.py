"""Access: anonymous and official accounts cannot reach maintainer actions; upload names cannot escape.

    .venv/bin/python benchmarks/access_check.py

Over HTTP against the running app (app.py with a users file, on loopback): anonymous requests to the page,
config and queue routes; an official account calling the console's upload and remove events (through
gradio_client, marking the private events callable on the client as a hostile client would); a maintainer's
remove as the positive control; the lockout after repeated wrong passwords. In process: every console action
with role None / official, and a list of path-escaping upload names through check_upload and stage_upload.
Results: benchmarks/results/access_check.json.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import write_result  # noqa: E402

ESCAPING_NAMES = [
    "../../etc/passwd.md", "/etc/passwd.md", "..\\..\\windows\\win.ini.md", "C:\\Windows\\x.md", "a/../../b.md",
    "....//....//x.md", "..", ".", "", " ", "x\x00.md", "sub/dir/name.md", "%2e%2e%2fescape.md", "..%2fescape.md",
    "．．／fullwidth.md", "\u202egpj.md", "~/.ssh/authorized_keys.md", "//server/share/x.md", "x.md/..",
    "\\\\?\\C:\\x.md", "a" * 5000 + ".md", "name\nnewline.md", ".hidden.md", "uploads/../../sources/x.md",
]
PASSWORD = "correct-horse-42"


def check_names(staging: Path, source: Path) -> list[dict]:
    """Return, per hostile name, whether it was refused or where its staged copy landed."""
    from assistant.ui.uploads import UploadRefusedError, check_upload, discard_staged, stage_upload

    out = []
    for name in ESCAPING_NAMES:
        try:
            safe = check_upload(source, name, max_mb=5, allowed_suffixes=(".md",))
            staged = stage_upload(source, safe, staging)
            inside = staged.resolve().is_relative_to(staging.resolve()) and staged.parent.parent == staging
            out.append({"name": name[:60], "result": "staged", "as": safe[:60], "inside": inside})
            discard_staged(staged)
        except UploadRefusedError as err:
            out.append({"name": name[:60], "result": "refused", "message": str(err)[:120], "inside": True})
    # staging and source sit alone in their folder: any other file there is an escape.
    leftovers = [p for p in staging.parent.rglob("*") if p.is_file() and p != source]
    out.append({"name": "(files left beside the staging folder)", "result": str(leftovers)[:300],
                "inside": not leftovers})
    return out


def check_roles(home: Path, source: Path) -> list[dict]:
    """Call every console action as anonymous and official; each must raise AccessDeniedError, changing nothing."""
    from assistant.errors import AccessDeniedError
    from assistant.ui import console
    from assistant.ui.app import build_context
    from assistant.wiring import build_assistant, build_catalog, build_library
    from benchmarks._common import bench_settings

    settings = bench_settings(home)
    catalog = build_catalog(settings)
    ctx = build_context(settings, host="127.0.0.1", assistant=build_assistant(settings),
                        library=build_library(settings), catalog=catalog)
    before = sorted(v.version_id for v in catalog.versions())
    target = before[0]
    actions = {
        "upload": lambda role: console.upload_documents(ctx, "x", role, [source]),
        "replace": lambda role: console.replace_document(ctx, "x", role, target, source),
        "remove": lambda role: console.remove_document(ctx, "x", role, target, True),
    }
    out = []
    for role in (None, "official", "", "admin", "MAINTAINER"):
        for action, call in actions.items():
            try:
                call(role)
                refused = False
            except AccessDeniedError:
                refused = True
            out.append({"role": role, "action": action, "refused": refused})
    after = sorted(v.version_id for v in catalog.versions())
    out.append({"role": "-", "action": "catalog unchanged", "refused": before == after})
    return out


def _status(url: str, data: bytes | None = None) -> int:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=20) as reply:
            return reply.status
    except urllib.error.HTTPError as err:
        return err.code


def _endpoint(client, match) -> int:  # type: ignore[no-untyped-def]
    """Return the fn index of the click event on the first component matching, made callable on this client."""
    target = next(c["id"] for c in client.config["components"] if match(c))
    for index, dep in enumerate(client.config["dependencies"]):
        if any(t[0] == target and t[1] == "click" for t in dep.get("targets", [])):
            fn_index = dep.get("id", index)
            client.endpoints[fn_index].is_valid = True
            return fn_index
    raise RuntimeError("event not found")


def check_http(home: Path, source: Path) -> list[dict]:
    """Serve home with a users file and probe it as anonymous, official, maintainer and a guesser."""
    from gradio_client import Client, handle_file

    from assistant.corpus.catalog import Catalog
    from assistant.ui.auth import save_user
    from benchmarks.load_test import free_port, start_app

    users = home.parent / "users.toml"
    for name, role in (("guanyuan", "official"), ("weihu", "maintainer"), ("victim", "official")):
        save_user(users, name, role, PASSWORD)
    port = free_port()
    server = start_app(home, port, "hash", home.parent / "app.log", {"ASSISTANT_UI__USERS_FILE": str(users)})
    url = f"http://127.0.0.1:{port}"
    out: list[dict] = []
    catalog = Catalog(home / "catalog.sqlite3")
    try:
        for path in ("/config", "/gradio_api/info", "/gradio_api/queue/join"):
            status = _status(url + path, b"{}" if path.endswith("join") else None)
            out.append({"who": "anonymous", "check": f"GET/POST {path}", "status": status, "ok": status in (401, 403)})
        try:
            Client(url + "/", verbose=False)
            out.append({"who": "anonymous", "check": "gradio_client connects", "ok": False})
        except Exception as err:  # noqa: BLE001 - any refusal is the expected outcome
            out.append({"who": "anonymous", "check": "gradio_client refused", "error": type(err).__name__, "ok": True})
        official = Client(url + "/", auth=("guanyuan", PASSWORD), verbose=False, download_files=False)
        versions_before = sorted(v.version_id for v in catalog.versions())
        doc_id = catalog.versions()[0].doc_id
        refresh = _endpoint(official, lambda c: c.get("props", {}).get("value") == "刷新目录")
        official.predict(fn_index=refresh)  # an official's refresh gets empty choices: nothing to remove
        remove = _endpoint(official, lambda c: c.get("props", {}).get("value") == "删除")
        upload = _endpoint(official, lambda c: c.get("props", {}).get("elem_id") == "upload")
        for name, call in (("remove", lambda: official.predict(doc_id, True, fn_index=remove)),
                           ("upload", lambda: official.predict([handle_file(str(source))], "", None, "", None, "",
                                                              fn_index=upload))):
            try:
                result = call()
                out.append({"who": "official", "check": f"console {name}", "ok": False, "result": str(result)[:200]})
            except Exception as err:  # noqa: BLE001
                # Refused by the role check (权限); for upload already by the upload route (only 维护人员 may
                # upload: 403); for remove by Gradio's choice check, in Chinese: the official's document dropdown has
                # no choices, so any document id is rejected before the handler runs.
                out.append({"who": "official", "check": f"console {name} refused",
                            "ok": any(word in str(err) for word in ("权限", "可选列表", "403 Forbidden")),
                            "error": str(err)[:160]})
        unchanged = sorted(v.version_id for v in catalog.versions()) == versions_before
        out.append({"who": "official", "check": "catalog unchanged after official's attempts", "ok": unchanged})
        maintainer = Client(url + "/", auth=("weihu", PASSWORD), verbose=False, download_files=False)
        maintainer.predict(fn_index=_endpoint(maintainer, lambda c: c.get("props", {}).get("value") == "刷新目录"))
        fn = _endpoint(maintainer, lambda c: c.get("props", {}).get("value") == "删除")
        result = maintainer.predict(doc_id, True, fn_index=fn)
        removed = doc_id not in {v.doc_id for v in catalog.versions()}
        out.append({"who": "maintainer", "check": "console remove works (positive control)", "ok": removed,
                    "result": str(result)[:160]})
        for _ in range(5):
            try:
                Client(url + "/", auth=("victim", "wrong-password"), verbose=False)
            except Exception:  # noqa: BLE001, S110 - wrong passwords are meant to fail
                pass
        try:
            Client(url + "/", auth=("victim", PASSWORD), verbose=False)
            out.append({"who": "guesser", "check": "locked out after 5 wrong passwords", "ok": False})
        except Exception as err:  # noqa: BLE001
            out.append({"who": "guesser", "check": "locked out after 5 wrong passwords", "ok": True,
                        "error": type(err).__name__})
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except Exception:  # noqa: BLE001 - uvicorn may wait on open connections
            server.kill()
    return out


def run(with_http: bool = True) -> dict:
    """Run every access check and return the summary."""
    from benchmarks.load_test import tiny_home

    with tempfile.TemporaryDirectory(prefix="access-") as tmp:
        base = Path(tmp)
        source = base / "示例办法.md"
        source.write_text("# 上传示例办法\n\n第一条 数据处理者应当履行数据安全保护义务。\n", encoding="utf-8")
        home = tiny_home(base / "tiny")
        names = base / "names"
        names.mkdir()
        named_source = names / "示例办法.md"
        named_source.write_bytes(source.read_bytes())
        results = {"names": check_names(names / "staging", named_source), "roles": check_roles(home, source)}
        if with_http:
            results["http"] = check_http(home, source)
    results["ok"] = all(r["inside"] for r in results["names"]) and all(r["refused"] for r in results["roles"]) \
        and all(r["ok"] for r in results.get("http", []))
    return results


def main() -> int:
    results = run()
    write_result("access_check", results)
    print(json.dumps({k: v for k, v in results.items() if k != "names"}, ensure_ascii=False, indent=1)[:5000])
    print("names:", sum(r["inside"] for r in results["names"]), "of", len(results["names"]), "safe")
    return 0 if results["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
