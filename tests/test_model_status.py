"""The model endpoint's state for /health: real HTTP servers and sockets on loopback, a short probe, a cache."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.settings import LlmSettings
from assistant.ui.model_status import ModelEndpointStatus
from tests.llm_server import free_port


class ModelsEndpoint:
    """A real HTTP server on loopback answering GET /v1/models like an OpenAI-compatible server; counts requests."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[str] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802  (http.server's name)
                endpoint.requests.append(self.path)
                body = json.dumps({"object": "list", "data": [{"id": "smollm2"}]}).encode()
                self.send_response(endpoint.status if self.path == "/v1/models" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture()
def models_endpoint() -> Iterator[ModelsEndpoint]:
    endpoint = ModelsEndpoint()
    try:
        yield endpoint
    finally:
        endpoint.close()


def openai_settings(base_url: str) -> LlmSettings:
    return LlmSettings(backend="openai", base_url=base_url, model="smollm2")


class FakeClock:
    """Monotonic time the test moves by hand, so the cache expiry is checked without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_composer_mode_reports_the_backend_and_contacts_nothing() -> None:
    assert ModelEndpointStatus(LlmSettings()).report() == {"backend": "none"}


def test_a_listening_endpoint_is_reachable_and_asked_once_per_cache_period(models_endpoint: ModelsEndpoint) -> None:
    clock = FakeClock()
    status = ModelEndpointStatus(openai_settings(models_endpoint.base_url), ttl_s=10.0, clock=clock)
    first = status.report()
    assert first["reachable"] is True and first["backend"] == "openai"
    assert first["base_url"] == models_endpoint.base_url and "error" not in first
    clock.now += 9.0
    assert status.report() == first
    assert models_endpoint.requests == ["/v1/models"]  # the second report came from the cache
    models_endpoint.close()
    clock.now += 1.0
    gone = status.report()
    assert gone["reachable"] is False and "ConnectionRefusedError" in str(gone["error"])
    assert models_endpoint.requests == ["/v1/models"]


def test_an_endpoint_answering_with_an_error_status_is_unreachable() -> None:
    endpoint = ModelsEndpoint(status=500)
    try:
        report = ModelEndpointStatus(openai_settings(endpoint.base_url)).report()
    finally:
        endpoint.close()
    assert report["reachable"] is False and report["error"] == f"HTTP 500 from {endpoint.base_url}/models"


def test_nothing_listening_is_reported_at_once() -> None:
    report = ModelEndpointStatus(openai_settings(f"http://127.0.0.1:{free_port()}/v1")).report()
    assert report["reachable"] is False and "ConnectionRefusedError" in str(report["error"])


def test_a_server_that_accepts_but_never_answers_costs_only_the_probe_timeout() -> None:
    with socket.socket() as silent:  # the kernel completes the handshake; nobody ever reads or replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        status = ModelEndpointStatus(openai_settings(f"http://127.0.0.1:{silent.getsockname()[1]}/v1"), timeout_s=0.3)
        started = time.monotonic()
        report = status.report()
        elapsed = time.monotonic() - started
    assert report["reachable"] is False and "timed out" in str(report["error"])
    assert elapsed < 2.0
